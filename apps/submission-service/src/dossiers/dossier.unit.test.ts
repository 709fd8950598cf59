import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decider, thenOf } from '@aap/test-harness/decider-spec';
import { DossierDraftClosingSoon, DossierDraftSaved, DossierResubmitted, DossierSubmitted, DossierWithdrawn, type ApplicantSnapshot, type CallSnapshot, type DossierStatus } from '@aap/contracts';
import {
  answerComplement,
  applyEvaluation,
  attach,
  attachable,
  detach,
  editBudget,
  editProject,
  MAX_ATTACHMENTS_PER_DOSSIER,
  remindOfClosing,
  startDraft,
  submissionViolations,
  submit,
  withdraw,
  type AttachmentEntry,
  type Dossier,
  type DossierDecision,
  type SubmissionContext,
  type SubmissionFacts,
} from './dossier';
import { canonicalJson, contentHash } from './content-hash';

const now = new Date('2026-03-10T10:00:00+01:00');

const call: CallSnapshot = {
  callId: 'pass-numerique-2026',
  status: 'published',
  title: 'Pass numérique 2026',
  programme: 'Pass numérique',
  description: '',
  budgetEnvelopeCents: 1_500_000_000,
  eligibleApplicantKinds: ['commune', 'epci', 'metropole', 'departement', 'region'],
  groupementsAllowed: false,
  cofinancing: {
    maxStateRateBps: 5000,
    minGrantCents: 1_000_000,
    maxGrantCents: 150_000_000,
    minProjectCostCents: 2_000_000,
    ownContribution: { enabled: true, minShareBps: 2000 },
  },
  requiredDocuments: [{ type: 'deliberation', label: 'Délibération' }],
  scoringGrid: { criteria: [{ criterionId: 'impact', label: 'Impact', weight: 1, maxScore: 5 }] },
  reviewersPerDossier: 3,
  paymentSchedule: { advanceBps: 3000, interimCapBps: 8000 },
  waves: [{ waveId: 'w1', label: 'Vague 1', opensAt: '2026-03-01T00:00:00+01:00', closesAt: '2026-03-31T23:59:59+02:00' }],
  maxActiveDossiersPerApplicantPerWave: 1,
  reminderDaysBeforeClose: 7,
  closesAt: '2026-03-31T23:59:59+02:00',
  version: 2,
};

const commune: ApplicantSnapshot = {
  organisationId: '216901231',
  name: 'Lyon',
  kind: 'commune',
  territory: { communeCode: '69123', departements: ['69'], regions: ['84'] },
  contacts: [{ name: 'Mairie', email: 'numerique@mairie-lyon.fr' }],
};

/** A dossier that passes every rule: 40 k€ cost = 20 k€ State (50 %) + 20 k€ own contribution. */
function valid(overrides: Partial<SubmissionContext> = {}): SubmissionContext {
  return {
    call,
    waveId: 'w1',
    applicant: commune,
    otherActiveDossiersInWave: 0,
    now,
    content: {
      project: { title: 'Pass numérique Lyon', summary: 'r', description: 'd', startDate: '2026-05-01', endDate: '2027-04-30' },
      budget: { eligibleCostCents: 4_000_000, requestedGrantCents: 2_000_000, otherFunding: [{ kind: 'own-contribution', funder: 'Ville de Lyon', amountCents: 2_000_000 }] },
      documentTypes: ['deliberation'],
    },
    ...overrides,
  };
}
const names = (ctx: SubmissionContext) => submissionViolations(ctx).map((v) => v.name);
const withBudget = (budget: SubmissionContext['content']['budget']) => valid({ content: { ...valid().content, budget } });

describe('submission rules', () => {
  it('given a dossier that respects every rule, then nothing is violated', () => {
    expect(submissionViolations(valid())).toEqual([]);
  });

  it('given the wave is not open or the call not published, then window rules fail', () => {
    expect(names(valid({ now: new Date('2026-02-28T12:00:00Z') }))).toEqual(['window-open']);
    expect(names(valid({ now: new Date('2026-03-31T22:00:00Z') }))).toEqual(['window-open']); // 23:59:59+02:00 = 21:59:59Z
    expect(names(valid({ call: { ...call, status: 'closed' } }))).toEqual(['call-published']);
    expect(names(valid({ waveId: 'w9' }))).toEqual(['window-open']);
  });

  it('given an ineligible or unregistered applicant, then applicant rules fail', () => {
    expect(names(valid({ applicant: { ...commune, kind: 'association' } }))).toContain('applicant-kind-eligible');
    expect(names(valid({ applicant: null }))).toEqual(['applicant-registered']);
    expect(names(valid({ applicant: { ...commune, groupementMemberSirens: ['200046977'] } }))).toEqual(['groupements-allowed']);
    expect(names(valid({ otherActiveDossiersInWave: 1 }))).toEqual(['active-dossiers-per-wave']);
  });

  it('given missing fields and documents, then one violation per missing item with its pointer', () => {
    const violations = submissionViolations(valid({ content: { project: { title: 'T' }, budget: {}, documentTypes: [] } }));
    expect(violations.map((v) => [v.name, v.pointer])).toEqual([
      ['project.summary', '#/project/summary'],
      ['project.description', '#/project/description'],
      ['project.startDate', '#/project/startDate'],
      ['project.endDate', '#/project/endDate'],
      ['required-documents', undefined],
      ['budget.eligibleCostCents', '#/budget/eligibleCostCents'],
      ['budget.requestedGrantCents', '#/budget/requestedGrantCents'],
    ]);
  });

  it('given an unbalanced budget, then budget-balanced fails with the amounts in euros', () => {
    const [violation] = submissionViolations(withBudget({ eligibleCostCents: 4_000_000, requestedGrantCents: 2_000_000, otherFunding: [{ kind: 'own-contribution', funder: 'x', amountCents: 1_999_999 }] }));
    expect(violation!.name).toBe('budget-balanced');
    expect(violation!.detail).toMatch(/39\s999,99\s€/); // fr-FR groups with a narrow no-break space
  });

  it('given amounts outside the call limits, then the money rules fail', () => {
    // 15 k€ cost: below the 20 k€ minimum; 7.5 k€ requested: below the 10 k€ minimum grant.
    expect(names(withBudget({ eligibleCostCents: 1_500_000, requestedGrantCents: 750_000, otherFunding: [{ kind: 'own-contribution', funder: 'x', amountCents: 750_000 }] }))).toEqual([
      'minimum-project-cost',
      'grant-minimum',
    ]);
    // 60 % of the cost requested: above the 50 % rate.
    expect(names(withBudget({ eligibleCostCents: 4_000_000, requestedGrantCents: 2_400_000, otherFunding: [{ kind: 'own-contribution', funder: 'x', amountCents: 1_600_000 }] }))).toEqual(['grant-within-rate']);
    // 4 M€ cost, 2 M€ requested: above the 1.5 M€ maximum grant.
    expect(names(withBudget({ eligibleCostCents: 400_000_000, requestedGrantCents: 200_000_000, otherFunding: [{ kind: 'own-contribution', funder: 'x', amountCents: 200_000_000 }] }))).toEqual(['grant-maximum']);
  });

  it('given a collectivité funding less than 20 % of the public funding itself, then own-contribution fails', () => {
    // 100 k€ = 50 k€ State + 40 k€ région + 10 k€ own: public 100 k€, own 10 % < 20 %.
    const budget = { eligibleCostCents: 10_000_000, requestedGrantCents: 5_000_000, otherFunding: [
      { kind: 'region' as const, funder: 'Région', amountCents: 4_000_000 },
      { kind: 'own-contribution' as const, funder: 'Ville', amountCents: 1_000_000 },
    ] };
    expect(names(withBudget(budget))).toEqual(['own-contribution']);
    // The rule is a setting of the call: off, it passes.
    expect(names({ ...withBudget(budget), call: { ...call, cofinancing: { ...call.cofinancing, ownContribution: { enabled: false, minShareBps: 2000 } } } })).toEqual([]);
  });

  it('given a tiers-lieu, then its own contribution is private money and the 20 % rule does not apply', () => {
    const tiersLieu: ApplicantSnapshot = { ...commune, organisationId: '12345678900011', kind: 'association' };
    const ctx = { ...withBudget({ eligibleCostCents: 10_000_000, requestedGrantCents: 5_000_000, otherFunding: [{ kind: 'private', funder: 'Fondation', amountCents: 5_000_000 }] }), applicant: tiersLieu, call: { ...call, eligibleApplicantKinds: ['association' as const] } };
    expect(names(ctx)).toEqual([]);
  });

  it('property: a balanced budget at or under the State rate never breaks budget-balanced or grant-within-rate', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2_000_000, max: 300_000_000 }), fc.integer({ min: 0, max: 5000 }), (cost, rateBps) => {
        const requested = Math.floor((cost * rateBps) / 10_000);
        const own = cost - requested;
        const found = names(withBudget({ eligibleCostCents: cost, requestedGrantCents: requested, otherFunding: [{ kind: 'own-contribution', funder: 'x', amountCents: own }] }));
        return !found.includes('budget-balanced') && !found.includes('grant-within-rate');
      }),
    );
  });
});

// ── decide functions ────────────────────────────────────────────────────────────────────────────

const project = { title: 'Pass numérique Lyon', summary: 'r', description: 'd', startDate: '2026-05-01', endDate: '2027-04-30' };
const budget = { eligibleCostCents: 4_000_000, requestedGrantCents: 2_000_000, otherFunding: [{ kind: 'own-contribution' as const, funder: 'Ville de Lyon', amountCents: 2_000_000 }] };
const piece = (documentType: string, attachmentId = `a-${documentType}`): AttachmentEntry => ({
  attachmentId,
  documentType,
  fileName: `${documentType}.pdf`,
  contentType: 'application/pdf',
  sizeBytes: 10,
  sha256: 'b'.repeat(64),
  storageId: `s-${attachmentId}`,
  uploadedBy: 'agent',
  uploadedAt: now,
});

/** A dossier in `status` with everything a submission needs. */
function dossierIn(status: DossierStatus, overrides: Partial<Dossier> = {}): Dossier {
  const submitted = status !== 'draft';
  return {
    dossierId: 'd-1',
    callId: call.callId,
    waveId: 'w1',
    organisationId: commune.organisationId,
    status,
    project,
    budget,
    applicant: commune,
    attachments: [piece('deliberation')],
    complementRequests: [],
    appliedEventIds: [],
    history: [{ status: 'draft', at: now }],
    createdBy: 'agent',
    createdAt: now,
    updatedAt: now,
    version: 3,
    ...(submitted ? { number: 'AAP-2026-000042', submittedAt: now, contentHash: 'c'.repeat(64) } : {}),
    ...overrides,
  };
}
const facts: SubmissionFacts = { call, applicant: commune, otherActiveDossiersInWave: 0 };
const later = new Date('2026-03-11T10:00:00+01:00');

/** The state an accepted decision leads to (the spec has checked it was accepted). */
function stateOf(decision: DossierDecision): Dossier {
  if (decision.outcome !== 'accepted') throw new Error(`expected an accepted decision, got ${JSON.stringify(decision)}`);
  return decision.state;
}

describe('a draft', () => {
  it('given a published call and a registered organisation, when a draft is started, then it is a draft at version 1 and dossier.draft-saved is recorded', () => {
    thenOf(startDraft({ dossierId: 'd-9', callId: call.callId, waveId: 'w1', organisationId: commune.organisationId, call, applicant: commune, by: 'agent' }, now))
      .then({ definition: DossierDraftSaved, data: { dossierId: 'd-9', number: null, callId: call.callId, waveId: 'w1', organisationId: commune.organisationId, at: now.toISOString() } })
      .thenState({ dossierId: 'd-9', status: 'draft', version: 1, attachments: [], project: {}, applicant: commune });
  });

  it('given an unknown wave and an unregistered organisation, when a draft is started, then both are refused', () => {
    const spec = thenOf(startDraft({ dossierId: 'd-9', callId: call.callId, waveId: 'w9', organisationId: '1', call, applicant: null, by: 'agent' }, now)).thenRefused('waveId', 'applicant-registered');
    expect(spec.decision).toMatchObject({ outcome: 'refused', violations: [{ name: 'waveId' }, { name: 'applicant-registered' }] });
  });

  it('given a draft, when project fields are saved, then only those change (the store moves the version on) and dossier.draft-saved is recorded', () => {
    decider(editProject)
      .given(dossierIn('draft'))
      .when({ title: 'Nouveau titre' }, later)
      .then({ definition: DossierDraftSaved, data: { number: null, at: later.toISOString() } })
      .thenState({ project: { ...project, title: 'Nouveau titre' }, version: 3, updatedAt: later });
  });

  it('given a draft, when its budget plan changes, then dossier.draft-saved is recorded', () => {
    decider(editBudget).given(dossierIn('draft')).when({ ...budget, eligibleCostCents: 1 }, later).then({ definition: DossierDraftSaved, data: { number: null, at: later.toISOString() } });
  });

  it('given the fields are already saved, when the same save comes again (a retry), then it is accepted and changes nothing', () => {
    decider(editProject).given(dossierIn('draft')).when({ title: project.title }, later).thenNothingHappens();
    decider(editBudget).given(dossierIn('draft')).when(budget, later).thenNothingHappens();
    // Even once submitted: the saved content is what was asked.
    decider(editBudget).given(dossierIn('submitted')).when(budget, later).thenNothingHappens().thenState({ version: 3 });
  });

  it('given a submitted dossier, when its budget would change, then it is the wrong status', () => {
    decider(editBudget).given(dossierIn('submitted')).when({ ...budget, eligibleCostCents: 1 }, later).thenWrongStatus('submitted');
  });

  it('given a dossier awaiting complements, when its budget changes, then it is accepted', () => {
    decider(editBudget).given(dossierIn('complement-requested')).when({ ...budget, eligibleCostCents: 1 }, later).then().thenState({ budget: { eligibleCostCents: 1 } });
  });
});

describe('the draft-closing reminder', () => {
  const remind = decider(remindOfClosing);
  const reminder = { closesAt: '2026-03-31T23:59:59+02:00', callTitle: call.title, daysLeft: 2 };

  it('given a draft not yet reminded, when its wave closes soon, then dossier.draft-closing-soon once for this closing time', () => {
    remind
      .given(dossierIn('draft'))
      .when(reminder)
      .then({ definition: DossierDraftClosingSoon, data: { dossierId: 'd-1', callId: call.callId, waveId: 'w1', organisationId: commune.organisationId, title: project.title, daysLeft: 2, closesAt: reminder.closesAt } })
      .thenState({ reminderSentForClosesAt: reminder.closesAt });
  });

  it('given a draft already reminded for this closing time (another tick, another instance), then nothing happens; a new closing time reminds again', () => {
    const reminded = dossierIn('draft', { reminderSentForClosesAt: reminder.closesAt });
    remind.given(reminded).when(reminder).thenNothingHappens();
    remind.given(reminded).when({ ...reminder, closesAt: '2026-04-30T23:59:59+02:00' }).then(DossierDraftClosingSoon);
  });

  it('given a dossier no longer a draft, when the job comes, then nothing happens', () => {
    remind.given(dossierIn('submitted')).when(reminder).thenNothingHappens();
  });
});

describe('attachments', () => {
  it('given a draft, when a file is attached, then it is listed (a racing submit, decided on the older version, then loses its write)', () => {
    const spec = decider(attach).given(dossierIn('draft')).when(piece('budget-plan'), later).then();
    expect(stateOf(spec.decision).attachments.map((a) => a.documentType)).toEqual(['deliberation', 'budget-plan']);
  });

  it(`given ${MAX_ATTACHMENTS_PER_DOSSIER} attachments, when one more is attached, then too-many-attachments`, () => {
    const full = dossierIn('draft', { attachments: Array.from({ length: MAX_ATTACHMENTS_PER_DOSSIER }, (_, i) => piece(`p-${i}`)) });
    decider(attach).given(full).when(piece('one-more'), later).thenRefused('too-many-attachments');
  });

  it('given a submitted dossier, when a file is attached or removed, then it is the wrong status', () => {
    decider(attach).given(dossierIn('submitted')).when(piece('late'), later).thenWrongStatus();
    decider(detach).given(dossierIn('under-review')).when('a-deliberation', later).thenWrongStatus();
  });

  it('given a draft, when an attachment is removed, then it is no longer listed; an unknown one is refused', () => {
    decider(detach).given(dossierIn('draft')).when('a-deliberation', later).then().thenState({ attachments: [] });
    decider(detach).given(dossierIn('draft')).when('nope', later).thenRefused('attachment-exists');
  });

  it('given a draft, when asked whether one more attachment fits, then yes without a change; at the limit, too-many-attachments', () => {
    const full = dossierIn('draft', { attachments: Array.from({ length: MAX_ATTACHMENTS_PER_DOSSIER }, (_, i) => piece(`p-${i}`)) });
    thenOf(attachable(dossierIn('draft')), dossierIn('draft')).then();
    thenOf(attachable(full)).thenRefused('too-many-attachments');
    thenOf(attachable(dossierIn('submitted'))).thenWrongStatus('submitted');
  });
});

describe('submitting', () => {
  const submitting = decider(submit);

  it('given a complete draft, when it is submitted, then the receipt and dossier.submitted carry the whole dossier', () => {
    const spec = submitting
      .given(dossierIn('draft'))
      .when(facts, { number: 'AAP-2026-000001', idempotencyKey: 'key-12345', by: 'agent' }, later)
      .thenState({ status: 'submitted', number: 'AAP-2026-000001', submittedAt: later, submitIdempotencyKey: 'key-12345', version: 3 });
    const state = stateOf(spec.decision);
    expect(state.contentHash).toMatch(/^[0-9a-f]{64}$/);
    expect(state.history.at(-1)).toEqual({ status: 'submitted', at: later, by: 'agent' });
    spec.then({ definition: DossierSubmitted, data: { dossier: { dossierId: 'd-1', number: 'AAP-2026-000001', project, budget, contentHash: state.contentHash } } });
  });

  it('given a draft that breaks rules, when it is submitted, then every violation is listed and nothing changes', () => {
    const spec = submitting.given(dossierIn('draft', { attachments: [] })).when({ ...facts, otherActiveDossiersInWave: 1 }, { number: 'N', by: 'agent' }, later);
    spec.thenRefused('active-dossiers-per-wave', 'required-documents');
    expect(spec.decision.outcome === 'refused' && spec.decision.violations.map((v) => v.name)).toEqual(['active-dossiers-per-wave', 'required-documents']);
  });

  it('given a dossier submitted with a key, when the same submit is retried, then it is accepted unchanged; without the key it is the wrong status', () => {
    const submitted = dossierIn('submitted', { submitIdempotencyKey: 'key-12345' });
    submitting.given(submitted).when(facts, { number: 'N', idempotencyKey: 'key-12345', by: 'agent' }, later).thenNothingHappens();
    submitting.given(submitted).when(facts, { number: 'N', by: 'agent' }, later).thenWrongStatus('submitted');
  });
});

describe('withdrawing', () => {
  it('given a dossier under review, when the applicant withdraws it, then it is withdrawn and dossier.withdrawn carries the reference', () => {
    const spec = decider(withdraw).given(dossierIn('under-review')).when({ reason: 'reporté', by: 'agent' }, later).thenState({ status: 'withdrawn' });
    spec.then({
      definition: DossierWithdrawn,
      data: { dossierId: 'd-1', number: 'AAP-2026-000042', callId: call.callId, waveId: 'w1', organisationId: commune.organisationId, reason: 'reporté', withdrawnAt: later.toISOString(), requestedGrantCents: 2_000_000 },
    });
    expect(spec.decision.outcome === 'accepted' && spec.decision.events[0]!.data).toEqual({
      dossierId: 'd-1', number: 'AAP-2026-000042', callId: call.callId, waveId: 'w1', organisationId: commune.organisationId, reason: 'reporté', withdrawnAt: later.toISOString(), requestedGrantCents: 2_000_000,
    });
  });

  it('given an accepted dossier, when the applicant withdraws it, then the lifecycle refuses', () => {
    const spec = decider(withdraw).given(dossierIn('accepted')).when({ by: 'agent' }, later).thenWrongStatus();
    expect(spec.decision).toMatchObject({ detail: expect.stringContaining('cannot apply to a dossier that is accepted') });
  });
});

describe('answering a request for complements', () => {
  const awaiting = () => dossierIn('complement-requested', { complementRequests: [{ complementRequestId: 'cr-1', message: 'plan signé', requestedAt: now }] });
  const answering = decider(answerComplement);

  it('given an open request, when it is answered, then the dossier is under review again and resubmitted whole', () => {
    const spec = answering.given(awaiting()).when(facts, { complementRequestId: 'cr-1', answer: 'joint', by: 'agent' }, later).thenState({ status: 'under-review' });
    expect(stateOf(spec.decision).complementRequests[0]).toMatchObject({ answeredAt: later, answer: 'joint' });
    spec.then({ definition: DossierResubmitted, data: { complementRequestId: 'cr-1', answer: 'joint', dossier: { number: 'AAP-2026-000042' } } });
  });

  it('given the wave has closed since, when the request is answered, then the first-submission rules do not apply', () => {
    const closed = { ...facts, call: { ...call, status: 'closed' as const } };
    answering.given(awaiting()).when(closed, { complementRequestId: 'cr-1', answer: 'joint', by: 'agent' }, new Date('2026-05-01T10:00:00Z')).then(DossierResubmitted);
  });

  it('given no open request with that id, when it is answered, then it is the wrong status', () => {
    answering.given(awaiting()).when(facts, { complementRequestId: 'cr-2', answer: 'x', by: 'agent' }, later).thenWrongStatus();
  });
});

describe('evaluation events applied through the lifecycle', () => {
  const ref = { dossierId: 'd-1', number: 'AAP-2026-000042', callId: call.callId, waveId: 'w1', organisationId: commune.organisationId, at: '2026-04-10T09:00:00+02:00' };
  const applying = decider(applyEvaluation);

  it('given each decision, when applied, then the dossier moves as the lifecycle says and remembers the event', () => {
    const reviewed = stateOf(applying.given(dossierIn('submitted')).when('review-started', { id: 'e1', data: ref }, later).then().thenState({ status: 'under-review', appliedEventIds: ['e1'] }).decision);
    applying
      .given(reviewed)
      .when('complement-requested', { id: 'e2', data: { ...ref, complementRequestId: 'cr-1', message: 'plan' } }, later)
      .thenState({ status: 'complement-requested', complementRequests: [{ complementRequestId: 'cr-1', message: 'plan' }] });
    const waitlisted = stateOf(applying.given(reviewed).when('waitlisted', { id: 'e3', data: { ...ref, motivation: 'réserve' } }, later).decision);
    const accepted = stateOf(
      applying
        .given(waitlisted)
        .when('accepted', { id: 'e4', data: { ...ref, grantCents: 2_000_000, motivation: 'solide' } }, later)
        .thenState({ status: 'accepted', decision: { kind: 'accepted', grantCents: 2_000_000, motivation: 'solide' } }).decision,
    );
    const reopened = stateOf(applying.given(accepted).when('decision-reopened', { id: 'e5', data: { ...ref, reason: 'erreur' } }, later).thenState({ status: 'under-review' }).decision);
    expect(reopened.decision).toBeUndefined();
    applying.given(dossierIn('submitted')).when('rejected', { id: 'e6', data: { ...ref, motivation: 'hors champ', reasons: [], ineligible: true } }, later).thenState({ status: 'rejected' });
    applying.given(dossierIn('complement-requested')).when('closed-without-follow-up', { id: 'e7', data: { ...ref, motivation: 'renonce' } }, later).thenState({ status: 'closed-without-follow-up' });
  });

  it('given an event already applied, when it is delivered again, then nothing changes', () => {
    const reviewed = stateOf(applying.given(dossierIn('submitted')).when('review-started', { id: 'e1', data: ref }, later).decision);
    applying.given(reviewed).when('review-started', { id: 'e1', data: ref }, later).thenNothingHappens();
  });

  it('given a withdrawn dossier, when an acceptance arrives, then it is refused with the reason (dead letter)', () => {
    const spec = applying.given(dossierIn('withdrawn')).when('accepted', { id: 'e9', data: { ...ref, grantCents: 1, motivation: 'x' } }, later).thenWrongStatus();
    expect(spec.decision).toMatchObject({ detail: expect.stringContaining('cannot apply to a dossier that is withdrawn') });
  });
});

describe('content hash', () => {
  it('does not depend on key order, and changes with any value', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { f: 2, e: 3 }], c: 'x' } })).toBe('{"a":{"c":"x","d":[1,{"e":3,"f":2}]},"b":1}');
    expect(contentHash({ a: 1, b: 2 })).toBe(contentHash({ b: 2, a: 1 }));
    expect(contentHash({ a: 1, b: 2 })).not.toBe(contentHash({ a: 1, b: 3 }));
    expect(contentHash({ a: 1 })).toMatch(/^[0-9a-f]{64}$/);
  });
});
