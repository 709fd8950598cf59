import { COLLECTIVITE_KINDS, type CallRules } from '@aap/contracts';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Rules of a realistic "Pass numérique" call (2020 edition: 15 M€ for collectivités and their
 * groupements; State share ≤ 50 %, purchase ≥ 20 k€, State grant 10 k€–1.5 M€), with one wave open
 * since yesterday and closing in 30 days. Used by the tests and by the demo seed of `npm start`.
 */
export function passNumeriqueCallRules(overrides: Partial<CallRules> = {}, now = new Date()): CallRules {
  return {
    title: `Pass numérique ${now.getFullYear()}`,
    programme: 'Pass numérique',
    budgetProgrammeLine: "P112 – Impulsion et coordination de la politique d'aménagement du territoire",
    description:
      "Cofinancement de chèques « Pass numérique » donnant accès à des ateliers de médiation numérique. Au moins la moitié des pass va à des personnes éloignées de l'emploi.",
    budgetEnvelopeCents: 1_500_000_000,
    eligibleApplicantKinds: [...COLLECTIVITE_KINDS],
    groupementsAllowed: true,
    cofinancing: {
      maxStateRateBps: 5_000,
      minGrantCents: 1_000_000,
      maxGrantCents: 150_000_000,
      minProjectCostCents: 2_000_000,
      ownContribution: { enabled: true, minShareBps: 2_000 },
    },
    requiredDocuments: [
      { type: 'deliberation', label: "Délibération de l'organe délibérant approuvant le projet et son plan de financement" },
      { type: 'budget-plan', label: 'Plan de financement prévisionnel' },
    ],
    scoringGrid: {
      criteria: [
        { criterionId: 'public-reach', label: 'Publics éloignés du numérique et de l’emploi touchés', weight: 40, maxScore: 20 },
        { criterionId: 'territorial-coverage', label: 'Maillage territorial des lieux de médiation', weight: 30, maxScore: 20 },
        { criterionId: 'partnerships', label: 'Partenariats et cofinancements mobilisés', weight: 20, maxScore: 20 },
        { criterionId: 'follow-up', label: 'Suivi de l’usage des pass et évaluation', weight: 10, maxScore: 20 },
      ],
      passThreshold: 60,
    },
    reviewersPerDossier: 3,
    paymentSchedule: { advanceBps: 3_000, interimCapBps: 8_000 },
    waves: [
      {
        waveId: 'vague-1',
        label: 'Vague 1',
        opensAt: new Date(now.getTime() - DAY_MS).toISOString(),
        closesAt: new Date(now.getTime() + 30 * DAY_MS).toISOString(),
      },
    ],
    maxActiveDossiersPerApplicantPerWave: 1,
    reminderDaysBeforeClose: 7,
    ...overrides,
  };
}
