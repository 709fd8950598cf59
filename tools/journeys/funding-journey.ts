/**
 * The whole journey of issue 15, from the call to the last euro, through the public HTTP APIs only:
 * one sequence of named steps that the e2e test (`funding-journey.e2e.test.ts`, the four services as
 * separate processes) and `npm run demo` (the stack of `npm start`) both run. Every step waits on the
 * state it needs (`waitFor`), never on a fixed time; a step that does not find what it expects throws.
 *
 * The story: a call is published with its payment schedule and admissibility checklist; a commune
 * (Lyon), an EPCI (CC Faucigny - Glières), a tiers-lieu association and a second commune
 * (Villeurbanne) register and apply; Villeurbanne's dossier is inadmissible; Lyon's goes through a
 * complement request; reviewers score, one declares a conflict and is replaced; within the envelope
 * (60 000 €) the committee approves the association (20 000 €) and the EPCI (30 000 €) and waitlists
 * Lyon (25 000 €). The association's award goes all the way: agreement issued, signed, countersigned;
 * bank details validated; legal commitment; advance, interim payment and a balance on lower actual
 * expenses, each validated, released by a second officer and paid; the unpaid rest goes back to the
 * envelope. The EPCI never starts: with the clock 800 days on, its award lapses, its 30 000 € come
 * back, Lyon is proposed and approved. Every applicant's timeline and inbox tell it; the ledger balances.
 */
import { createHash, randomBytes } from 'node:crypto';
import { httpClient, type HttpAnswer, type Requester } from '@aap/test-harness/http-client';
import { waitFor } from '@aap/test-harness/wait-for';
import type { Role } from '@aap/http';
import { COLLECTIVITE_KINDS, type CallRules } from '@aap/contracts';
import { passNumeriqueCallRules } from '@aap/submission-service/demo';

/** How funding-award's clock is moved on (deadlines): 800 days, past the start deadline of 24 months. */
export const LAPSE_CLOCK = { AAP_CLOCK_OFFSET: 'P800D' } as const;

export interface JourneyUrls {
  submission: string;
  evaluation: string;
  fundingAward: string;
  notification: string;
}

export interface JourneyOptions {
  urls: JourneyUrls;
  /** Unique per run: names, identifiers and references made by this run never collide with an earlier one. */
  runId?: string;
  /** The secret tokens are signed with (default: the development secret of AAP_DEV_MODE). */
  secret?: string;
  /**
   * Restarts funding-award with its clock moved on (`LAPSE_CLOCK`) and answers its new URL. Absent
   * where the journey cannot restart a process (the demo on `npm start`): the lapse and the promotion
   * it frees are then left out (said so by `leftOut`).
   */
  restartFundingAwardWithClock?: (clock: typeof LAPSE_CLOCK) => Promise<string>;
  /** How long one awaited state may take (default 60 s): a bound on a hang. */
  deadlineMs?: number;
}

export interface JourneyStep {
  /** What the step does, known before it runs (the e2e test's name, the demo's spinner). */
  title: string;
  /** Needs funding-award restarted with its clock moved on. */
  restarts?: boolean;
  /** Does it; answers what happened, with the numbers and amounts (the demo's line). */
  run(): Promise<string>;
}

/** Euro cents as the French write them: `20 000,00 €`. */
export const euros = (cents: number) => new Intl.NumberFormat('fr-FR', { style: 'currency', currency: 'EUR' }).format(cents / 100).replace(/[\u202f\u00a0]/g, ' ');

// The story's amounts. Envelope 60 000 €: the association and the EPCI fit (50 000 €), Lyon does not
// (10 000 € left); the association's smaller balance gives back 5 000 € (15 000 €: still not Lyon's
// 25 000 €); the EPCI's lapse gives back 30 000 €, and Lyon is promoted.
const ENVELOPE = 6_000_000;
const GRANT = { association: 2_000_000, epci: 3_000_000, commune: 2_500_000 } as const;
const ADVANCE = 600_000; // 30 % of 20 000 €
const INTERIM = 400_000; // 20 000 € of expenses × rate 1/2 − the advance
const ACTUAL_EXPENSES = 3_000_000; // 30 000 € spent of 40 000 € planned: due 15 000 €
const BALANCE = 500_000;
const RELEASED_AT_COMPLETION = GRANT.association - ADVANCE - INTERIM - BALANCE;

const CHECKLIST = [
  { checkId: 'deliberation-signee', label: 'Délibération ou décision de l’organe dirigeant signée' },
  { checkId: 'lieux-ouverts', label: 'Lieux de médiation ouverts au public pendant le projet' },
];
const GRID = passNumeriqueCallRules().scoringGrid.criteria;

type Applicant = 'association' | 'epci' | 'commune' | 'inadmissible';

interface Participant {
  key: Applicant;
  organisationId: string;
  registration: Record<string, unknown>;
  email: string;
  project: { title: string; summary: string; description: string; startDate: string; endDate: string };
  budget: { eligibleCostCents: number; requestedGrantCents: number; otherFunding: Array<{ kind: string; funder: string; amountCents: number }> };
  /** The score each reviewer gives on every criterion (out of 20): the ranking A > B > C. */
  score: number;
  dossierId?: string;
  number?: string;
}

/** Luhn check digit appended (SIREN, SIRET). */
function withLuhn(digits: string): string {
  for (let check = 0; check < 10; check++) {
    const candidate = `${digits}${check}`;
    const sum = [...candidate].reverse().reduce((total, char, index) => {
      const digit = Number(char);
      if (index % 2 === 0) return total + digit;
      return total + (digit * 2 > 9 ? digit * 2 - 9 : digit * 2);
    }, 0);
    if (sum % 10 === 0) return candidate;
  }
  throw new Error('unreachable: one Luhn digit always fits');
}

/** A tiers-lieu SIRET of its own per run (an association's SIREN starts with 7 or 8 in SIRENE). */
function runSiret(runId: string): string {
  const seed = BigInt(`0x${createHash('sha256').update(runId).digest('hex').slice(0, 12)}`) % 10_000_000n;
  return withLuhn(`${withLuhn(`8${seed.toString().padStart(7, '0')}`)}0001`);
}

function participants(runId: string): Record<Applicant, Participant> {
  const project = (title: string, summary: string) => ({ title, summary, description: `${summary} — ateliers de médiation numérique.`, startDate: '2027-01-01', endDate: '2027-12-31' });
  const collectivite = (costCents: number, grantCents: number, funder: string) => ({
    eligibleCostCents: costCents,
    requestedGrantCents: grantCents,
    otherFunding: [{ kind: 'own-contribution', funder, amountCents: costCents - grantCents }],
  });
  const tiersLieu = runSiret(runId);
  return {
    association: {
      key: 'association',
      organisationId: tiersLieu,
      registration: {
        kind: 'association',
        siret: tiersLieu,
        name: `La Fabrique numérique du Vieux-Lyon (${runId})`,
        legalForm: 'Association déclarée',
        communeCode: '69123',
        contacts: [{ name: 'Camille Martin', email: `contact-${runId}@fabrique-vieux-lyon.example.fr` }],
      },
      email: `contact-${runId}@fabrique-vieux-lyon.example.fr`,
      project: project('Fabrique numérique du Vieux-Lyon', '800 pass et un atelier par semaine'),
      budget: { eligibleCostCents: 4_000_000, requestedGrantCents: GRANT.association, otherFunding: [{ kind: 'own-contribution', funder: 'Fonds propres', amountCents: 2_000_000 }] },
      score: 18,
    },
    epci: {
      key: 'epci',
      organisationId: '200000172',
      registration: { kind: 'epci', siren: '200000172', contacts: [{ name: 'Pôle numérique', email: 'numerique@faucigny-glieres.example.fr' }] },
      email: 'numerique@faucigny-glieres.example.fr',
      project: project('Pass numérique en Faucigny', '1 200 pass dans les 7 communes'),
      budget: collectivite(6_000_000, GRANT.epci, 'CC Faucigny - Glières'),
      score: 16,
    },
    commune: {
      key: 'commune',
      organisationId: '216901231',
      registration: { kind: 'commune', siren: '216901231', contacts: [{ name: 'Service numérique', email: 'numerique@lyon.example.fr' }] },
      email: 'numerique@lyon.example.fr',
      project: project('Pass numérique lyonnais', '2 000 pass par les CCAS'),
      budget: collectivite(5_000_000, GRANT.commune, 'Ville de Lyon'),
      score: 14,
    },
    inadmissible: {
      key: 'inadmissible',
      organisationId: '216902668',
      registration: { kind: 'commune', siren: '216902668', contacts: [{ name: 'Mairie de Villeurbanne', email: 'numerique@villeurbanne.example.fr' }] },
      email: 'numerique@villeurbanne.example.fr',
      project: project('Pass numérique villeurbannais', '600 pass en médiathèque'),
      budget: collectivite(4_000_000, 2_000_000, 'Ville de Villeurbanne'),
      score: 0,
    },
  };
}

class UnexpectedAnswer extends Error {}

/** The answer when its status is one of `expected`, else an error with what came back. */
function expectStatus(answer: HttpAnswer, expected: number | number[], what: string): any {
  const statuses = Array.isArray(expected) ? expected : [expected];
  if (!statuses.includes(answer.status)) throw new UnexpectedAnswer(`${what}: answered ${answer.status} (expected ${statuses.join(' or ')}): ${JSON.stringify(answer.body).slice(0, 2_000)}`);
  return answer.body;
}

function check(condition: unknown, what: string, seen?: unknown): void {
  if (!condition) throw new UnexpectedAnswer(`${what}${seen === undefined ? '' : `; seen: ${JSON.stringify(seen).slice(0, 2_000)}`}`);
}

/** The event type without its version (`tranche.paid.v1` → `tranche.paid`). */
const unversioned = (type: string) => type.replace(/\.v\d+$/, '');

/** A W3C trace id for the whole journey: every request carries it, so Zipkin shows the journey as one trace. */
const newTraceId = () => randomBytes(16).toString('hex');

export interface Journey {
  steps: JourneyStep[];
  /** Steps not run here, each with why (a branch awaiting its merge, a restart this runner cannot do). */
  leftOut: Array<{ title: string; why: string }>;
  runId: string;
  traceId: string;
  /** What the journey made, for the links at the end and the test's own checks. */
  facts(): { callId?: string; dossiers: Record<Applicant, { dossierId?: string; number?: string; organisationId: string; email: string }> };
}

export function fundingJourney(options: JourneyOptions): Journey {
  const runId = options.runId ?? `${new Date().toISOString().slice(0, 10).replaceAll('-', '')}-${randomBytes(3).toString('hex')}`;
  const traceId = newTraceId();
  const deadlineMs = options.deadlineMs ?? 60_000;
  // Read at each request: the e2e fills them in once its processes listen, and a restart moves funding-award.
  const urls = options.urls;
  const clientOptions = { secret: options.secret, headers: () => ({ traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` }) };
  const as = (service: keyof JourneyUrls, roles: Role | Role[], claims: { org?: string; sub?: string } = {}): Requester =>
    httpClient(urls[service], clientOptions).as(roles, claims);
  const until = <T>(condition: () => T | Promise<T>, what: string) => waitFor(condition, { deadlineMs, intervalMs: 200, what });

  const who = participants(runId);
  const evaluated = [who.association, who.epci, who.commune];
  const REVIEWERS = [
    { reviewerId: `rev-${runId}-1`, name: 'Claire Instructrice', departement: '75' },
    { reviewerId: `rev-${runId}-2`, name: 'Hugo Expert', departement: '33' },
    { reviewerId: `rev-${runId}-3`, name: 'Inès Rapporteure', departement: '35' },
    { reviewerId: `rev-${runId}-4`, name: 'Lise Lilloise', departement: '59' },
  ];
  let callId = '';

  const manager = (service: keyof JourneyUrls) => as(service, 'programme-manager', { sub: `manager-${runId}` });
  const committee = () => as('evaluation', 'committee', { sub: `comite-${runId}` });
  const applicant = (p: Participant, service: keyof JourneyUrls = 'submission') => as(service, 'applicant', { org: p.organisationId, sub: `agent-${p.key}-${runId}` });
  const reviewer = (reviewerId: string) => as('evaluation', 'reviewer', { sub: reviewerId });
  const finance = (n: 1 | 2) => as('fundingAward', 'finance', { sub: `finance-${n}-${runId}` });
  const label = (p: Participant) => p.number ?? p.key;

  const evaluation = async (p: Participant) => expectStatus(await manager('evaluation').get(`/evaluations/${p.dossierId}`), 200, `the evaluation of ${label(p)}`);
  const stageIs = (p: Participant, stage: string) => until(async () => (await evaluation(p)).stage === stage, `${label(p)} at the stage ${stage} in evaluation`);
  const dossierStatusIs = (p: Participant, status: string) =>
    until(async () => expectStatus(await applicant(p).get(`/dossiers/${p.dossierId}`), 200, `the dossier ${label(p)}`).status === status, `${label(p)} ${status} in submission`);
  const award = async (p: Participant) => expectStatus(await finance(1).get(`/awards/${p.dossierId}`), 200, `the award of ${label(p)}`);
  const awardExists = (p: Participant) => until(async () => (await finance(1).get(`/awards/${p.dossierId}`)).status === 200, `the award of ${label(p)} in funding-award`);
  const queueOf = async (reviewerId: string) =>
    expectStatus(await reviewer(reviewerId).get('/reviewers/me/assignments', { query: { pageSize: 100 } }), 200, `the work queue of ${reviewerId}`).items as Array<{ dossierId: string; state: string }>;
  const reviewersOf = async (p: Participant) => {
    const queues = await Promise.all(REVIEWERS.map(async (r) => ({ reviewerId: r.reviewerId, items: await queueOf(r.reviewerId) })));
    return queues.filter((q) => q.items.some((item) => item.dossierId === p.dossierId)).map((q) => q.reviewerId);
  };
  const ranking = async () => expectStatus(await committee().get(`/calls/${callId}/waves/vague-1/ranking`, { query: { pageSize: 100 } }), 200, 'the ranked list');
  const decide = async (p: Participant, body: Record<string, unknown>) =>
    expectStatus(await committee().post(`/evaluations/${p.dossierId}/decision`, body), 200, `the committee's decision on ${label(p)}`);

  /** Validated by one finance officer, released by another (four eyes), paid: the award after. */
  const payTranche = async (p: Participant, trancheId: string, reference: string) => {
    expectStatus(await finance(1).post(`/awards/${p.dossierId}/tranches/${trancheId}/validate`, {}), 200, `validating ${trancheId}`);
    const refused = await finance(1).post(`/awards/${p.dossierId}/tranches/${trancheId}/release`);
    check(refused.status === 422 && refused.body.errors?.some((e: { name: string }) => e.name === 'four-eyes'), 'the validator releasing is refused by four-eyes', refused.body);
    expectStatus(await finance(2).post(`/awards/${p.dossierId}/tranches/${trancheId}/release`), 200, `releasing ${trancheId}`);
    return expectStatus(await finance(2).post(`/awards/${p.dossierId}/tranches/${trancheId}/payment`, { paymentReference: `CHORUS-${runId}-${reference}`, paidOn: new Date().toISOString().slice(0, 10) }), 200, `recording the payment of ${trancheId}`);
  };
  const lastTranche = (view: { tranches: Array<{ trancheId: string; kind: string; amountCents: number; status: string }> }) => view.tranches.at(-1)!;

  const steps: JourneyStep[] = [
    {
      title: 'A programme manager publishes the call, its payment schedule and its pool of four reviewers',
      async run() {
        const rules: CallRules = passNumeriqueCallRules({
          title: `Pass numérique et tiers-lieux — parcours ${runId}`,
          budgetEnvelopeCents: ENVELOPE,
          cofinancing: { ...passNumeriqueCallRules().cofinancing, maxGrantCents: 4_000_000 },
          eligibleApplicantKinds: [...COLLECTIVITE_KINDS, 'association'],
          paymentSchedule: { advanceBps: 3_000, interimCapBps: 8_000 },
          evaluation: { admissibilityChecklist: CHECKLIST, rankBy: 'raw' },
        });
        callId = expectStatus(await manager('submission').post('/calls', rules), 201, 'creating the call').callId;
        // Staff act only on their own calls: the creator puts the committee member and both finance officers on the team.
        for (const [role, member] of [['committee', `comite-${runId}`], ['finance', `finance-1-${runId}`], ['finance', `finance-2-${runId}`]] as const) {
          expectStatus(await manager('submission').put(`/calls/${callId}/team/${role}/${member}`), 200, `putting ${member} on the call's team`);
        }
        expectStatus(await manager('submission').post(`/calls/${callId}/publish`), 200, 'publishing the call');
        // Evaluation learns the call from call.published.
        await until(async () => (await manager('evaluation').get(`/calls/${callId}/reviewers`)).status === 200, 'the call in evaluation');
        for (const { reviewerId, ...profile } of REVIEWERS) {
          const email = `${reviewerId}@anct.example.fr`;
          expectStatus(await manager('evaluation').put(`/calls/${callId}/reviewers/${reviewerId}`, { ...profile, email, expertise: ['inclusion numérique'] }), [200, 201], `adding ${reviewerId}`);
        }
        return `Call published: ${rules.title} — envelope ${euros(ENVELOPE)}, advance ≤ 30 %, interim ≤ 80 %`;
      },
    },
    {
      title: 'A commune, an EPCI, a tiers-lieu association and a second commune register',
      async run() {
        for (const p of Object.values(who)) {
          // 409: registered by an earlier run of the demo (the organisation is the same).
          expectStatus(await applicant(p).post('/organisations', p.registration), [201, 409], `registering ${p.organisationId}`);
        }
        return `Registered: Lyon, CC Faucigny - Glières, ${String(who.association.registration.name)}, Villeurbanne`;
      },
    },
    {
      title: 'Each of them applies: project, budget, documents, submission and receipt',
      async run() {
        for (const p of Object.values(who)) {
          const draft = expectStatus(await applicant(p).post('/dossiers', { callId, waveId: 'vague-1' }), 201, `${p.key}'s draft`);
          p.dossierId = draft.dossierId;
          expectStatus(await applicant(p).patch(`/dossiers/${p.dossierId}/project`, p.project), 200, `${p.key}'s project`);
          expectStatus(await applicant(p).put(`/dossiers/${p.dossierId}/budget`, p.budget), 200, `${p.key}'s budget`);
          for (const documentType of ['deliberation', 'budget-plan']) {
            const form = new FormData();
            form.append('documentType', documentType);
            form.append('file', new Blob(['%PDF-1.7\n%%EOF\n'], { type: 'application/pdf' }), `${documentType}.pdf`);
            expectStatus(await applicant(p).post(`/dossiers/${p.dossierId}/attachments`, form), 201, `${p.key}'s ${documentType}`);
          }
          const receipt = expectStatus(await applicant(p).post(`/dossiers/${p.dossierId}/submit`, undefined, { headers: { 'idempotency-key': `journey-${p.dossierId}` } }), 200, `${p.key}'s submission`);
          p.number = receipt.number;
        }
        for (const p of Object.values(who)) await stageIs(p, 'admissibility');
        return `Submitted: ${Object.values(who).map((p) => p.number).join(', ')}`;
      },
    },
    {
      title: 'The manager finds Villeurbanne’s dossier inadmissible on the checklist',
      async run() {
        const p = who.inadmissible;
        const reason = 'Les lieux de médiation n’ouvriront qu’en 2028';
        const assessed = expectStatus(
          await manager('evaluation').post(`/evaluations/${p.dossierId}/admissibility`, { checks: [{ checkId: CHECKLIST[0]!.checkId, passed: true }, { checkId: CHECKLIST[1]!.checkId, passed: false, detail: reason }] }),
          200,
          `assessing ${label(p)}`,
        );
        check(assessed.stage === 'inadmissible', `${label(p)} is inadmissible`, assessed);
        await dossierStatusIs(p, 'rejected');
        return `${label(p)} inadmissible: ${reason}`;
      },
    },
    {
      title: 'A complement is asked of Lyon; Lyon corrects its project and answers',
      async run() {
        const p = who.commune;
        const asked = expectStatus(await manager('evaluation').post(`/evaluations/${p.dossierId}/complement-requests`, { message: 'Merci de préciser les lieux de distribution des pass.' }), 201, `asking ${label(p)} a complement`);
        const { complementRequestId } = asked.complements.at(-1);
        await dossierStatusIs(p, 'complement-requested');
        p.project = { ...p.project, summary: '2 000 pass distribués par les 9 CCAS d’arrondissement' };
        expectStatus(await applicant(p).patch(`/dossiers/${p.dossierId}/project`, p.project), 200, `${label(p)} corrects its project`);
        expectStatus(await applicant(p).post(`/dossiers/${p.dossierId}/complements/${complementRequestId}/answer`, { answer: 'Les lieux sont précisés dans le résumé du projet.' }), 200, `${label(p)} answers`);
        await until(async () => {
          const view = await evaluation(p);
          return view.stage === 'admissibility' && view.changes.includes('project.summary');
        }, `${label(p)} back in admissibility with its change`);
        return `${label(p)}: complement asked, answered, back in admissibility (changed: project.summary)`;
      },
    },
    {
      title: 'The other three dossiers pass the checklist; three reviewers are assigned to each',
      async run() {
        for (const p of evaluated) {
          const assessed = expectStatus(await manager('evaluation').post(`/evaluations/${p.dossierId}/admissibility`, { checks: CHECKLIST.map((c) => ({ checkId: c.checkId, passed: true })) }), 200, `assessing ${label(p)}`);
          check(assessed.stage === 'in-review', `${label(p)} in review`, assessed);
        }
        for (const p of evaluated) await until(async () => (await reviewersOf(p)).length === 3, `three reviewers of ${label(p)} in their work queues`);
        return `Admissible and in review: ${evaluated.map(label).join(', ')}`;
      },
    },
    {
      title: 'A reviewer of the EPCI’s dossier declares a conflict of interest and is replaced',
      async run() {
        const p = who.epci;
        const before = await reviewersOf(p);
        const recused = before[0]!;
        expectStatus(await reviewer(recused).post(`/evaluations/${p.dossierId}/conflicts`, { reason: 'J’ai conseillé la communauté de communes sur ce projet.' }), 201, `${recused} declaring a conflict`);
        const after = await until(async () => {
          const now = await reviewersOf(p);
          return now.length === 3 && !now.includes(recused) && now;
        }, `${label(p)}'s replacement reviewer`);
        const replacement = after.find((id) => !before.includes(id));
        return `${recused} recused on ${label(p)}; ${replacement} assigned instead`;
      },
    },
    {
      title: 'The reviewers score every dossier on the grid',
      async run() {
        for (const p of evaluated) {
          for (const reviewerId of await reviewersOf(p)) {
            const scores = GRID.map((c) => ({ criterionId: c.criterionId, score: p.score, comment: `Appréciation : ${c.label}` }));
            expectStatus(await reviewer(reviewerId).post(`/evaluations/${p.dossierId}/reviews`, { scores }), 201, `${reviewerId} scoring ${label(p)}`);
          }
          await stageIs(p, 'evaluated');
        }
        // The ranking reads the reviews' score projection, a consumer hop behind the reviews.
        await until(async () => expectStatus(await manager('evaluation').get(`/calls/${callId}/reviewer-statistics`), 200, 'reviewer statistics').reviewCount === 9, 'the nine reviews in the call’s statistics');
        return `9 reviews: ${evaluated.map((p) => `${label(p)} ${p.score * 5}/100`).join(', ')}`;
      },
    },
    {
      title: 'The committee approves two dossiers and waitlists one within the envelope',
      async run() {
        // A completed evaluation reaches the ranked list a consumer hop later (the wave's scoreboard).
        const list = await until(async () => {
          const current = await ranking();
          return evaluated.every((p) => current.items.some((row: { dossierId: string; reviewCount: number }) => row.dossierId === p.dossierId && row.reviewCount === 3)) && current;
        }, 'the three evaluated dossiers in the ranked list');
        const proposals = Object.fromEntries(list.items.map((row: { dossierId: string; proposal: string }) => [row.dossierId, row.proposal]));
        check(proposals[who.association.dossierId!] === 'approve' && proposals[who.epci.dossierId!] === 'approve' && proposals[who.commune.dossierId!] === 'waitlist', 'the proposal: approve, approve, waitlist', list.items);
        await decide(who.association, { decision: 'approve', grantCents: GRANT.association, motivation: 'Tiers-lieu ancré dans le quartier, publics éloignés bien ciblés.' });
        const epci = await decide(who.epci, { decision: 'approve', grantCents: GRANT.epci, motivation: 'Maillage intercommunal solide.' });
        const waitlisted = await decide(who.commune, { decision: 'waitlist', motivation: 'Projet solide, enveloppe insuffisante à ce stade.' });
        check(waitlisted.decision?.kind === 'waitlisted', `${label(who.commune)} waitlisted`, waitlisted);
        check(epci.envelope.committedCents === GRANT.association + GRANT.epci, 'the envelope holds both grants', epci.envelope);
        for (const p of [who.association, who.epci]) await dossierStatusIs(p, 'accepted');
        await dossierStatusIs(who.commune, 'waitlisted');
        return `Approved ${label(who.association)} — ${euros(GRANT.association)}, ${label(who.epci)} — ${euros(GRANT.epci)}; waitlisted ${label(who.commune)} (${euros(ENVELOPE - GRANT.association - GRANT.epci)} left)`;
      },
    },
    {
      title: 'Funding-award grants the two awards with the call’s payment schedule',
      async run() {
        for (const p of [who.association, who.epci]) await awardExists(p);
        const a = await award(who.association);
        check(a.grantCents === GRANT.association && a.effectiveRateBps === 5_000 && a.advanceCapCents === ADVANCE && a.interimCapCents === 1_600_000, 'the association’s award: 20 000 € at 50 %, advance ≤ 6 000 €, interim ≤ 16 000 €', a);
        return `Awards granted: ${label(who.association)} ${euros(a.grantCents)} at ${a.effectiveRateBps / 100} %, start by ${a.startDeadline}; ${label(who.epci)} ${euros(GRANT.epci)}`;
      },
    },
    {
      title: 'The programme manager issues the agreement; the association signs it; the manager countersigns it',
      async run() {
        const p = who.association;
        const issued = expectStatus(await manager('fundingAward').post(`/awards/${p.dossierId}/agreement`), 200, 'issuing the agreement');
        const read = expectStatus(await applicant(p, 'fundingAward').get(`/awards/${p.dossierId}/agreement`), 200, 'the agreement as the association reads it');
        check(/^[0-9a-f]{64}$/.test(read.agreementSha256) && read.agreementSha256 === issued.agreementSha256, 'the agreement is identified by the SHA-256 of its PDF', read);
        expectStatus(await applicant(p, 'fundingAward').post(`/awards/${p.dossierId}/agreement/signature`, { sha256: read.agreementSha256 }), 200, 'the association signing');
        const countersigned = expectStatus(await manager('fundingAward').post(`/awards/${p.dossierId}/agreement/countersignature`, { sha256: read.agreementSha256 }), 200, 'the manager countersigning');
        check(countersigned.status === 'countersigned' && countersigned.signedAt && countersigned.countersignedAt, 'the agreement signed by both', countersigned);
        check(['issued', 'signed', 'countersigned'].every((version) => countersigned.versions.some((v: { version: string }) => v.version === version)), 'the three versions stored', countersigned.versions);
        const issuedSha256 = read.agreementSha256 as string;
        return `Agreement of ${label(p)} (SHA-256 ${issuedSha256.slice(0, 12)}…) issued, signed by the association, countersigned; its three PDF versions stored`;
      },
    },
    {
      title: 'The association declares the start of execution and submits its bank details; finance validates them',
      async run() {
        const p = who.association;
        expectStatus(await applicant(p, 'fundingAward').post(`/awards/${p.dossierId}/execution-start`, { startedOn: new Date().toISOString().slice(0, 10) }), 200, 'declaring the start');
        const submitted = expectStatus(
          await applicant(p, 'fundingAward').post(`/awards/${p.dossierId}/bank-details`, { iban: 'FR76 3000 6000 0112 3456 7890 189', bic: 'BNPAFRPPXXX', holder: String(p.registration.name) }),
          200,
          'submitting the bank details',
        );
        const { bankDetailsId, iban } = submitted.pendingBankDetails;
        await until(async () => {
          const queue = expectStatus(await finance(1).get('/finance/bank-details', { query: { status: 'pending', pageSize: 100 } }), 200, 'the bank details to validate');
          return queue.items.some((item: { awardId: string }) => item.awardId === p.dossierId);
        }, 'the bank details in finance’s queue');
        const validated = expectStatus(await finance(1).post(`/awards/${p.dossierId}/bank-details/${bankDetailsId}/validate`), 200, 'validating the bank details');
        check(validated.bankDetails?.bankDetailsId === bankDetailsId && !validated.pendingBankDetails, 'the bank details validated', validated);
        return `Execution started; bank details ${iban} validated`;
      },
    },
    {
      title: 'Finance records the legal commitment (engagement juridique)',
      async run() {
        const p = who.association;
        const number = String(Date.now() % 10_000_000_000).padStart(10, '0');
        const recorded = expectStatus(await finance(1).post(`/awards/${p.dossierId}/legal-commitment`, { number }), 200, 'recording the legal commitment');
        check(recorded.legalCommitment?.number === number, 'the legal commitment on the award', recorded);
        return `Legal commitment ${number} recorded on ${label(p)}`;
      },
    },
    {
      title: 'The advance (30 %) is requested, validated, released by a second officer and paid',
      async run() {
        const p = who.association;
        const asked = lastTranche(expectStatus(await applicant(p, 'fundingAward').post(`/awards/${p.dossierId}/tranches/advance`, {}), 200, 'requesting the advance'));
        check(asked.kind === 'advance' && asked.amountCents === ADVANCE, 'an advance of 6 000 €', asked);
        await until(async () => {
          const queue = expectStatus(await finance(1).get('/finance/tranches', { query: { status: 'requested', pageSize: 100 } }), 200, 'the tranches to validate');
          return queue.items.some((item: { trancheId: string }) => item.trancheId === asked.trancheId);
        }, 'the advance in finance’s queue');
        const paid = await payTranche(p, asked.trancheId, 'AVANCE');
        check(paid.paidCents === ADVANCE, 'the advance paid', paid);
        return `Advance of ${label(p)} — ${euros(ADVANCE)}: validated by finance-1, released by finance-2, paid`;
      },
    },
    {
      title: 'An interim payment on an expense statement is requested, validated, released and paid',
      async run() {
        const p = who.association;
        const expenses = [
          { supplier: 'Ordi-Recycle Lyon', date: '2027-03-15', amountCents: 1_200_000, category: 'equipment' },
          { supplier: 'Médiateurs associés', date: '2027-04-30', amountCents: 800_000, category: 'services' },
        ];
        const asked = lastTranche(expectStatus(await applicant(p, 'fundingAward').post(`/awards/${p.dossierId}/tranches/interim`, { amountCents: INTERIM, expenses }), 200, 'requesting the interim payment'));
        const paid = await payTranche(p, asked.trancheId, 'ACOMPTE-1');
        check(paid.paidCents === ADVANCE + INTERIM, 'advance and interim paid', paid);
        return `Interim payment of ${label(p)} — ${euros(INTERIM)} on ${euros(2_000_000)} of expenses: paid (total ${euros(paid.paidCents)})`;
      },
    },
    {
      title: 'The balance on lower actual expenses is paid; the unpaid rest of the grant is released',
      async run() {
        const p = who.association;
        const asked = lastTranche(expectStatus(await applicant(p, 'fundingAward').post(`/awards/${p.dossierId}/tranches/balance`, { actualEligibleExpensesCents: ACTUAL_EXPENSES }), 200, 'requesting the balance'));
        check(asked.kind === 'balance' && asked.amountCents === BALANCE, 'a balance of 5 000 € on 30 000 € of actual expenses', asked);
        const done = await payTranche(p, asked.trancheId, 'SOLDE');
        check(done.status === 'completed' && done.paidCents === GRANT.association - RELEASED_AT_COMPLETION && done.releasedCents === RELEASED_AT_COMPLETION && done.outstandingCents === 0, 'completed, the rest released', done);
        return `Balance of ${label(p)} — ${euros(BALANCE)} paid (total ${euros(done.paidCents)}); ${euros(done.releasedCents)} released`;
      },
    },
    {
      title: 'The released rest goes back to the call’s envelope in evaluation (not enough for the waitlist yet)',
      async run() {
        const remaining = ENVELOPE - GRANT.association - GRANT.epci + RELEASED_AT_COMPLETION;
        await until(async () => (await ranking()).envelope.remainingCents === remaining, `the envelope's remaining amount back to ${euros(remaining)}`);
        return `Envelope: ${euros(remaining)} left, below ${label(who.commune)}’s ${euros(GRANT.commune)}: no promotion`;
      },
    },
    {
      title: 'Funding-award restarts 800 days later: the EPCI never started, its award lapses and its grant is released',
      restarts: true,
      async run() {
        urls.fundingAward = await options.restartFundingAwardWithClock!(LAPSE_CLOCK);
        const p = who.epci;
        const lapsed = await until(async () => {
          const view = await award(p);
          return view.status === 'lapsed' && view;
        }, `${label(p)}'s award lapsed`);
        check(lapsed.releasedCents === GRANT.epci && lapsed.paidCents === 0, 'the whole grant released', lapsed);
        return `${label(p)} lapsed (start deadline ${lapsed.startDeadline} passed): ${euros(lapsed.releasedCents)} released`;
      },
    },
    {
      title: 'The waitlisted dossier is proposed for promotion and the committee approves it',
      // The money that makes room for it comes from the lapse.
      restarts: true,
      async run() {
        const p = who.commune;
        await until(async () => (await ranking()).promotions.some((promotion: { dossierId: string }) => promotion.dossierId === p.dossierId), `${label(p)} proposed for promotion`);
        const approved = await decide(p, { decision: 'approve', grantCents: GRANT.commune, motivation: 'Promu depuis la liste d’attente après la caducité d’une aide.' });
        check(approved.decision?.kind === 'approved', `${label(p)} approved`, approved);
        await dossierStatusIs(p, 'accepted');
        await awardExists(p);
        return `${label(p)} promoted and approved — ${euros(GRANT.commune)}; its award is granted`;
      },
    },
    {
      title: 'Each applicant’s timeline and inbox show every step',
      async run() {
        const story = expectedStories({ lapse: Boolean(options.restartFundingAwardWithClock) });
        for (const p of Object.values(who)) {
          const expected = story[p.key];
          await until(async () => {
            const timeline = expectStatus(await applicant(p, 'notification').get(`/dossiers/${p.dossierId}/timeline`), 200, `${label(p)}'s timeline`);
            const types = new Set(timeline.entries.map((entry: { type: string }) => unversioned(entry.type)));
            return expected.timeline.every((type) => types.has(type));
          }, `${label(p)}'s timeline to hold ${expected.timeline.join(', ')}`);
          await until(async () => {
            const inbox = expectStatus(await applicant(p, 'notification').get(`/organisations/${p.organisationId}/inbox`, { query: { pageSize: 100 } }), 200, `${p.organisationId}'s inbox`);
            const types = new Set(inbox.items.filter((item: { dossierId?: string }) => item.dossierId === p.dossierId).map((item: { eventType: string }) => unversioned(item.eventType)));
            return expected.inbox.every((type) => types.has(type));
          }, `${p.organisationId}'s inbox to hold ${expected.inbox.join(', ')}`);
        }
        return `Timelines and inboxes complete: ${Object.values(who).map((p) => `${label(p)} ${story[p.key].timeline.length} steps`).join(', ')}`;
      },
    },
    {
      title: 'The award’s history lists every step of its money',
      async run() {
        const p = who.association;
        const expected = ['award.granted', 'award.execution-started', 'award.bank-details-validated', 'tranche.requested', 'tranche.validated', 'tranche.released', 'tranche.paid', 'award.completed', 'award.amount-released'];
        // Kept from the award's events: a consumer hop behind the last payment.
        const history = await until(async () => {
          const view = expectStatus(await finance(1).get(`/awards/${p.dossierId}/history`), 200, `${label(p)}'s history`);
          const types = new Set(view.history.map((entry: { type: string }) => unversioned(entry.type)));
          return expected.every((type) => types.has(type)) && view;
        }, `${label(p)}'s history to hold ${expected.join(', ')}`);
        const paid = history.history.filter((entry: { type: string }) => unversioned(entry.type) === 'tranche.paid');
        check(paid.length === 3, 'three payments in the history', paid);
        return `History of ${label(p)}: ${history.history.length} entries, 3 payments, who did what and when`;
      },
    },
    {
      title: 'The call’s ledger balances to the cent',
      async run() {
        const granted = [who.association, who.epci, ...(options.restartFundingAwardWithClock ? [who.commune] : [])];
        const awards = await Promise.all(granted.map(award));
        const sum = (field: string) => awards.reduce((total, view) => total + (view[field] as number), 0);
        const expected = { paidCents: sum('paidCents'), releasedCents: sum('releasedCents'), recoveredCents: sum('recoveredCents'), committedCents: sum('grantCents') };
        const ledger = await until(async () => {
          const current = expectStatus(await manager('fundingAward').get(`/calls/${callId}/ledger`), 200, 'the call’s ledger');
          return Object.entries(expected).every(([field, cents]) => current[field] === cents) && current;
        }, `the ledger to show ${JSON.stringify(expected)}`);
        check(ledger.envelopeCents === ENVELOPE, 'the ledger’s envelope is the call’s', ledger);
        check(ledger.outstandingCents === sum('outstandingCents') && ledger.committedCents === ledger.paidCents + ledger.releasedCents + ledger.outstandingCents, 'committed = paid + released + outstanding', ledger);
        check(ledger.remainingEnvelopeCents === ledger.envelopeCents - ledger.committedCents + ledger.releasedCents && ledger.remainingEnvelopeCents >= 0, 'remaining = envelope − committed + released, never below zero', ledger);
        check(sum('grantCents') === sum('paidCents') + sum('releasedCents') + sum('outstandingCents'), 'granted = paid + released + outstanding, award by award summed', awards);
        return `Ledger of the call: envelope ${euros(ledger.envelopeCents)}, committed ${euros(ledger.committedCents)}, paid ${euros(ledger.paidCents)}, released ${euros(ledger.releasedCents)}, remaining ${euros(ledger.remainingEnvelopeCents)}`;
      },
    },
  ];

  const leftOut: Journey['leftOut'] = [];
  const runnable = steps.filter((step) => {
    if (!step.restarts || options.restartFundingAwardWithClock) return true;
    leftOut.push({ title: step.title, why: 'needs funding-award restarted with its clock moved on: run by the e2e test (tools/journeys/funding-journey.e2e.test.ts)' });
    return false;
  });

  return {
    steps: runnable,
    leftOut,
    runId,
    traceId,
    facts: () => ({
      callId: callId || undefined,
      dossiers: Object.fromEntries(Object.values(who).map((p) => [p.key, { dossierId: p.dossierId, number: p.number, organisationId: p.organisationId, email: p.email }])) as ReturnType<Journey['facts']>['dossiers'],
    }),
  };
}

/**
 * What each applicant's timeline and inbox must hold at the end (event types without version): the
 * timeline every event of its dossier; the inbox what the applicant is told (not what it did itself,
 * nor the finance steps in between: returns' routing table in the notification service).
 */
function expectedStories(has: { lapse: boolean }): Record<Applicant, { timeline: string[]; inbox: string[] }> {
  const paidTold = ['award.granted', 'award.agreement-issued', 'award.agreement-countersigned', 'award.bank-details-validated', 'tranche.validated', 'tranche.paid', 'award.completed'];
  const paidDone = ['award.agreement-signed', 'award.execution-started', 'award.bank-details-submitted', 'tranche.requested', 'tranche.released', 'award.amount-released'];
  const both = (told: string[], done: string[] = []) => ({ timeline: [...told, ...done], inbox: told });
  return {
    inadmissible: both(['dossier.submitted', 'dossier.rejected']),
    association: both(['dossier.submitted', 'dossier.review-started', 'dossier.accepted', ...paidTold], paidDone),
    epci: both(['dossier.submitted', 'dossier.review-started', 'dossier.accepted', 'award.granted', ...(has.lapse ? ['award.lapsed'] : [])], has.lapse ? ['award.amount-released'] : []),
    commune: both(['dossier.submitted', 'dossier.complement-requested', 'dossier.resubmitted', 'dossier.waitlisted', ...(has.lapse ? ['dossier.accepted', 'award.granted'] : [])]),
  };
}
