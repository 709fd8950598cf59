import { randomBytes } from 'node:crypto';
import {
  CallPublished,
  DossierResubmitted,
  DossierSubmitted,
  DossierWithdrawn,
  referenceOfSnapshot,
  type ApplicantSnapshot,
  type CallSnapshot,
  type CallTeam,
  type Decision,
  type DossierSnapshot,
  type EvaluationSettings,
} from '@aap/contracts';
import type { Role } from '@aap/http';
import type { RunningService } from '@aap/service-runtime';
import { decodeHeaders, eventPublisher, eventually, httpClient, type CallerClaims, type ReadMessage, type Requester, type TestEnvironment } from '@aap/test-harness';
import { service as evaluation } from '../service';

const DAY_MS = 24 * 60 * 60 * 1000;

/** The state an accepted decision leads to: a spec's `given` built with the decide functions themselves. */
export function acceptedState<State>(decision: Decision<State>): State {
  if (decision.outcome !== 'accepted') throw new Error(`expected an accepted decision to build the given state, got ${decision.outcome}`);
  return decision.state;
}
const sha = (seed: string) => Buffer.from(seed.padEnd(32, '0').slice(0, 32)).toString('hex');

/**
 * The team of the tests' calls: the subs the harness gives tokens by default (`test-<role>`) and those
 * of this file's helpers (`manager()`, `committee()`). Tests of another call's team use other subs.
 */
export const TEST_TEAM: CallTeam = {
  'programme-manager': ['test-programme-manager', 'manager-1'],
  committee: ['test-committee', 'committee-0', 'committee-1', 'committee-2'],
  finance: ['test-finance'],
};

/**
 * A "Fabriques de territoire"-like call as the submission service publishes it: 1 M€ envelope,
 * grants 10 k€–150 k€ at most 50 % of the eligible cost, a four-criterion grid, 3 reviewers per
 * dossier, one open wave. `evaluation` sets the call's evaluation settings.
 */
export function testCall(overrides: Partial<CallSnapshot> = {}, evaluationSettings: Partial<EvaluationSettings> = {}): CallSnapshot {
  const now = Date.now();
  const callId = overrides.callId ?? `fabriques-${randomBytes(3).toString('hex')}`;
  return {
    callId,
    status: 'published',
    title: 'Fabriques de territoire — test',
    programme: 'Fabriques de territoire',
    description: 'Tiers-lieux structurants.',
    budgetEnvelopeCents: 100_000_000,
    eligibleApplicantKinds: ['association', 'scic', 'company', 'commune', 'epci'],
    groupementsAllowed: false,
    cofinancing: { maxStateRateBps: 5_000, minGrantCents: 1_000_000, maxGrantCents: 15_000_000, minProjectCostCents: 2_000_000, ownContribution: { enabled: false, minShareBps: 2_000 } },
    requiredDocuments: [{ type: 'statuts', label: 'Statuts' }],
    scoringGrid: {
      criteria: [
        { criterionId: 'ancrage', label: 'Ancrage territorial', weight: 40, maxScore: 10 },
        { criterionId: 'publics', label: 'Publics touchés', weight: 30, maxScore: 10 },
        { criterionId: 'modele', label: 'Modèle économique', weight: 20, maxScore: 10, passThreshold: 3 },
        { criterionId: 'partenariats', label: 'Partenariats', weight: 10, maxScore: 10 },
      ],
    },
    reviewersPerDossier: 3,
    paymentSchedule: { advanceBps: 3_000, interimCapBps: 8_000 },
    waves: [{ waveId: 'vague-1', label: 'Vague 1', opensAt: new Date(now - 10 * DAY_MS).toISOString(), closesAt: new Date(now + 30 * DAY_MS).toISOString() }],
    maxActiveDossiersPerApplicantPerWave: 1,
    reminderDaysBeforeClose: 7,
    closesAt: new Date(now + 30 * DAY_MS).toISOString(),
    publishedAt: new Date(now - 10 * DAY_MS).toISOString(),
    version: 2,
    team: TEST_TEAM,
    ...overrides,
    ...(Object.keys(evaluationSettings).length ? { evaluation: { ...overrides.evaluation, ...evaluationSettings } } : {}),
  };
}

let counter = 0;

/** An association (tiers-lieu) in a commune of the Rhône unless told otherwise. */
export function testApplicant(overrides: Partial<ApplicantSnapshot> = {}): ApplicantSnapshot {
  return {
    organisationId: `${String(10_000_000 + ++counter).padStart(9, '0')}00012`.slice(0, 14),
    name: `Tiers-lieu ${counter}`,
    kind: 'association',
    territory: { communeCode: '69123', departements: ['69'], regions: ['84'] },
    contacts: [{ name: 'Camille Martin', email: 'camille@example.org' }],
    ...overrides,
  };
}

export interface DossierOptions {
  applicant?: Partial<ApplicantSnapshot>;
  eligibleCostCents?: number;
  requestedGrantCents?: number;
  waveId?: string;
  documentTypes?: string[];
  title?: string;
}

/** A dossier as dossier.submitted carries it: balanced budget, required documents attached. */
export function testDossier(call: CallSnapshot, options: DossierOptions = {}): DossierSnapshot {
  const id = randomBytes(6).toString('hex');
  const eligible = options.eligibleCostCents ?? 20_000_000;
  const requested = options.requestedGrantCents ?? 10_000_000;
  const year = new Date().getUTCFullYear();
  return {
    dossierId: `d-${id}`,
    number: `AAP-${year}-${String(++counter).padStart(6, '0')}`,
    callId: call.callId,
    waveId: options.waveId ?? call.waves[0]!.waveId,
    applicant: testApplicant(options.applicant),
    project: { title: options.title ?? `Projet ${id}`, summary: 'Un tiers-lieu.', description: 'Description.', startDate: '2027-01-01', endDate: '2028-12-31' },
    budget: { eligibleCostCents: eligible, requestedGrantCents: requested, otherFunding: eligible > requested ? [{ kind: 'region', funder: 'Région', amountCents: eligible - requested }] : [] },
    attachments: (options.documentTypes ?? call.requiredDocuments.map((d) => d.type)).map((type, index) => ({
      attachmentId: `a-${id}-${index}`,
      documentType: type,
      fileName: `${type}.pdf`,
      contentType: 'application/pdf',
      sizeBytes: 1_000,
      sha256: sha(`${id}${type}`),
    })),
    submittedAt: new Date().toISOString(),
    contentHash: sha(id),
  };
}

/**
 * The evaluation service started in this process on the test's broker and database, with a
 * publisher playing the submission service and requesters per role.
 */
export async function startEvaluation(env: TestEnvironment, overrides: Parameters<TestEnvironment['startService']>[1] = {}) {
  const service: RunningService = await env.startService(evaluation, overrides);
  const publisher = await eventPublisher(env);
  const client = httpClient(service.url);
  const evaluations = () => env.database('evaluation').collection<{ _id: string; stage: string; outboxPending?: boolean }>('evaluations');
  return {
    service,
    publisher,
    as: (roles: Role | Role[], claims?: CallerClaims): Requester => client.as(roles, claims),
    manager: () => client.as('programme-manager', { sub: 'manager-1' }),
    committee: (sub = 'committee-1') => client.as('committee', { sub }),
    reviewer: (sub: string) => client.as('reviewer', { sub }),
    async publishCall(call: CallSnapshot) {
      await publisher.publish(CallPublished, { call });
    },
    async submit(dossier: DossierSnapshot) {
      await publisher.publish(DossierSubmitted, { ...referenceOfSnapshot(dossier), dossier });
      return eventually(async () => {
        const doc = await evaluations().findOne({ _id: dossier.dossierId });
        if (!doc) throw new Error(`no evaluation of ${dossier.dossierId} yet`);
        return doc;
      });
    },
    async resubmit(dossier: DossierSnapshot, complementRequestId: string, answer = 'Voici les compléments.') {
      await publisher.publish(DossierResubmitted, { ...referenceOfSnapshot(dossier), dossier, complementRequestId, answer });
    },
    async withdraw(dossier: DossierSnapshot) {
      await publisher.publish(DossierWithdrawn, {
        dossierId: dossier.dossierId, number: dossier.number, callId: dossier.callId, waveId: dossier.waveId,
        organisationId: dossier.applicant.organisationId, withdrawnAt: new Date().toISOString(), requestedGrantCents: dossier.budget.requestedGrantCents,
      });
    },
    /** The stored evaluation document (raw). */
    stored: (dossierId: string) => evaluations().findOne({ _id: dossierId }),
    /** Waits until the evaluation's outbox is relayed (its events are on the topic). */
    settled: (dossierId: string) =>
      eventually(async () => {
        const doc = await evaluations().findOne({ _id: dossierId });
        if (!doc || doc.outboxPending) throw new Error(`evaluation ${dossierId} not settled`);
        return doc;
      }),
    async stop() {
      await publisher.disconnect();
    },
  };
}
export type EvaluationHarness = Awaited<ReturnType<typeof startEvaluation>>;

/**
 * Every message published on `topic` when it is called: read from the beginning up to each
 * partition's high watermark of that moment, so an "exactly once" check after the outbox is relayed
 * (`settled`) sees a duplicate if there is one — no settle delay, no guess at when the topic is quiet.
 */
export async function publishedOn(env: TestEnvironment, topic: string): Promise<ReadMessage[]> {
  const kafka = env.kafka();
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map<number, bigint>();
  try {
    if (!(await admin.listTopics()).includes(topic)) return [];
    for (const { partition, high } of await admin.fetchTopicOffsets(topic)) if (BigInt(high) > 0n) ends.set(partition, BigInt(high));
  } finally {
    await admin.disconnect();
  }
  if (ends.size === 0) return [];
  const messages: ReadMessage[] = [];
  const consumer = kafka.consumer({ groupId: `published-${randomBytes(6).toString('hex')}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    const remaining = new Set(ends.keys());
    await new Promise<void>((resolve, reject) => {
      // A bound on a broken read, not a wait: the messages below the watermark are already there.
      const broken = setTimeout(() => reject(new Error(`${topic}: partitions ${[...remaining].join(', ')} not read up to their end in 30 s`)), 30_000);
      consumer
        .run({
          eachMessage: async ({ partition, message }) => {
            const end = ends.get(partition);
            if (end === undefined || BigInt(message.offset) >= end) return;
            messages.push({ key: message.key?.toString() ?? null, value: message.value?.toString() ?? null, headers: decodeHeaders(message.headers), partition, offset: message.offset });
            if (BigInt(message.offset) + 1n >= end) {
              remaining.delete(partition);
              if (remaining.size === 0) {
                clearTimeout(broken);
                resolve();
              }
            }
          },
        })
        .catch(reject);
    });
    return messages;
  } finally {
    await consumer.disconnect();
  }
}
