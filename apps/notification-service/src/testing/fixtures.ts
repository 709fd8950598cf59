import { referenceOfSnapshot, type ApplicantSnapshot, type CallSnapshot, type DossierSnapshot } from '@aap/contracts';

/** Test data shaped like the events of the catalogue (validated by their schemas when published). */

export function applicant(organisationId: string, overrides: Partial<ApplicantSnapshot> = {}): ApplicantSnapshot {
  return {
    organisationId,
    name: `Commune ${organisationId}`,
    kind: 'commune',
    territory: { communeCode: '01053', departements: ['01'], regions: ['84'] },
    contacts: [
      { name: 'Élodie Martin', email: `elodie.${organisationId}@example.fr`, role: 'maire' },
      { name: 'Karim Benali', email: `karim.${organisationId}@example.fr` },
    ],
    ...overrides,
  };
}

export function callSnapshot(callId: string, overrides: Partial<CallSnapshot> = {}): CallSnapshot {
  return {
    callId,
    title: 'Fabriques de territoire 2026',
    programme: 'Fabriques de territoire',
    description: 'Soutien aux tiers-lieux structurants.',
    budgetEnvelopeCents: 4_500_000_000,
    eligibleApplicantKinds: ['commune', 'association'],
    groupementsAllowed: false,
    cofinancing: {
      maxStateRateBps: 5_000,
      minGrantCents: 7_500_000,
      maxGrantCents: 15_000_000,
      minProjectCostCents: 15_000_000,
      ownContribution: { enabled: true, minShareBps: 2_000 },
    },
    requiredDocuments: [],
    scoringGrid: { criteria: [{ criterionId: 'impact', label: 'Impact', weight: 1, maxScore: 10 }] },
    reviewersPerDossier: 2,
    paymentSchedule: { advanceBps: 3_000, interimCapBps: 8_000 },
    waves: [{ waveId: 'w1', label: 'Vague 1', opensAt: '2026-01-05T09:00:00+01:00', closesAt: '2026-03-31T23:59:59+02:00' }],
    maxActiveDossiersPerApplicantPerWave: 1,
    reminderDaysBeforeClose: 7,
    status: 'published',
    closesAt: '2026-03-31T23:59:59+02:00',
    publishedAt: '2026-01-05T09:00:00+01:00',
    version: 1,
    ...overrides,
  };
}

export function dossierSnapshot(dossierId: string, number: string, callId: string, organisation: ApplicantSnapshot): DossierSnapshot {
  return {
    dossierId,
    number,
    callId,
    waveId: 'w1',
    applicant: organisation,
    project: {
      title: 'Tiers-lieu de la gare',
      summary: 'Un tiers-lieu numérique dans l’ancienne gare.',
      description: 'Rénovation et animation.',
      startDate: '2026-06-01',
      endDate: '2028-12-31',
    },
    budget: { eligibleCostCents: 30_000_000, requestedGrantCents: 15_000_000, otherFunding: [{ kind: 'own-contribution', funder: 'Commune', amountCents: 15_000_000 }] },
    attachments: [],
    submittedAt: '2026-03-02T10:15:00+01:00',
    contentHash: 'a'.repeat(64),
  };
}

/** The data of `dossier.submitted`: the dossier reference at the top, the whole dossier under `dossier`. */
export const submittedData = (dossier: DossierSnapshot) => ({ ...referenceOfSnapshot(dossier), dossier });

export interface DossierStory {
  dossierId: string;
  number: string;
  callId: string;
  organisation: ApplicantSnapshot;
}

/**
 * The data of every applicant-facing event about one dossier (and its call), keyed by event type,
 * with what each message must say: its subject names the dossier number (or, for drafts and call
 * events, the title).
 */
export function routedEventData(story: DossierStory) {
  const { dossierId, number, callId, organisation } = story;
  const dossier = dossierSnapshot(dossierId, number, callId, organisation);
  const ref = { dossierId, number, callId, waveId: 'w1', organisationId: organisation.organisationId };
  const evaluation = { ...ref, at: '2026-04-10T09:00:00+02:00' };
  const call = callSnapshot(callId);
  return {
    'dossier.draft-closing-soon.v2': { dossierId, number: null, callId, waveId: 'w1', organisationId: organisation.organisationId, title: dossier.project.title, closesAt: call.closesAt, daysLeft: 3 },
    'dossier.submitted.v2': { ...ref, dossier },
    'dossier.review-started.v2': { ...evaluation },
    'dossier.complement-requested.v2': { ...evaluation, complementRequestId: 'cr-1', message: 'Merci de joindre le plan de financement signé & daté <urgent>.', dueDate: '2026-04-30' },
    'dossier.resubmitted.v2': { ...ref, dossier, complementRequestId: 'cr-1', answer: 'Plan de financement joint.' },
    'dossier.waitlisted.v2': { ...evaluation, rank: 2, motivation: 'Projet solide, crédits insuffisants à ce stade.' },
    'dossier.decision-reopened.v2': { ...evaluation, reason: 'Crédits libérés par un désistement (note interne).' },
    'dossier.accepted.v3': { ...evaluation, grantCents: 12_000_000, stateRateBps: 5_000, eligibleCostCents: 30_000_000, requestedGrantCents: 12_000_000, motivation: 'Projet structurant pour le territoire.' },
    'dossier.rejected.v2': { ...evaluation, motivation: 'Projet hors du périmètre de l’appel.', reasons: ['Territoire non éligible'], ineligible: false },
    'dossier.closed-without-follow-up.v2': { ...evaluation, motivation: 'Le porteur a renoncé au projet.' },
    'dossier.withdrawn.v1': { ...ref, reason: 'Projet reporté', withdrawnAt: '2026-04-20T10:00:00+02:00', requestedGrantCents: 15_000_000 },
    'call.extended.v1': { call: { ...call, closesAt: '2026-04-15T23:59:59+02:00', version: 2 }, reason: 'Forte demande des territoires', previousClosesAt: call.closesAt },
    'call.closed.v1': { call: { ...call, status: 'closed' as const, closedAt: '2026-04-15T23:59:59+02:00', version: 3 }, reason: 'closing-time' as const },
    'call.reopened.v1': { call: { ...call, status: 'published' as const, closesAt: '2026-05-15T23:59:59+02:00', version: 4 }, reason: 'Nouvelle vague' },
  };
}
