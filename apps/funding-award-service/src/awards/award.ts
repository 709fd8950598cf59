import {
  accepted,
  applyBps,
  emit,
  refused,
  wrongStatus,
  AwardAmountReleased,
  AwardCancelled,
  AwardCompleted,
  AwardGranted,
  AwardLapsed,
  CANCELLATION_CAUSES,
  PAYMENT_SCHEDULE_LIMITS,
  type ApplicantKind,
  type AwardBeneficiary,
  type AwardFunding,
  type AwardProject,
  type AwardReference,
  type AwardSchedule,
  type Decision,
  type DossierReference,
  type Emitted,
  type TrancheKind,
  type Versioned,
  type Violation,
} from '@aap/contracts';

/**
 * The award, pure (no I/O): one aggregate per accepted dossier holding its agreement, bank details,
 * tranches and recovery orders, so every money rule (caps, four eyes, a tranche paid once) is decided
 * on one document and written with one guarded write. Use cases decide on it from their own folders
 * (`tranches/`, `bank-details/`, `agreements/`, `execution/`), each returning a `Decision<AwardState>`.
 *
 * granted → in-execution (start declared) → completed (balance settled); granted | in-execution →
 * lapsed (deadline missed) | cancelled. A dossier withdrawn before its acceptance was consumed leaves a
 * `withdrawn-before-grant` document (not an award: no route shows it) so that the acceptance, whenever
 * it comes, is granted and cancelled at once. Money in whole euro cents; the State never pays more than the
 * exact rate allows, so every computed amount rounds down.
 */

export const AWARD_STATUSES = ['granted', 'in-execution', 'completed', 'lapsed', 'cancelled', 'withdrawn-before-grant'] as const;
export type AwardStatus = (typeof AWARD_STATUSES)[number];

/** A tranche: asked by the beneficiary, validated by one finance officer, released by another, then paid. */
export const TRANCHE_STATUSES = ['requested', 'validated', 'refused', 'released', 'paid', 'settled', 'cancelled'] as const;
export type TrancheStatus = (typeof TRANCHE_STATUSES)[number];

export interface ExpenseLine {
  supplier: string;
  date: string;
  amountCents: number;
  category: string;
}

export interface Tranche {
  trancheId: string;
  kind: TrancheKind;
  status: TrancheStatus;
  amountCents: number;
  /** Interim: the statement's total; balance: the actual eligible expenses declared in the final report. */
  expensesCents?: number;
  expenseLines?: ExpenseLine[];
  /** Balance: the expenses the finance officer retained (≤ declared), which the amount is computed on. */
  retainedExpensesCents?: number;
  requestedBy: string;
  requestedAt: string;
  validatedBy?: string;
  validatedAt?: string;
  refusedBy?: string;
  refusedAt?: string;
  refusalReason?: string;
  releasedBy?: string;
  releasedAt?: string;
  /** The validated bank details the payment was released to (a later change never redirects it). */
  bankDetailsId?: string;
  paymentReference?: string;
  paidOn?: string;
}

export interface BankDetails {
  bankDetailsId: string;
  iban: string;
  bic: string;
  /** The account holder as the bank knows it (shown to finance, never published in events). */
  holder: string;
  ribAttachmentId?: string;
  submittedBy: string;
  submittedAt: string;
  validatedBy?: string;
  validatedAt?: string;
}

/** An IBAN without spaces, in capitals. */
export const normaliseIban = (iban: string): string => iban.replace(/\s+/g, '').toUpperCase();

/** An IBAN as shown to anyone, finance included: country and check digits, then only the last four characters. */
export function maskIban(iban: string): string {
  const value = normaliseIban(iban);
  return `${value.slice(0, 4)} **** ${value.slice(-4)}`;
}

export interface Agreement {
  sha256: string;
  issuedAt: string;
  signedBy?: string;
  signedAt?: string;
  countersignedBy?: string;
  countersignedAt?: string;
}

export interface RecoveryOrder {
  recoveryId: string;
  amountCents: number;
  dueOn: string;
  reason: string;
  orderedBy: string;
  orderedAt: string;
}

export interface AwardState extends AwardReference, Versioned {
  status: AwardStatus;
  grantCents: number;
  eligibleCostCents: number;
  schedule: AwardSchedule;
  beneficiaryKind?: ApplicantKind;
  /** Who receives the grant, from the dossier as submitted (the agreement's first party). */
  beneficiary?: { name: string; kind: ApplicantKind; organisationId: string };
  /** What the grant is for, from the dossier as submitted (the agreement's object). */
  project?: { title: string; startDate: string; endDate: string };
  /** The call it was granted on: title, programme and the State's budget programme line (from the call copy). */
  funding?: { callTitle: string; programme: string; budgetProgrammeLine?: string };
  /** The legal commitment (engagement juridique) number from the State's accounting system, recorded by finance before any release. */
  legalCommitment?: { number: string; recordedBy: string; recordedAt: string };
  notifiedAt: string;
  startDeadline: string;
  startExtended: boolean;
  startedOn?: string;
  completionDeadline?: string;
  agreement?: Agreement;
  /** The bank details payments go to, and a change waiting for a finance officer. */
  bankDetails?: BankDetails;
  pendingBankDetails?: BankDetails;
  /** Bank details ever submitted (numbers the next one). */
  bankDetailsSubmitted: number;
  tranches: Tranche[];
  recoveries: RecoveryOrder[];
  /** What will never be paid (lapse, cancellation, a balance below the grant): back to the call's envelope. */
  releasedCents: number;
  /** At completion: what the actual expenses entitle the beneficiary to (≤ grant). */
  dueCents?: number;
  closedAt?: string;
  cancellation?: { cause: CancellationCause; reason: string };
  /** The dossier's withdrawal (submission's `dossier.withdrawn`), kept so that an acceptance consumed after it is cancelled at once. */
  withdrawal?: { reason: string; at: string };
}

export type AwardDecision = Decision<AwardState>;
export type CancellationCause = (typeof CANCELLATION_CAUSES)[number];

/** Not an award yet: the dossier was withdrawn before its acceptance was consumed (no route shows it). */
export const isPreGrant = (award: AwardState): boolean => award.status === 'withdrawn-before-grant';

// ── Money ────────────────────────────────────────────────────────────────────────────────────────

/** floor(a × b ÷ c) on whole cents, exact also where the product exceeds 2^53 (BigInt only then). */
export function mulDivFloor(a: number, b: number, c: number): number {
  const product = a * b;
  if (Number.isSafeInteger(product)) return Math.floor(product / c);
  return Number((BigInt(a) * BigInt(b)) / BigInt(c));
}

/** What expenses entitle the beneficiary to: the exact rate (grant ÷ eligible cost) × expenses, rounded down, capped at the grant. */
export const dueOnExpenses = (award: Pick<AwardState, 'grantCents' | 'eligibleCostCents'>, expensesCents: number): number =>
  Math.min(award.grantCents, mulDivFloor(expensesCents, award.grantCents, award.eligibleCostCents));

/** The effective rate in basis points, rounded down (display only: amounts use the exact ratio). */
export const effectiveRateBps = (grantCents: number, eligibleCostCents: number): number => mulDivFloor(grantCents, 10_000, eligibleCostCents);

export const advanceCapCents = (award: AwardState): number => applyBps(award.grantCents, award.schedule.advanceBps);
/** The cap of the advance and the interim payments together. */
export const interimCapCents = (award: AwardState): number => applyBps(award.grantCents, award.schedule.interimCapBps);

const sumOf = (tranches: readonly Tranche[]) => tranches.reduce((sum, t) => sum + t.amountCents, 0);

/** Tranches that still count: neither refused nor cancelled. */
export const liveTranches = (award: AwardState): Tranche[] => award.tranches.filter((t) => t.status !== 'refused' && t.status !== 'cancelled');
export const paidCents = (award: AwardState): number => sumOf(award.tranches.filter((t) => t.status === 'paid'));
export const recoveredCents = (award: AwardState): number => award.recoveries.reduce((sum, r) => sum + r.amountCents, 0);
/** What is still committed: neither paid nor released. */
export const outstandingCents = (award: AwardState): number => award.grantCents - paidCents(award) - award.releasedCents;
/** Advance and interim payments asked, validated, released or paid: what counts against the interim cap. */
export const beforeBalanceCents = (award: AwardState): number => sumOf(liveTranches(award).filter((t) => t.kind !== 'balance'));

// ── Dates ────────────────────────────────────────────────────────────────────────────────────────

const PARIS_DATE = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris' });
/** The calendar date (YYYY-MM-DD) of an instant in France: deadlines are dates there. */
export const dateIn = (now: Date): string => PARIS_DATE.format(now);

/** `date` plus `months`, the day kept or clamped to the month's last (31 Jan + 1 month = 28/29 Feb). */
export function addMonths(date: string, months: number): string {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  const target = new Date(Date.UTC(year, month - 1 + months, 1));
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(day, lastDay));
  return target.toISOString().slice(0, 10);
}

/** `date` plus `days` (YYYY-MM-DD). */
export const addDays = (date: string, days: number): string => new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

/**
 * The lapse waiting for an award if nothing happens first (décret 2018-514 art. 11): not started by
 * its start deadline, or started and its balance not asked by its completion deadline; `day` is the
 * first day it has lapsed (the day after the deadline; for a balance refused after the deadline, the
 * day of the refusal). None once the award is closed, or while its balance is asked.
 */
export function pendingLapse(award: AwardState): { reason: 'not-started' | 'not-completed'; deadline: string; day: string } | undefined {
  if (award.status === 'granted') return { reason: 'not-started', deadline: award.startDeadline, day: addDays(award.startDeadline, 1) };
  if (award.status !== 'in-execution' || !award.completionDeadline) return undefined;
  if (liveTranches(award).some((t) => t.kind === 'balance')) return undefined;
  const refusals = award.tranches.filter((t) => t.kind === 'balance' && t.refusedAt).map((t) => dateIn(new Date(t.refusedAt!)));
  const day = [addDays(award.completionDeadline, 1), ...refusals].sort().at(-1)!;
  return { reason: 'not-completed', deadline: award.completionDeadline, day };
}

// ── Schedule ─────────────────────────────────────────────────────────────────────────────────────

/** What a call says of payments (`callRules.paymentSchedule`), when the award knows it. */
export interface CallPaymentSchedule {
  advanceBps: number;
  interimCapBps: number;
  completionWithinMonths?: number;
}

/**
 * The award's schedule: the call's settings within the legal ceilings, the legal defaults where the
 * call says nothing. A project planned over more than 48 months gets the décret's ten more points on
 * the interim cap (80 % → 90 %).
 */
export function scheduleOf(call?: CallPaymentSchedule): AwardSchedule {
  const limits = PAYMENT_SCHEDULE_LIMITS;
  const completionWithinMonths = call?.completionWithinMonths ?? limits.completionWithinMonths;
  const long = completionWithinMonths > limits.longProjectMonths;
  const interimCeiling = long ? limits.maxInterimCapLongProjectBps : limits.maxInterimCapBps;
  const callInterimCap = call?.interimCapBps ?? limits.maxInterimCapBps;
  return {
    advanceBps: Math.min(call?.advanceBps ?? limits.maxAdvanceBps, limits.maxAdvanceBps),
    interimCapBps: Math.min(long ? callInterimCap + 1_000 : callInterimCap, interimCeiling),
    startWithinMonths: limits.startWithinMonths,
    completionWithinMonths,
  };
}

// ── Shared pieces of decisions ──────────────────────────────────────────────────────────────────

export const referenceOf = (award: AwardState): AwardReference => ({
  awardId: award.awardId,
  dossierId: award.dossierId,
  number: award.number,
  callId: award.callId,
  waveId: award.waveId,
  organisationId: award.organisationId,
});

/** The common part of every event of this award: its reference and the instant. */
export const factOf = (award: AwardState, now: Date) => ({ ...referenceOf(award), at: now.toISOString() });

export const isOpen = (award: AwardState): boolean => award.status === 'granted' || award.status === 'in-execution';

/** The decision of `then()` on an award still open (granted or in execution), else wrong status (409). */
export function whileOpen(award: AwardState, action: string, then: () => AwardDecision): AwardDecision {
  if (!isOpen(award)) return wrongStatus(award.status, `award ${award.awardId} is ${award.status}: it can no longer be ${action}`);
  return then();
}

export const violation = (name: string, detail: string, pointer?: string): Violation => ({ name, detail, ...(pointer ? { pointer } : {}) });

/** A positive whole number of cents, or the violation naming the field. */
export function amountViolations(amountCents: number, pointer: string): Violation[] {
  return Number.isSafeInteger(amountCents) && amountCents > 0 ? [] : [violation('amount-positive', `an amount is a positive whole number of cents; got ${amountCents}`, pointer)];
}

/** Loi 2000-321 art. 10: an association granted more than 23 000 € a year is paid only under a signed agreement. */
export const ASSOCIATION_AGREEMENT_THRESHOLD_CENTS = 2_300_000;

/**
 * Whether payments wait for the agreement signed by both parties. The annual amount is counted as the
 * whole grant (how it spreads over the years is not known here), and a beneficiary whose kind is
 * unknown is treated as an association: public money errs on the side of the agreement.
 */
export const agreementRequired = (award: AwardState): boolean =>
  (award.beneficiaryKind === undefined || award.beneficiaryKind === 'association') && award.grantCents > ASSOCIATION_AGREEMENT_THRESHOLD_CENTS;

export const agreementBinding = (award: AwardState): boolean => award.agreement?.countersignedAt !== undefined;

/**
 * Closes an award: tranches not yet paid are cancelled (nothing more is paid), and whatever of the
 * grant was not paid is released back to the call's envelope with `award.amount-released`.
 */
export function closeAward(
  award: AwardState,
  status: 'completed' | 'lapsed' | 'cancelled',
  cause: 'completion' | 'lapse' | 'cancellation',
  now: Date,
  facts: Emitted[],
  cancellationCause?: CancellationCause,
): AwardState & { events: Emitted[] } {
  const tranches = award.tranches.map((t) => (t.status === 'requested' || t.status === 'validated' || t.status === 'released' ? { ...t, status: 'cancelled' as const } : t));
  const closed: AwardState = { ...award, status, tranches, closedAt: now.toISOString() };
  const release = award.grantCents - paidCents(closed) - award.releasedCents;
  const events = [...facts];
  if (release > 0) events.push(emit(AwardAmountReleased, { ...factOf(award, now), amountCents: release, cause, ...(cancellationCause ? { cancellationCause } : {}) }));
  return { ...closed, releasedCents: award.releasedCents + release, events };
}

const decided = ({ events, ...state }: AwardState & { events: Emitted[] }): AwardDecision => accepted(state, ...events);

// ── Decisions of the award itself ───────────────────────────────────────────────────────────────

/** An award is its dossier's: one per accepted dossier, under the dossier's id, so every event about the dossier finds it. */
export const awardIdOf = (dossierId: string): string => dossierId;

export interface GrantAward {
  awardId: string;
  dossier: DossierReference;
  grantCents: number;
  eligibleCostCents: number;
  /** The beneficiary's kind; the beneficiary's own when absent. */
  beneficiaryKind?: ApplicantKind;
  /** From the dossier as submitted and the call (the service's copies of them); absent on awards granted before. */
  beneficiary?: AwardBeneficiary;
  project?: AwardProject;
  funding?: AwardFunding;
  /** The call's payment schedule when known; the legal defaults otherwise. */
  callSchedule?: CallPaymentSchedule;
  /** The instant the beneficiary was notified of the grant (the acceptance). */
  notifiedAt: string;
}

/**
 * An accepted dossier becomes an award. Deciding it again on the award it created changes nothing
 * (a redelivered acceptance); see `grantOnExisting` for the acceptances that find another document.
 */
export function grantAward(existing: AwardState | null, command: GrantAward, now: Date): AwardDecision {
  if (existing) return grantOnExisting(existing, command, now);
  const { grantCents, eligibleCostCents } = command;
  const violations = [...amountViolations(grantCents, '#/grantCents'), ...amountViolations(eligibleCostCents, '#/eligibleCostCents')];
  if (violations.length === 0 && grantCents > eligibleCostCents) {
    violations.push(violation('grant-within-cost', `the grant (${grantCents} cents) may not exceed the eligible cost (${eligibleCostCents} cents; décret 2018-514 art. 10)`, '#/grantCents'));
  }
  const beneficiaryId = command.beneficiary?.organisationId;
  if (beneficiaryId !== undefined && beneficiaryId !== command.dossier.organisationId) {
    violations.push(violation('beneficiary-is-applicant', `the grant goes to the dossier's applicant ${command.dossier.organisationId}, not to ${beneficiaryId}`, '#/beneficiary/organisationId'));
  }
  if (violations.length) return refused(violations);
  const schedule = scheduleOf(command.callSchedule);
  const startDeadline = addMonths(dateIn(new Date(command.notifiedAt)), schedule.startWithinMonths);
  const beneficiaryKind = command.beneficiaryKind ?? command.beneficiary?.kind;
  const { beneficiary, project, funding } = command;
  const described = { ...(beneficiary ? { beneficiary } : {}), ...(project ? { project } : {}), ...(funding ? { funding } : {}) };
  const award: AwardState = {
    awardId: command.awardId,
    ...command.dossier,
    status: 'granted',
    grantCents,
    eligibleCostCents,
    schedule,
    ...(beneficiaryKind ? { beneficiaryKind } : {}),
    ...described,
    notifiedAt: command.notifiedAt,
    startDeadline,
    startExtended: false,
    bankDetailsSubmitted: 0,
    tranches: [],
    recoveries: [],
    releasedCents: 0,
    version: 0,
  };
  return accepted(
    award,
    emit(AwardGranted, {
      ...factOf(award, now),
      grantCents,
      eligibleCostCents,
      effectiveRateBps: effectiveRateBps(grantCents, eligibleCostCents),
      schedule,
      notifiedAt: command.notifiedAt,
      startDeadline,
      ...(beneficiaryKind ? { beneficiaryKind } : {}),
      ...described,
    }),
  );
}

/**
 * An acceptance that finds a document under its award id. A redelivered acceptance (or the same
 * acceptance under another event id) changes nothing, except in two cases:
 * - the dossier was withdrawn first (the withdrawal consumed before the acceptance, or after a reopened
 *   decision): the award is granted and cancelled in the same write, its whole grant released, so that
 *   nothing can ever be requested, released or paid on it;
 * - the committee reopened its decision (the award cancelled) and accepted the dossier again (an
 *   acceptance later than the award's): the award is granted anew on its document, the tranches of the
 *   cancelled grant kept for the record (their ids are never reused); refused if anything was paid.
 */
function grantOnExisting(existing: AwardState, command: GrantAward, now: Date): AwardDecision {
  const reaccepted = existing.cancellation?.cause === 'decision-reopened' && command.notifiedAt > existing.notifiedAt;
  if (!isPreGrant(existing) && !reaccepted) return accepted(existing);
  if (paidCents(existing) > 0) {
    return refused([violation('nothing-paid-before-reopening', `award ${existing.awardId} was paid ${paidCents(existing)} cents before its decision was reopened: settle them (a recovery order) before a new grant`)]);
  }
  const granted = grantAward(null, command, now);
  if (granted.outcome !== 'accepted') return granted;
  const { bankDetails, pendingBankDetails, bankDetailsSubmitted, tranches, withdrawal } = existing;
  const award: AwardState = { ...granted.state, bankDetailsSubmitted, tranches, ...(bankDetails ? { bankDetails } : {}), ...(pendingBankDetails ? { pendingBankDetails } : {}), version: existing.version };
  if (!withdrawal) return accepted(award, ...granted.events);
  const cancelled = cancelAward({ ...award, withdrawal }, { cause: 'dossier-withdrawn', reason: withdrawal.reason }, now);
  return cancelled.outcome === 'accepted' ? accepted(cancelled.state, ...granted.events, ...cancelled.events) : cancelled;
}

/** A withdrawn, renounced or reopened dossier cancels its award: nothing more is paid, the unpaid amount is released. */
export function cancelAward(award: AwardState, command: { cause: CancellationCause; reason: string }, now: Date): AwardDecision {
  if (award.status === 'cancelled') return accepted(award);
  return whileOpen(award, 'cancelled', () => {
    const reason = command.reason.trim();
    if (!reason) return refused([violation('reason-required', 'say why the award is cancelled', '#/reason')]);
    const cancelled = closeAward(award, 'cancelled', 'cancellation', now, [emit(AwardCancelled, { ...factOf(award, now), reason, cause: command.cause })], command.cause);
    return decided({ ...cancelled, cancellation: { cause: command.cause, reason } });
  });
}

/** The award completes on its settled balance: `dueCents` is what the actual expenses entitle the beneficiary to. */
export function completeAward(award: AwardState, dueCents: number, now: Date, facts: Emitted[] = []): AwardDecision {
  const paid = paidCents(award);
  const completed = closeAward(award, 'completed', 'completion', now, [
    ...facts,
    emit(AwardCompleted, { ...factOf(award, now), dueCents, paidCents: paid, recoveredCents: recoveredCents(award) }),
  ]);
  return decided({ ...completed, dueCents });
}

/** The award lapses (caducité) for a missed deadline: nothing more is paid, the unpaid amount is released. */
export function lapseAward(award: AwardState, reason: 'not-started' | 'not-completed', deadline: string, now: Date): AwardDecision {
  return decided(closeAward(award, 'lapsed', 'lapse', now, [emit(AwardLapsed, { ...factOf(award, now), reason, deadline })]));
}
