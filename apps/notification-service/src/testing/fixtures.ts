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
    // The test harness's default subs of these roles: a test acting as staff acts on its own call.
    team: { 'programme-manager': ['test-programme-manager'], committee: ['test-committee', 'test-committee-reviewer'], finance: ['test-finance'] },
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
  // The award of the dossier (its id is the dossier's): a grant of 123 456,78 € on 246 913,56 € of eligible costs.
  const award = { awardId: dossierId, ...ref };
  const sha256 = 'b'.repeat(64);
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
    'award.granted.v1': {
      ...award,
      at: '2026-05-04T10:00:00+02:00',
      grantCents: 12_345_678,
      eligibleCostCents: 24_691_356,
      effectiveRateBps: 5_000,
      schedule: { advanceBps: 3_000, interimCapBps: 8_000, startWithinMonths: 24, completionWithinMonths: 48 },
      notifiedAt: '2026-05-04T10:00:00+02:00',
      startDeadline: '2028-05-04',
      beneficiaryKind: 'commune' as const,
    },
    'award.agreement-issued.v1': { ...award, at: '2026-05-05T10:00:00+02:00', agreementSha256: sha256 },
    'award.agreement-countersigned.v1': { ...award, at: '2026-05-12T15:30:00+02:00', agreementSha256: sha256, countersignedBy: 'manager-1' },
    'award.bank-details-validated.v1': { ...award, at: '2026-05-20T10:00:00+02:00', bankDetailsId: 'bd-1', iban: 'FR76 **** 0189', validatedBy: 'finance-1' },
    'award.bank-details-refused.v1': { ...award, at: '2026-05-19T10:00:00+02:00', bankDetailsId: 'bd-0', reason: 'Le RIB joint ne correspond pas au titulaire <illisible>.', refusedBy: 'finance-1' },
    'award.start-deadline-extended.v1': { ...award, at: '2028-04-01T10:00:00+02:00', months: 12, startDeadline: '2029-05-04', reason: 'Retard du permis de construire.', extendedBy: 'manager-1' },
    'tranche.validated.v1': { ...award, at: '2026-06-02T10:00:00+02:00', trancheId: 't-1', kind: 'advance' as const, amountCents: 3_703_703, validatedBy: 'finance-1' },
    'tranche.refused.v1': { ...award, at: '2026-09-02T10:00:00+02:00', trancheId: 't-2', kind: 'interim' as const, reason: 'Factures non acquittées.', refusedBy: 'finance-1' },
    'tranche.paid.v1': { ...award, at: '2026-06-10T10:00:00+02:00', trancheId: 't-1', kind: 'advance' as const, amountCents: 3_703_703, paymentReference: 'VIR-2026-000123', paidOn: '2026-06-10' },
    'award.recovery-ordered.v1': { ...award, at: '2029-01-15T10:00:00+01:00', recoveryId: 'R-1', amountCents: 1_234_567, dueOn: '2029-03-15', reason: 'Dépenses réalisées inférieures au montant versé.' },
    'award.completed.v1': { ...award, at: '2029-01-15T10:00:00+01:00', dueCents: 8_641_975, paidCents: 9_876_542, recoveredCents: 1_234_567 },
    'award.lapsed.v1': { ...award, at: '2028-05-05T00:00:00+02:00', reason: 'not-started' as const, deadline: '2028-05-04' },
    'award.cancelled.v1': { ...award, at: '2026-07-01T10:00:00+02:00', reason: 'Le porteur a retiré son dossier.', cause: 'dossier-withdrawn' as const },
    'call.extended.v1': { call: { ...call, closesAt: '2026-04-15T23:59:59+02:00', version: 2 }, reason: 'Forte demande des territoires', previousClosesAt: call.closesAt },
    'call.closed.v1': { call: { ...call, status: 'closed' as const, closedAt: '2026-04-15T23:59:59+02:00', version: 3 }, reason: 'closing-time' as const },
    'call.reopened.v1': { call: { ...call, status: 'published' as const, closesAt: '2026-05-15T23:59:59+02:00', version: 4 }, reason: 'Nouvelle vague' },
  };
}
