import { referenceOfSnapshot, type ApplicantKind, type CallSnapshot, type CallTeam, type DossierSnapshot, type EventData, type DossierSubmitted } from '@aap/contracts';
import { passNumeriqueCallRules } from '@aap/submission-service/demo';
import { grantAward, type AwardDecision, type AwardState, type CallPaymentSchedule } from './awards/award';
import { declareStart } from './execution/execution';
import { submitBankDetails, validateBankDetails } from './bank-details/bank-details';
import { recordLegalCommitment } from './legal-commitment/legal-commitment';
import { recordPayment, releaseTranche, requestAdvance, validateTranche } from './tranches/tranche';

/** Fixtures of the award's unit specs (imported by tests only). */

export const NOTIFIED_AT = '2027-01-10T09:00:00.000Z';
export const NOW = new Date('2027-02-01T10:00:00.000Z');
export const at = (iso: string) => new Date(iso);
/** A valid French IBAN and BIC (the IBAN of the ISO 13616 examples). */
export const IBAN = 'FR76 3000 6000 0112 3456 7890 189';
export const OTHER_IBAN = 'FR14 2004 1010 0505 0001 3M02 606';
export const BIC = 'BNPAFRPPXXX';
export const HOLDER = 'Commune de Lyon';

export const DOSSIER = { dossierId: 'd-1', number: 'AAP-2027-000001', callId: 'call-1', waveId: 'vague-1', organisationId: '216901231' };
/** What the service's copies of the dossier and the call add to the grant. */
export const PROJECT = { title: 'Maison France services itinérante', startDate: '2027-01-15', endDate: '2028-12-31' };
export const FUNDING = { callTitle: 'Pass numérique 2027', programme: 'Pass numérique', budgetProgrammeLine: "P112 – Impulsion et coordination de la politique d'aménagement du territoire" };

/** The accepted state of a decision, or a failed test naming what refused it. */
export function must(decision: AwardDecision): AwardState {
  if (decision.outcome !== 'accepted') throw new Error(`expected an accepted decision, got ${JSON.stringify(decision)}`);
  return decision.state;
}

/** A stored award as the command handler keeps it: the state with a version. */
const stored = (state: AwardState): AwardState => ({ ...state, version: state.version + 1 });

export function grantedAward(options: { grantCents?: number; eligibleCostCents?: number; kind?: ApplicantKind | null; callSchedule?: CallPaymentSchedule } = {}): AwardState {
  const kind = options.kind === null ? undefined : (options.kind ?? 'commune');
  return stored(
    must(
      grantAward(
        null,
        {
          awardId: 'award-d-1',
          dossier: DOSSIER,
          grantCents: options.grantCents ?? 2_000_000,
          eligibleCostCents: options.eligibleCostCents ?? 4_000_000,
          // An award of unknown kind is one granted before the service kept its copies: nothing of the dossier or the call either.
          ...(kind ? { beneficiaryKind: kind, beneficiary: { name: kind === 'commune' ? HOLDER : 'La Fabrique du Rhône', kind, organisationId: DOSSIER.organisationId }, project: PROJECT, funding: FUNDING } : {}),
          ...(options.callSchedule ? { callSchedule: options.callSchedule } : {}),
          notifiedAt: NOTIFIED_AT,
        },
        at(NOTIFIED_AT),
      ),
    ),
  );
}

/** A legal commitment (engagement juridique) number as Chorus gives them: 10 digits. */
export const LEGAL_COMMITMENT = '2103456789';

/** Started on 2027-01-15, with validated bank details and (unless told otherwise) its legal commitment: ready to be paid. */
export function awardInExecution(options: Parameters<typeof grantedAward>[0] & { legalCommitment?: boolean } = {}): AwardState {
  let award = grantedAward(options);
  award = must(declareStart(award, { startedOn: '2027-01-15', by: 'applicant-1' }, NOW));
  award = must(submitBankDetails(award, { iban: IBAN, bic: BIC, holder: HOLDER, by: 'applicant-1' }, NOW));
  if (options.legalCommitment !== false) award = must(recordLegalCommitment(award, { number: LEGAL_COMMITMENT, by: 'finance-1' }, NOW));
  return must(validateBankDetails(award, { bankDetailsId: award.pendingBankDetails!.bankDetailsId, by: 'finance-1' }, NOW));
}

/** A tranche taken through validation (finance-1), release (finance-2) and payment. */
export function paid(award: AwardState, trancheId: string, paymentReference = `PAY-${trancheId}`): AwardState {
  award = must(validateTranche(award, { trancheId, by: 'finance-1' }, NOW));
  award = must(releaseTranche(award, { trancheId, by: 'finance-2' }, NOW));
  return must(recordPayment(award, { trancheId, paymentReference, paidOn: '2027-02-01', by: 'finance-2' }, NOW));
}

/** In execution with its whole advance (30 %) paid. */
export const awardWithPaidAdvance = (options: Parameters<typeof awardInExecution>[0] = {}): AwardState =>
  paid(must(requestAdvance(awardInExecution(options), { by: 'applicant-1' }, NOW)), 'award-d-1-T1');

/**
 * The team of the tests' calls: the subs the harness gives tokens by default (`test-<role>`) and the
 * numbered officers the tests use (two finance officers for four eyes, a manager who countersigns what
 * another issued). Tests of another call's team use other subs.
 */
export const TEST_TEAM: CallTeam = {
  // applicant-1 too: the person who signed for the beneficiary, on the team, is still refused the countersignature (four eyes).
  'programme-manager': ['test-programme-manager', 'manager-1', 'manager-2', 'manager-3', 'applicant-1'],
  committee: ['test-committee'],
  // finance-1 … finance-21: one validates, twenty release the same tranche at once (released once).
  finance: ['test-finance', ...Array.from({ length: 21 }, (_, i) => `finance-${i + 1}`)],
};

/**
 * The call of `acceptance()` as the submission service publishes it: its Pass numérique seed (the
 * décret's schedule, 30 % advance and 80 % cumulated, and its budget programme line), published.
 */
export function publishedCall(overrides: Partial<CallSnapshot> = {}): CallSnapshot {
  const rules = passNumeriqueCallRules({}, new Date('2027-09-15T08:00:00.000Z'));
  return { ...rules, callId: 'call-pass-numerique', status: 'published', closesAt: rules.waves.at(-1)!.closesAt, publishedAt: '2027-09-15T08:00:00.000Z', version: 2, team: TEST_TEAM, ...overrides };
}

/** The dossier of `acceptance()` as dossier.submitted carries it: the commune of Lyon's project on the call. */
export const submittedDossier = (dossierId: string, overrides: { callId?: string; title?: string; applicant?: Partial<Pick<DossierSnapshot['applicant'], 'name' | 'kind'>> } = {}): DossierSnapshot => ({
  dossierId,
  number: 'AAP-2027-000042',
  callId: overrides.callId ?? 'call-pass-numerique',
  waveId: 'vague-1',
  applicant: {
    organisationId: DOSSIER.organisationId,
    name: 'Commune de Lyon',
    kind: 'commune',
    territory: { communeCode: '69123', departements: ['69'], regions: ['84'] },
    ...overrides.applicant,
  },
  project: { title: overrides.title ?? 'Pass numérique lyonnais', summary: 'Médiation numérique.', description: 'Des chèques pour les publics éloignés du numérique.', startDate: '2027-01-04', endDate: '2028-06-30' },
  budget: { eligibleCostCents: 4_000_000, requestedGrantCents: 2_000_000, otherFunding: [{ kind: 'own-contribution', funder: 'Commune de Lyon', amountCents: 2_000_000 }] },
  attachments: [],
  submittedAt: '2026-10-15T10:00:00.000Z',
  contentHash: 'a'.repeat(64),
});

/** dossier.submitted of a dossier, its reference at the top as the submission service publishes it. */
export const submission = (dossier: DossierSnapshot): EventData<typeof DossierSubmitted> => ({ ...referenceOfSnapshot(dossier), dossier });
