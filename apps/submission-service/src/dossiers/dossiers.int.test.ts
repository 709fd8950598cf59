import { describe, expect, it, beforeAll } from 'vitest';
import {
  DossierAccepted,
  DossierComplementRequested,
  DossierDecisionReopened,
  DossierDraftSaved,
  DossierReviewStarted,
  DossierSubmitted,
  DossierWithdrawn,
  deadLetterTopicName,
  eventTopicName,
  type CallRules,
} from '@aap/contracts';
import { newEvent, toKafkaMessage, type Producer } from '@aap/messaging';
import { authHeaders, eventually, useTestEnvironment } from '@aap/test-harness';
import type { RunningService } from '@aap/service-runtime';
import { service } from '../service';
import { createPublishedCall, passNumeriqueCallRules } from '../calls/testing';
import { readTopicToEnd, relayedDossier } from '../testing';

const env = useTestEnvironment();

const LYON = '216901231';
const VILLEURBANNE = '216902668';
const applicant = (org: string) => authHeaders({ sub: `agent-${org}`, roles: ['applicant'], org });
const manager = () => authHeaders({ roles: ['programme-manager'] });

let submission: RunningService;
let producer: Producer;

async function call(method: string, path: string, options: { headers?: Record<string, string>; body?: unknown } = {}) {
  const response = await fetch(`${submission.url}${path}`, {
    method,
    headers: options.headers ?? {},
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, type: response.headers.get('content-type') ?? '', body: text ? JSON.parse(text) : undefined };
}

const dossiers = () => env.database('submission').collection('dossiers');
const relayed = (dossierId: string) => relayedDossier(env, dossierId);
/**
 * Every event of the dossier on its topic but its drafts' saves (`dossier.draft-saved`, which the index's
 * test follows), once what it recorded is relayed (read to the topic's end: nothing can be missed).
 */
const dossierEventsOnTopic = async (dossierId: string) => {
  await relayed(dossierId);
  return (await readTopicToEnd(env.kafka(), eventTopicName(env.prefix, DossierSubmitted.topic))).filter((m) => m.key === dossierId && m.headers.ce_type !== DossierDraftSaved.type);
};
const evaluationTopic = () => eventTopicName(env.prefix, { producer: 'evaluation', aggregate: 'dossier' });

/** A complete Pass numérique project: 40 k€ = 20 k€ State (50 %) + 20 k€ own contribution. */
const project = { title: 'Pass numérique lyonnais', summary: 'Des pass pour 2 000 habitants', description: 'Distribution par les CCAS', startDate: '2026-06-01', endDate: '2027-05-31' };
const budget = { eligibleCostCents: 4_000_000, requestedGrantCents: 2_000_000, otherFunding: [{ kind: 'own-contribution', funder: 'Ville', amountCents: 2_000_000 }] };

async function registerCommune(org: string) {
  const response = await call('POST', '/organisations', {
    headers: await applicant(org),
    body: { kind: 'commune', siren: org, contacts: [{ name: 'Service numérique', email: `numerique-${org}@example.fr` }] },
  });
  expect([201, 409]).toContain(response.status);
}

/** The two documents the Pass numérique fixture requires: the délibération and the financing plan. */
async function uploadRequiredDocuments(org: string, dossierId: string) {
  for (const documentType of ['deliberation', 'budget-plan']) {
    const form = new FormData();
    form.append('documentType', documentType);
    form.append('file', new Blob([Buffer.from('%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n')], { type: 'application/pdf' }), `${documentType}.pdf`);
    const { authorization } = await applicant(org);
    const response = await fetch(`${submission.url}/dossiers/${dossierId}/attachments`, { method: 'POST', headers: { authorization: authorization! }, body: form });
    expect(response.status).toBe(201);
  }
}

/** A draft with everything a submission needs. */
async function completeDraft(org: string, callId: string, waveId: string, overrides: { budget?: unknown; withDocument?: boolean } = {}) {
  const draft = await call('POST', '/dossiers', { headers: await applicant(org), body: { callId, waveId } });
  expect(draft.status).toBe(201);
  const dossierId = draft.body.dossierId as string;
  expect((await call('PATCH', `/dossiers/${dossierId}/project`, { headers: await applicant(org), body: project })).status).toBe(200);
  expect((await call('PUT', `/dossiers/${dossierId}/budget`, { headers: await applicant(org), body: overrides.budget ?? budget })).status).toBe(200);
  if (overrides.withDocument !== false) await uploadRequiredDocuments(org, dossierId);
  return dossierId;
}

async function publishEvaluation(event: ReturnType<typeof newEvent>) {
  await producer.send({ topic: evaluationTopic(), acks: -1, messages: [toKafkaMessage(event.envelope)] });
}

let callId: string;
let waveId: string;

beforeAll(async () => {
  submission = await env.startService(service);
  producer = env.kafka().producer();
  await producer.connect();
  await registerCommune(LYON);
  await registerCommune(VILLEURBANNE);
  const published = await createPublishedCall(submission.url, passNumeriqueCallRules({ maxActiveDossiersPerApplicantPerWave: 5 }));
  callId = published.callId;
  waveId = published.waves[0]!.waveId;
  return () => producer.disconnect();
});

describe('submitting a dossier', () => {
  it('a complete dossier is accepted: receipt, status submitted, dossier.submitted carrying the whole dossier', async () => {
    const dossierId = await completeDraft(LYON, callId, waveId);
    const submitted = await call('POST', `/dossiers/${dossierId}/submit`, { headers: await applicant(LYON) });
    expect(submitted.status).toBe(200);
    expect(submitted.body).toEqual({ dossierId, number: expect.stringMatching(/^AAP-\d{4}-\d{6}$/), submittedAt: expect.any(String), contentHash: expect.stringMatching(/^[0-9a-f]{64}$/) });

    const view = await call('GET', `/dossiers/${dossierId}`, { headers: await applicant(LYON) });
    expect(view.body).toMatchObject({ status: 'submitted', number: submitted.body.number, applicant: { name: 'Lyon', kind: 'commune', territory: { departements: ['69'], regions: ['84'] } } });

    const [message] = await dossierEventsOnTopic(dossierId);
    expect(message!.headers.ce_type).toBe('dossier.submitted.v2');
    const data = JSON.parse(message!.value!);
    expect(data).toMatchObject({ dossierId, number: submitted.body.number, callId, waveId, organisationId: LYON });
    expect(data.dossier).toMatchObject({ dossierId, number: submitted.body.number, budget, project, contentHash: submitted.body.contentHash });
    expect(data.dossier.attachments.map((a: { documentType: string }) => a.documentType).sort()).toEqual(['budget-plan', 'deliberation']);
  });

  it('a retried submit with the same Idempotency-Key yields one dossier, one receipt and one event', async () => {
    const dossierId = await completeDraft(LYON, callId, waveId);
    const headers = { ...(await applicant(LYON)), 'idempotency-key': `submit-${dossierId}` };
    const [first, second] = await Promise.all([call('POST', `/dossiers/${dossierId}/submit`, { headers }), call('POST', `/dossiers/${dossierId}/submit`, { headers })]);
    const third = await call('POST', `/dossiers/${dossierId}/submit`, { headers });
    expect([first.status, second.status, third.status]).toEqual([200, 200, 200]);
    expect(second.body).toEqual(first.body);
    expect(third.body).toEqual(first.body);
    expect(await dossierEventsOnTopic(dossierId)).toHaveLength(1);
    // Without the key, a second submit is a conflict, not a second event.
    expect((await call('POST', `/dossiers/${dossierId}/submit`, { headers: await applicant(LYON) })).status).toBe(409);
  });

  it('a retried draft creation with the same Idempotency-Key makes one dossier, at once or later', async () => {
    // Counted by what a second dossier would share (organisation, call, wave), not by the id a retry reuses.
    const ofVilleurbanne = () => dossiers().countDocuments({ organisationId: VILLEURBANNE, callId, waveId });
    const before = await ofVilleurbanne();
    const headers = { ...(await applicant(VILLEURBANNE)), 'idempotency-key': 'start-villeurbanne-1' };
    const racing = await Promise.all([call('POST', '/dossiers', { headers, body: { callId, waveId } }), call('POST', '/dossiers', { headers, body: { callId, waveId } })]);
    const again = await call('POST', '/dossiers', { headers, body: { callId, waveId } });
    expect(racing.map((a) => a.status).sort()).toEqual([200, 201]);
    expect(again.status).toBe(200);
    expect(new Set([...racing, again].map((a) => a.body.dossierId)).size).toBe(1);
    expect(await ofVilleurbanne()).toBe(before + 1);
    expect((await dossiers().findOne({ _id: again.body.dossierId }))!.history).toHaveLength(1);
  });

  const refusals: Array<[string, { budget?: unknown; withDocument?: boolean; project?: unknown }, string[]]> = [
    ['an unbalanced budget', { budget: { ...budget, eligibleCostCents: 4_100_000 } }, ['budget-balanced']],
    ['a grant above 50 % of the cost', { budget: { eligibleCostCents: 4_000_000, requestedGrantCents: 2_400_000, otherFunding: [{ kind: 'own-contribution', funder: 'Ville', amountCents: 1_600_000 }] } }, ['grant-within-rate']],
    ['a grant below the call minimum, on a project below the minimum cost', { budget: { eligibleCostCents: 1_000_000, requestedGrantCents: 500_000, otherFunding: [{ kind: 'own-contribution', funder: 'Ville', amountCents: 500_000 }] } }, ['minimum-project-cost', 'grant-minimum']],
    ['a grant above the call maximum', { budget: { eligibleCostCents: 400_000_000, requestedGrantCents: 200_000_000, otherFunding: [{ kind: 'own-contribution', funder: 'Ville', amountCents: 200_000_000 }] } }, ['grant-maximum']],
    ['an own contribution under 20 % of public funding', { budget: { eligibleCostCents: 10_000_000, requestedGrantCents: 5_000_000, otherFunding: [{ kind: 'region', funder: 'Région', amountCents: 4_500_000 }, { kind: 'own-contribution', funder: 'Ville', amountCents: 500_000 }] } }, ['own-contribution']],
    ['missing required documents', { withDocument: false }, ['required-documents', 'required-documents']],
  ];
  for (const [label, overrides, rules] of refusals) {
    it(`refuses ${label}: one problem entry per rule, and nothing changes`, async () => {
      const dossierId = await completeDraft(LYON, callId, waveId, overrides);
      // Once the draft's saves are relayed: the relay empties the outbox on its own time.
      const before = await relayed(dossierId);
      const refused = await call('POST', `/dossiers/${dossierId}/submit`, { headers: await applicant(LYON) });
      expect(refused.status).toBe(422);
      expect(refused.type).toContain('application/problem+json');
      expect(refused.body.errors.map((e: { name: string }) => e.name)).toEqual(rules);
      expect(await dossiers().findOne({ _id: dossierId as never })).toEqual(before);
      expect(await dossierEventsOnTopic(dossierId)).toHaveLength(0);
    });
  }

  it('refuses missing project fields with one entry per field', async () => {
    const draft = await call('POST', '/dossiers', { headers: await applicant(LYON), body: { callId, waveId } });
    await call('PATCH', `/dossiers/${draft.body.dossierId}/project`, { headers: await applicant(LYON), body: { title: 'Titre seul' } });
    const refused = await call('POST', `/dossiers/${draft.body.dossierId}/submit`, { headers: await applicant(LYON) });
    expect(refused.status).toBe(422);
    expect(refused.body.errors.map((e: { name: string }) => e.name)).toEqual([
      'project.summary', 'project.description', 'project.startDate', 'project.endDate', 'required-documents', 'required-documents', 'budget.eligibleCostCents', 'budget.requestedGrantCents',
    ]);
    expect((await dossiers().findOne({ _id: draft.body.dossierId }))!.status).toBe('draft');
  });

  it('refuses an ineligible applicant kind and a wave that is not open', async () => {
    const future: Partial<CallRules> = {
      eligibleApplicantKinds: ['association'],
      waves: [{ waveId: 'later', label: 'Vague 2', opensAt: new Date(Date.now() + 86_400_000).toISOString(), closesAt: new Date(Date.now() + 30 * 86_400_000).toISOString() }],
    };
    const other = await createPublishedCall(submission.url, passNumeriqueCallRules(future));
    const dossierId = await completeDraft(LYON, other.callId, 'later');
    const refused = await call('POST', `/dossiers/${dossierId}/submit`, { headers: await applicant(LYON) });
    expect(refused.status).toBe(422);
    expect(refused.body.errors.map((e: { name: string }) => e.name)).toEqual(['window-open', 'applicant-kind-eligible']);
  });

  it('refuses a second active dossier in a wave when the call allows one', async () => {
    const single = await createPublishedCall(submission.url, passNumeriqueCallRules({ maxActiveDossiersPerApplicantPerWave: 1 }));
    const first = await completeDraft(VILLEURBANNE, single.callId, single.waves[0]!.waveId);
    expect((await call('POST', `/dossiers/${first}/submit`, { headers: await applicant(VILLEURBANNE) })).status).toBe(200);
    const second = await completeDraft(VILLEURBANNE, single.callId, single.waves[0]!.waveId);
    const refused = await call('POST', `/dossiers/${second}/submit`, { headers: await applicant(VILLEURBANNE) });
    expect(refused.body.errors.map((e: { name: string }) => e.name)).toEqual(['active-dossiers-per-wave']);
  });

  it('refuses a submit once the call has closed on its own at its closing time', async () => {
    const closesAt = new Date(Date.now() + 4_000).toISOString();
    const short = await createPublishedCall(
      submission.url,
      passNumeriqueCallRules({ waves: [{ waveId: 'short', label: 'Courte', opensAt: new Date(Date.now() - 60_000).toISOString(), closesAt }] }),
    );
    const dossierId = await completeDraft(LYON, short.callId, 'short');
    await eventually(async () => expect((await call('GET', `/calls/${short.callId}`, { headers: await manager() })).body.status).toBe('closed'), { timeoutMs: 15_000 });
    const refused = await call('POST', `/dossiers/${dossierId}/submit`, { headers: await applicant(LYON) });
    expect(refused.status).toBe(422);
    expect(refused.body.errors.map((e: { name: string }) => e.name)).toEqual(['call-published', 'window-open']);
  });
});

describe('after submission: withdraw, evaluation decisions, complements', () => {
  async function submitted(org = LYON) {
    const dossierId = await completeDraft(org, callId, waveId);
    const receipt = await call('POST', `/dossiers/${dossierId}/submit`, { headers: await applicant(org) });
    expect(receipt.status).toBe(200);
    return dossierId;
  }
  const statusOf = async (dossierId: string) => (await call('GET', `/dossiers/${dossierId}`, { headers: await manager() })).body.status;
  /** The dossier reference every dossier event carries. */
  const referenceOf = async (dossierId: string) => {
    const { number, callId, waveId, organisationId } = (await call('GET', `/dossiers/${dossierId}`, { headers: await manager() })).body;
    return { dossierId, number, callId, waveId, organisationId };
  };

  it('withdraws before a decision and publishes dossier.withdrawn; a second withdraw is a conflict', async () => {
    const dossierId = await submitted();
    const withdrawn = await call('POST', `/dossiers/${dossierId}/withdraw`, { headers: await applicant(LYON), body: { reason: 'projet reporté' } });
    expect(withdrawn.status).toBe(200);
    expect(await statusOf(dossierId)).toBe('withdrawn');
    const events = await dossierEventsOnTopic(dossierId);
    expect(events.map((m) => m.headers.ce_type)).toEqual(['dossier.submitted.v2', DossierWithdrawn.type]);
    expect((await call('POST', `/dossiers/${dossierId}/withdraw`, { headers: await applicant(LYON), body: {} })).status).toBe(409);
  });

  it('applies the evaluation events from the broker: review, complement, answer, acceptance, reopening — each once', async () => {
    const dossierId = await submitted();
    const ref = await referenceOf(dossierId);
    const at = () => new Date().toISOString();
    const reviewStarted = newEvent('evaluation', DossierReviewStarted, { ...ref, at: at() });
    await publishEvaluation(reviewStarted);
    await publishEvaluation(reviewStarted); // the same event again (same id): what a redelivery is
    // The duplicate really is on the topic, twice.
    const delivered = (await readTopicToEnd(env.kafka(), evaluationTopic())).filter((m) => m.headers.ce_id === reviewStarted.envelope.id);
    expect(delivered).toHaveLength(2);
    await eventually(async () => expect(await statusOf(dossierId)).toBe('under-review'));

    // A later event of the same dossier (same key, so after the duplicate in its partition): once it is
    // applied, the duplicate has been handled too. The known point "nothing more happened" is checked at.
    await publishEvaluation(newEvent('evaluation', DossierComplementRequested, { ...ref, at: at(), complementRequestId: 'cr-1', message: 'Joindre le plan de financement signé' }));
    await eventually(async () => expect(await statusOf(dossierId)).toBe('complement-requested'));
    // Applied once: one status change from it in the dossier's history, and not refused as a second review start either.
    const afterDuplicate = await dossiers().findOne({ _id: dossierId as never });
    expect(afterDuplicate!.history.map((h: { status: string }) => h.status)).toEqual(['draft', 'submitted', 'under-review', 'complement-requested']);
    expect(afterDuplicate!.history.filter((h: { eventId?: string }) => h.eventId === reviewStarted.envelope.id)).toHaveLength(1);
    const deadLetters = await readTopicToEnd(env.kafka(), deadLetterTopicName(env.prefix, 'submission'));
    expect(deadLetters.filter((m) => m.headers.ce_id === reviewStarted.envelope.id)).toEqual([]);

    // The applicant may edit while complements are requested, then answers.
    expect((await call('PUT', `/dossiers/${dossierId}/budget`, { headers: await applicant(LYON), body: budget })).status).toBe(200);
    const answered = await call('POST', `/dossiers/${dossierId}/complements/cr-1/answer`, { headers: await applicant(LYON), body: { answer: 'Plan signé joint' } });
    expect(answered.status).toBe(200);
    expect(await statusOf(dossierId)).toBe('under-review');
    expect((await call('POST', `/dossiers/${dossierId}/complements/cr-1/answer`, { headers: await applicant(LYON), body: { answer: 'encore' } })).status).toBe(409);

    await publishEvaluation(newEvent('evaluation', DossierAccepted, { ...ref, at: at(), grantCents: 2_000_000, stateRateBps: 5_000, eligibleCostCents: 4_000_000, requestedGrantCents: 2_000_000, motivation: 'Projet solide' }));
    await eventually(async () => expect(await statusOf(dossierId)).toBe('accepted'));
    const view = await call('GET', `/dossiers/${dossierId}`, { headers: await applicant(LYON) });
    expect(view.body.decision).toMatchObject({ kind: 'accepted', grantCents: 2_000_000, motivation: 'Projet solide' });
    expect(view.body.history.map((h: { status: string }) => h.status)).toEqual(['draft', 'submitted', 'under-review', 'complement-requested', 'under-review', 'accepted']);
    // Withdrawal after a decision is refused.
    expect((await call('POST', `/dossiers/${dossierId}/withdraw`, { headers: await applicant(LYON), body: {} })).status).toBe(409);

    await publishEvaluation(newEvent('evaluation', DossierDecisionReopened, { ...ref, at: at(), reason: 'erreur matérielle' }));
    await eventually(async () => expect(await statusOf(dossierId)).toBe('under-review'));
    const stored = await dossiers().findOne({ _id: dossierId as never });
    expect(stored!.appliedEventIds).toHaveLength(4);
    expect(stored!.appliedEventIds.filter((id: string) => id === reviewStarted.envelope.id)).toHaveLength(1);

    const resubmitted = (await dossierEventsOnTopic(dossierId)).map((m) => m.headers.ce_type);
    expect(resubmitted).toEqual(['dossier.submitted.v2', 'dossier.resubmitted.v2']);
  });

  it('an impossible decision (accepting a withdrawn dossier) goes to the dead-letter topic with its reason', async () => {
    const dossierId = await submitted();
    await call('POST', `/dossiers/${dossierId}/withdraw`, { headers: await applicant(LYON), body: {} });
    const accepted = newEvent('evaluation', DossierAccepted, { ...(await referenceOf(dossierId)), at: new Date().toISOString(), grantCents: 1, stateRateBps: 5_000, eligibleCostCents: 2, requestedGrantCents: 1, motivation: 'x' });
    await publishEvaluation(accepted);
    const dead = await eventually(async () => {
      const messages = (await readTopicToEnd(env.kafka(), deadLetterTopicName(env.prefix, 'submission'))).filter((m) => m.headers.ce_id === accepted.envelope.id);
      expect(messages).toHaveLength(1);
      return messages[0]!;
    });
    expect(dead.headers.dlq_reason).toBe('handler-failed');
    expect(dead.headers.dlq_error).toContain('cannot apply to a dossier that is withdrawn');
    expect(await statusOf(dossierId)).toBe('withdrawn');
  });
});

describe('an applicant only ever reaches its own organisation’s dossiers', () => {
  it('organisation B cannot read, change, submit, withdraw, answer, upload to or list organisation A’s dossier', async () => {
    const dossierId = await completeDraft(LYON, callId, waveId);
    const before = await relayed(dossierId);
    const intruder = await applicant(VILLEURBANNE);
    const attempts = [
      call('GET', `/dossiers/${dossierId}`, { headers: intruder }),
      call('PATCH', `/dossiers/${dossierId}/project`, { headers: intruder, body: { title: 'Piraté' } }),
      call('PUT', `/dossiers/${dossierId}/budget`, { headers: intruder, body: budget }),
      call('POST', `/dossiers/${dossierId}/submit`, { headers: intruder }),
      call('POST', `/dossiers/${dossierId}/withdraw`, { headers: intruder, body: {} }),
      call('POST', `/dossiers/${dossierId}/complements/cr-1/answer`, { headers: intruder, body: { answer: 'x' } }),
      call('GET', `/dossiers/${dossierId}/attachments`, { headers: intruder }),
    ];
    for (const response of await Promise.all(attempts)) {
      expect(response.status).toBe(404);
      expect(JSON.stringify(response.body)).not.toContain('Pass numérique lyonnais');
    }
    expect(await dossiers().findOne({ _id: dossierId as never })).toEqual(before);

    const listed = await call('GET', `/dossiers?callId=${callId}&pageSize=100`, { headers: intruder });
    expect(listed.status).toBe(200);
    expect(listed.body.items.every((d: { organisationId: string }) => d.organisationId === VILLEURBANNE)).toBe(true);
    // Even filtering explicitly on another organisation's data returns nothing of it.
    const filtered = await call('GET', `/dossiers?departement=69&pageSize=100`, { headers: intruder });
    expect(filtered.body.items.map((d: { organisationId: string }) => d.organisationId)).not.toContain(LYON);
    // Staff exports are not for applicants.
    expect((await call('GET', `/calls/${callId}/dossiers.csv`, { headers: intruder })).status).toBe(403);
    expect((await call('GET', `/calls/${callId}/dossier-counts`, { headers: intruder })).status).toBe(403);
  });
});

describe('manager queries', () => {
  it('lists with filters, pagination and sorting; counts by status and territory', async () => {
    // The staff lists answer from the index, kept from the dossiers' events: first every dossier of the call is in it.
    const stored = await dossiers().countDocuments({ callId });
    await eventually(async () => expect((await call('GET', `/dossiers?callId=${callId}&pageSize=1`, { headers: await manager() })).body.total).toBe(stored));

    const page1 = await call('GET', `/dossiers?callId=${callId}&pageSize=2&sort=createdAt`, { headers: await manager() });
    expect(page1.status).toBe(200);
    expect(page1.body.items).toHaveLength(2);
    expect(page1.body.total).toBeGreaterThan(2);
    const page2 = await call('GET', `/dossiers?callId=${callId}&pageSize=2&page=2&sort=createdAt`, { headers: await manager() });
    expect(page2.body.items.map((d: { dossierId: string }) => d.dossierId)).not.toContain(page1.body.items[0].dossierId);

    const submittedOnly = await call('GET', `/dossiers?callId=${callId}&status=submitted&region=84&applicantKind=commune&pageSize=100`, { headers: await manager() });
    expect(submittedOnly.body.items.length).toBeGreaterThan(0);
    expect(submittedOnly.body.items.every((d: { status: string }) => d.status === 'submitted')).toBe(true);

    const badQuery = await call('GET', `/dossiers?status=approved&pageSize=1000`, { headers: await manager() });
    expect(badQuery.status).toBe(400);
    expect(badQuery.body.errors.map((e: { name: string }) => e.name).sort()).toEqual(['pageSize', 'status']);

    // Counts: drafts apart from the total, `byStatus` with them (once the index has every dossier's latest status).
    const drafts = await dossiers().countDocuments({ callId, status: 'draft' });
    const counts = await eventually(async () => {
      const answer = await call('GET', `/calls/${callId}/dossier-counts`, { headers: await manager() });
      expect(answer.body.drafts).toBe(drafts);
      return answer.body;
    });
    expect(counts.total).toBe(stored - drafts);
    expect(counts.byRegion['84']).toBe(counts.total);
    expect(Object.values(counts.byStatus as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(stored);
  });
  // The CSV export's assertions move to the dossier-exports slice (its own tests).
});

describe('reminders', () => {
  it('a draft still open within the reminder delay before its wave closes produces one dossier.draft-closing-soon', async () => {
    const soon = await createPublishedCall(
      submission.url,
      passNumeriqueCallRules({ reminderDaysBeforeClose: 7, waves: [{ waveId: 'soon', label: 'Bientôt close', opensAt: new Date(Date.now() - 86_400_000).toISOString(), closesAt: new Date(Date.now() + 3 * 86_400_000).toISOString() }] }),
    );
    const startDraft = async () => (await call('POST', '/dossiers', { headers: await applicant(LYON), body: { callId: soon.callId, waveId: 'soon' } })).body.dossierId as string;
    const remindersOf = async (dossierId: string) => (await dossierEventsOnTopic(dossierId)).filter((m) => m.headers.ce_type === 'dossier.draft-closing-soon.v2');
    const reminded = (dossierId: string) =>
      eventually(async () => {
        const found = await remindersOf(dossierId);
        expect(found).toHaveLength(1);
        return found;
      });

    const draft = await startDraft();
    const reminders = await reminded(draft);
    expect(JSON.parse(reminders[0]!.value!)).toMatchObject({ dossierId: draft, daysLeft: 2, organisationId: LYON });

    // Later ticks, up to a known point: a second draft started now is reminded by a tick that began after
    // the first reminder; a third, started once the second is reminded, by a tick after that one ended.
    // So at least one whole tick went over the wave, the first draft included, after its reminder.
    await reminded(await startDraft());
    await reminded(await startDraft());
    expect(await remindersOf(draft)).toHaveLength(1);
  });
});
