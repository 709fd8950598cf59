import { z } from 'zod';
import { defineEvent } from '../catalogue';
import { applicantKind, basisPoints, cents, isoDate, isoDateTime } from '../vocabulary';
import { dossierReference } from './dossiers';

/**
 * The funding-award service's facts (topic <prefix>.funding-award.award, key = award id, so one
 * award's events — its tranches' included — stay in order). Every event carries the dossier
 * reference (dossierId, number, callId, waveId, organisationId) beside the award id, so notification
 * and the timeline route them without a lookup, and `at`, the instant of the fact.
 *
 * Amounts are whole euro cents. An award's books: grant = paid + released + still committed, where
 * released is what will never be paid (lapse, cancellation, a balance below the grant) and goes back
 * to the call's envelope; a recovery order asks back part of what was paid.
 */

/**
 * Décret 2018-514 art. 12 (legal ceilings, in basis points of the grant): an advance of at most 30 %
 * at the start of execution; advance and interim payments (acomptes) together at most 80 %, 90 % for
 * a project whose planned duration in the award decision exceeds 48 months.
 * Art. 11: lapse when execution has not started 2 years after notification (one extension of at most
 * 1 year); completion declared within 4 years of the start.
 */
export const PAYMENT_SCHEDULE_LIMITS = {
  maxAdvanceBps: 3_000,
  maxInterimCapBps: 8_000,
  maxInterimCapLongProjectBps: 9_000,
  longProjectMonths: 48,
  startWithinMonths: 24,
  maxStartExtensionMonths: 12,
  completionWithinMonths: 48,
} as const;

/** An award's payment schedule and deadlines: the call's settings where it has them, the legal defaults otherwise. */
export const awardSchedule = z.object({
  advanceBps: basisPoints,
  /** Cap of the advance and the interim payments cumulated (the balance is on top). */
  interimCapBps: basisPoints,
  /** Months after notification within which execution must start (else the award lapses). */
  startWithinMonths: z.number().int().positive(),
  /** Months after the declared start within which completion must be declared. */
  completionWithinMonths: z.number().int().positive(),
});
export type AwardSchedule = z.infer<typeof awardSchedule>;

/** What every award event says of its award and dossier. */
export const awardReference = z.object({ awardId: z.string(), ...dossierReference.shape });
export type AwardReference = z.infer<typeof awardReference>;

export const TRANCHE_KINDS = ['advance', 'interim', 'balance'] as const;
export const trancheKind = z.enum(TRANCHE_KINDS);
export type TrancheKind = z.infer<typeof trancheKind>;

/** Why money of an award will never be paid. */
export const RELEASE_CAUSES = ['lapse', 'cancellation', 'completion'] as const;
/** Why an award was cancelled: its dossier withdrawn, the beneficiary renounced, the committee reopened its decision, or by hand. */
export const CANCELLATION_CAUSES = ['dossier-withdrawn', 'renounced', 'decision-reopened', 'manual'] as const;

/** An IBAN as events show it: country, check digits and the last four characters (never the whole). */
export const maskedIban = z.string().max(40);

const awardFact = <Shape extends z.ZodRawShape>(name: string, shape: Shape, description: string) =>
  defineEvent({
    name,
    version: 1,
    producer: 'funding-award',
    aggregate: 'award',
    schema: z.object({ ...awardReference.shape, at: isoDateTime, ...shape }),
    aggregateId: (d) => (d as { awardId: string }).awardId,
    description,
  });

const trancheRef = { trancheId: z.string(), kind: trancheKind };

export const AwardGranted = awardFact(
  'award.granted',
  {
    grantCents: cents,
    eligibleCostCents: cents,
    /** The effective rate is the exact ratio grantCents ÷ eligibleCostCents; this is it in basis points, rounded down, for display. */
    effectiveRateBps: basisPoints,
    schedule: awardSchedule,
    notifiedAt: isoDateTime,
    /** Execution must start before this date (else the award lapses). */
    startDeadline: isoDate,
    beneficiaryKind: applicantKind.optional(),
  },
  'An accepted dossier became an award: the grant, the eligible cost it applies to, the payment schedule and the start deadline.',
);
export const AwardAgreementIssued = awardFact(
  'award.agreement-issued',
  { agreementSha256: z.string().regex(/^[0-9a-f]{64}$/) },
  'The agreement (convention) was generated from the award and awaits the beneficiary’s signature.',
);
export const AwardAgreementSigned = awardFact(
  'award.agreement-signed',
  { agreementSha256: z.string().regex(/^[0-9a-f]{64}$/), signedBy: z.string() },
  'The beneficiary signed the agreement (simple electronic signature: who, when, the document’s SHA-256).',
);
export const AwardAgreementCountersigned = awardFact(
  'award.agreement-countersigned',
  { agreementSha256: z.string().regex(/^[0-9a-f]{64}$/), countersignedBy: z.string() },
  'The programme manager countersigned the agreement: it binds both parties.',
);
export const AwardBankDetailsSubmitted = awardFact(
  'award.bank-details-submitted',
  { bankDetailsId: z.string(), iban: maskedIban, bic: z.string(), submittedBy: z.string() },
  'The beneficiary submitted bank details; they are used only once a finance officer validates them.',
);
export const AwardBankDetailsValidated = awardFact(
  'award.bank-details-validated',
  { bankDetailsId: z.string(), iban: maskedIban, validatedBy: z.string() },
  'A finance officer validated the submitted bank details: payments go to them from now on.',
);
export const AwardBankDetailsRefused = awardFact(
  'award.bank-details-refused',
  { bankDetailsId: z.string(), reason: z.string().min(1), refusedBy: z.string() },
  'A finance officer refused the submitted bank details; the previous ones, if any, stay in use.',
);
export const AwardExecutionStarted = awardFact(
  'award.execution-started',
  { startedOn: isoDate, completionDeadline: isoDate, declaredBy: z.string() },
  'The beneficiary declared the start of execution: the advance may be asked, completion is due by the deadline.',
);
export const AwardStartDeadlineExtended = awardFact(
  'award.start-deadline-extended',
  { months: z.number().int().positive(), startDeadline: isoDate, reason: z.string().min(1), extendedBy: z.string() },
  'The deadline to start execution was extended once (at most one year).',
);
export const TrancheRequested = awardFact(
  'tranche.requested',
  {
    ...trancheRef,
    amountCents: cents,
    /** Interim: the statement's expenses; balance: the actual eligible expenses of the final report. */
    expensesCents: cents.optional(),
    requestedBy: z.string(),
  },
  'The beneficiary asked for a tranche (advance, interim payment on an expense statement, or balance on the final report).',
);
export const TrancheValidated = awardFact(
  'tranche.validated',
  { ...trancheRef, amountCents: cents, validatedBy: z.string() },
  'A finance officer validated a tranche (for the balance, on the expenses retained); another officer releases it.',
);
export const TrancheRefused = awardFact(
  'tranche.refused',
  { ...trancheRef, reason: z.string().min(1), refusedBy: z.string() },
  'A finance officer refused a requested tranche with a reason.',
);
export const TrancheReleased = awardFact(
  'tranche.released',
  { ...trancheRef, amountCents: cents, releasedBy: z.string(), bankDetailsId: z.string(), iban: maskedIban },
  'A second finance officer released a validated tranche for payment, to the validated bank details.',
);
export const TranchePaid = awardFact(
  'tranche.paid',
  { ...trancheRef, amountCents: cents, paymentReference: z.string(), paidOn: isoDate },
  'The payment of a released tranche was recorded with its reference and date (once per tranche).',
);
export const AwardRecoveryOrdered = awardFact(
  'award.recovery-ordered',
  { recoveryId: z.string(), amountCents: cents, dueOn: isoDate, reason: z.string().min(1) },
  'A recovery order (titre de perception) asks the beneficiary back part of what was paid.',
);
export const AwardCompleted = awardFact(
  'award.completed',
  { dueCents: cents, paidCents: cents, recoveredCents: cents },
  'The balance was settled: the award is complete (what was due on the actual expenses, what was paid, what is recovered).',
);
export const AwardLapsed = awardFact(
  'award.lapsed',
  { reason: z.enum(['not-started', 'not-completed']), deadline: isoDate },
  'The award lapsed (caducité): execution did not start, or completion was not declared, in time.',
);
export const AwardCancelled = awardFact(
  'award.cancelled',
  { reason: z.string().min(1), cause: z.enum(CANCELLATION_CAUSES) },
  'The award was cancelled (dossier withdrawn, renounced or reopened): nothing more is paid on it.',
);
export const AwardAmountReleased = awardFact(
  'award.amount-released',
  {
    amountCents: cents,
    cause: z.enum(RELEASE_CAUSES),
    /**
     * With cause `cancellation`: why the award was cancelled. After `decision-reopened` the evaluation
     * service already gave the money back when the committee reopened its decision: not a second time.
     */
    cancellationCause: z.enum(CANCELLATION_CAUSES).optional(),
  },
  'Part of the grant will never be paid (lapse, cancellation, balance below the grant): it goes back to the call’s envelope.',
);

export const awardEvents = [
  AwardGranted,
  AwardAgreementIssued,
  AwardAgreementSigned,
  AwardAgreementCountersigned,
  AwardBankDetailsSubmitted,
  AwardBankDetailsValidated,
  AwardBankDetailsRefused,
  AwardExecutionStarted,
  AwardStartDeadlineExtended,
  TrancheRequested,
  TrancheValidated,
  TrancheRefused,
  TrancheReleased,
  TranchePaid,
  AwardRecoveryOrdered,
  AwardCompleted,
  AwardLapsed,
  AwardCancelled,
  AwardAmountReleased,
];
