import {
  accepted,
  emit,
  refused,
  wrongStatus,
  AwardRecoveryOrdered,
  TranchePaid,
  TrancheRefused,
  TrancheReleased,
  TrancheRequested,
  TrancheValidated,
  type Emitted,
  type Violation,
} from '@aap/contracts';
import {
  advanceCapCents,
  agreementBinding,
  agreementRequired,
  amountViolations,
  beforeBalanceCents,
  completeAward,
  dateIn,
  dueOnExpenses,
  factOf,
  interimCapCents,
  liveTranches,
  maskIban,
  paidCents,
  recoveredCents,
  violation,
  whileOpen,
  type AwardDecision,
  type AwardState,
  type ExpenseLine,
  type RecoveryOrder,
  type Tranche,
} from '../awards/award';

/**
 * Tranches of an award (décret 2018-514 art. 12), pure: the beneficiary asks for the advance (on
 * the declared start of execution), interim payments (on expense statements) and the balance (on
 * the final report); one finance officer validates or refuses, ANOTHER releases (four eyes) to the
 * validated bank details, and the payment is recorded once. A negative balance is a recovery order.
 *
 * requested → validated → released → paid; requested | validated → refused; a balance with nothing
 * left to pay is settled at validation. Closing the award cancels what is not paid.
 */

const nextTrancheId = (award: AwardState) => `${award.awardId}-T${award.tranches.length + 1}`;

function trancheOf(award: AwardState, trancheId: string): Tranche | undefined {
  return award.tranches.find((t) => t.trancheId === trancheId);
}

const withTranche = (award: AwardState, tranche: Tranche): AwardState => ({
  ...award,
  tranches: award.tranches.some((t) => t.trancheId === tranche.trancheId) ? award.tranches.map((t) => (t.trancheId === tranche.trancheId ? tranche : t)) : [...award.tranches, tranche],
});

const trancheFact = (award: AwardState, tranche: Tranche, now: Date) => ({ ...factOf(award, now), trancheId: tranche.trancheId, kind: tranche.kind });

/** The tranche `trancheId` when it exists, else 404-like wrong status; on an award still open. */
function onTranche(award: AwardState, trancheId: string, action: string, then: (tranche: Tranche) => AwardDecision): AwardDecision {
  const tranche = trancheOf(award, trancheId);
  if (!tranche) return refused([violation('tranche-exists', `award ${award.awardId} has no tranche ${trancheId}`, '#/trancheId')]);
  if (tranche.status === 'cancelled') return wrongStatus('cancelled', `tranche ${trancheId} was cancelled with its award: it can no longer be ${action}`);
  return whileOpen(award, action, () => then(tranche));
}

const executionViolations = (award: AwardState): Violation[] =>
  award.status === 'in-execution' ? [] : [violation('execution-started', `the start of execution of award ${award.awardId} has not been declared: no tranche before it`)];

const balanceAskedViolations = (award: AwardState): Violation[] =>
  liveTranches(award).some((t) => t.kind === 'balance') ? [violation('balance-requested', 'the balance has been asked: no other tranche after it')] : [];

/** The advance and interim payments together stay within the schedule's cap (it includes the advance). */
function interimCapViolations(award: AwardState, amountCents: number): Violation[] {
  const cap = interimCapCents(award);
  const before = beforeBalanceCents(award);
  if (before + amountCents <= cap) return [];
  return [
    violation(
      'interim-cap',
      `the advance and interim payments may total at most ${award.schedule.interimCapBps / 100} % of the grant (${cap} cents; décret 2018-514 art. 12): ${before} cents already asked, ${amountCents} more asked`,
      '#/amountCents',
    ),
  ];
}

function request(award: AwardState, tranche: Omit<Tranche, 'trancheId' | 'status' | 'requestedAt'>, now: Date): AwardDecision {
  const requested: Tranche = { ...tranche, trancheId: nextTrancheId(award), status: 'requested', requestedAt: now.toISOString() };
  return accepted(
    withTranche(award, requested),
    emit(TrancheRequested, {
      ...trancheFact(award, requested, now),
      amountCents: requested.amountCents,
      ...(requested.expensesCents !== undefined ? { expensesCents: requested.expensesCents } : {}),
      requestedBy: requested.requestedBy,
    }),
  );
}

/** The advance: at most the schedule's share of the grant (≤ 30 %), once, after the declared start; the whole cap when no amount is given. */
export function requestAdvance(award: AwardState, command: { amountCents?: number; by: string }, now: Date): AwardDecision {
  return whileOpen(award, 'paid an advance', () => {
    const cap = advanceCapCents(award);
    const amountCents = command.amountCents ?? cap;
    const violations = [...executionViolations(award), ...amountViolations(amountCents, '#/amountCents'), ...balanceAskedViolations(award)];
    if (liveTranches(award).some((t) => t.kind === 'advance')) violations.push(violation('single-advance', 'an award has one advance, and it has been asked'));
    if (amountCents > cap) {
      violations.push(violation('advance-cap', `the advance may be at most ${award.schedule.advanceBps / 100} % of the grant (${cap} cents; décret 2018-514 art. 12); ${amountCents} cents asked`, '#/amountCents'));
    }
    violations.push(...interimCapViolations(award, amountCents));
    if (violations.length) return refused(violations);
    return request(award, { kind: 'advance', amountCents, requestedBy: command.by }, now);
  });
}

/**
 * An interim payment on an expense statement: at most the exact rate × the expenses stated so far,
 * less what the advance and earlier interim payments already cover, and within the cumulated cap.
 */
export function requestInterim(award: AwardState, command: { amountCents: number; expenses: ExpenseLine[]; by: string }, now: Date): AwardDecision {
  return whileOpen(award, 'paid an interim payment', () => {
    const violations = [...executionViolations(award), ...amountViolations(command.amountCents, '#/amountCents'), ...balanceAskedViolations(award)];
    if (command.expenses.length === 0) violations.push(violation('expenses-required', 'an interim payment is asked on an expense statement with at least one line', '#/expenses'));
    command.expenses.forEach((line, i) => violations.push(...amountViolations(line.amountCents, `#/expenses/${i}/amountCents`)));
    if (violations.length) return refused(violations);
    const expensesCents = command.expenses.reduce((sum, line) => sum + line.amountCents, 0);
    const statedBefore = liveTranches(award).filter((t) => t.kind === 'interim').reduce((sum, t) => sum + (t.expensesCents ?? 0), 0);
    const justified = dueOnExpenses(award, statedBefore + expensesCents);
    const before = beforeBalanceCents(award);
    if (before + command.amountCents > justified) {
      violations.push(
        violation(
          'interim-within-expenses',
          `the expenses stated (${statedBefore + expensesCents} cents in all) justify ${justified} cents at the award's rate; ${before} cents already asked, ${command.amountCents} more asked`,
          '#/amountCents',
        ),
      );
    }
    violations.push(...interimCapViolations(award, command.amountCents));
    if (violations.length) return refused(violations);
    return request(award, { kind: 'interim', amountCents: command.amountCents, expensesCents, expenseLines: command.expenses, requestedBy: command.by }, now);
  });
}

/**
 * What the retained expenses leave: what they entitle to (exact rate, capped at the grant), the rest
 * to pay on it, and what was paid beyond it and not yet ordered back (a recovery order).
 */
export function balanceOf(award: AwardState, expensesCents: number): { dueCents: number; toPayCents: number; toRecoverCents: number } {
  const dueCents = dueOnExpenses(award, expensesCents);
  const paid = paidCents(award);
  return { dueCents, toPayCents: Math.max(0, dueCents - paid), toRecoverCents: Math.max(0, paid - recoveredCents(award) - dueCents) };
}

/** The balance on the final report, once every other tranche is paid or refused. */
export function requestBalance(award: AwardState, command: { actualEligibleExpensesCents: number; by: string }, now: Date): AwardDecision {
  return whileOpen(award, 'paid its balance', () => {
    const expensesCents = command.actualEligibleExpensesCents;
    const violations = [...executionViolations(award), ...balanceAskedViolations(award)];
    if (!Number.isSafeInteger(expensesCents) || expensesCents < 0) {
      violations.push(violation('expenses-amount', `actual eligible expenses are a whole number of cents ≥ 0; got ${expensesCents}`, '#/actualEligibleExpensesCents'));
    }
    const unsettled = award.tranches.filter((t) => t.status === 'requested' || t.status === 'validated' || t.status === 'released').map((t) => t.trancheId);
    if (unsettled.length) violations.push(violation('tranches-settled', `the balance comes after every other tranche is paid or refused; still open: ${unsettled.join(', ')}`));
    if (violations.length) return refused(violations);
    return request(award, { kind: 'balance', amountCents: balanceOf(award, expensesCents).toPayCents, expensesCents, requestedBy: command.by }, now);
  });
}

/** Today plus `days`, as a date: when a recovery order falls due. */
const RECOVERY_DUE_DAYS = 30;
const dueDate = (now: Date, days: number) => new Date(now.getTime() + days * 86_400_000).toISOString().slice(0, 10);

function recoveryOrder(award: AwardState, command: { amountCents: number; dueOn: string; reason: string; by: string }, now: Date): { award: AwardState; event: Emitted } {
  const order: RecoveryOrder = {
    recoveryId: `${award.awardId}-R${award.recoveries.length + 1}`,
    amountCents: command.amountCents,
    dueOn: command.dueOn,
    reason: command.reason,
    orderedBy: command.by,
    orderedAt: now.toISOString(),
  };
  return {
    award: { ...award, recoveries: [...award.recoveries, order] },
    event: emit(AwardRecoveryOrdered, { ...factOf(award, now), recoveryId: order.recoveryId, amountCents: order.amountCents, dueOn: order.dueOn, reason: order.reason }),
  };
}

/**
 * A finance officer validates a requested tranche. For the balance, on the expenses it retains
 * (≤ those declared): a positive balance waits for its release; otherwise it is settled at once, the
 * award completes and what was paid beyond what is due becomes a recovery order.
 */
export function validateTranche(award: AwardState, command: { trancheId: string; by: string; retainedExpensesCents?: number }, now: Date): AwardDecision {
  return onTranche(award, command.trancheId, 'validated', (tranche) => {
    if (tranche.status === 'validated' && tranche.validatedBy === command.by) return accepted(award);
    if (tranche.status !== 'requested') return wrongStatus(tranche.status, `tranche ${tranche.trancheId} is ${tranche.status}: only a requested tranche can be validated`);
    const validated = { ...tranche, status: 'validated' as const, validatedBy: command.by, validatedAt: now.toISOString() };
    if (tranche.kind !== 'balance') {
      return accepted(withTranche(award, validated), emit(TrancheValidated, { ...trancheFact(award, tranche, now), amountCents: tranche.amountCents, validatedBy: command.by }));
    }
    const declared = tranche.expensesCents ?? 0;
    const retained = command.retainedExpensesCents ?? declared;
    if (!Number.isSafeInteger(retained) || retained < 0 || retained > declared) {
      return refused([violation('retained-within-declared', `the retained expenses are a whole number of cents between 0 and the ${declared} cents declared; got ${retained}`, '#/retainedExpensesCents')]);
    }
    const { dueCents, toPayCents, toRecoverCents } = balanceOf(award, retained);
    const event = emit(TrancheValidated, { ...trancheFact(award, tranche, now), amountCents: toPayCents, validatedBy: command.by });
    if (toPayCents > 0) return accepted(withTranche(award, { ...validated, amountCents: toPayCents, retainedExpensesCents: retained }), event);
    let settled = withTranche(award, { ...validated, status: 'settled', amountCents: 0, retainedExpensesCents: retained });
    const facts: Emitted[] = [event];
    if (toRecoverCents > 0) {
      const recovery = recoveryOrder(settled, { amountCents: toRecoverCents, dueOn: dueDate(now, RECOVERY_DUE_DAYS), reason: `balance: ${dueCents} cents due on the actual expenses, ${paidCents(award)} cents paid`, by: command.by }, now);
      settled = recovery.award;
      facts.push(recovery.event);
    }
    return completeAward(settled, dueCents, now, facts);
  });
}

/** A finance officer refuses a tranche not yet released, with a reason; it no longer counts against the caps. */
export function refuseTranche(award: AwardState, command: { trancheId: string; reason: string; by: string }, now: Date): AwardDecision {
  return onTranche(award, command.trancheId, 'refused', (tranche) => {
    if (tranche.status === 'refused') return accepted(award);
    if (tranche.status !== 'requested' && tranche.status !== 'validated') return wrongStatus(tranche.status, `tranche ${tranche.trancheId} is ${tranche.status}: only a requested or validated tranche can be refused`);
    const reason = command.reason.trim();
    if (!reason) return refused([violation('reason-required', 'say why the tranche is refused', '#/reason')]);
    return accepted(
      withTranche(award, { ...tranche, status: 'refused', refusedBy: command.by, refusedAt: now.toISOString(), refusalReason: reason }),
      emit(TrancheRefused, { ...trancheFact(award, tranche, now), reason, refusedBy: command.by }),
    );
  });
}

/** What must hold before money leaves: four eyes, the legal commitment, validated bank details and no change waiting, the agreement where the law asks for it. */
function releaseViolations(award: AwardState, tranche: Tranche, by: string): Violation[] {
  const violations: Violation[] = [];
  if (tranche.validatedBy === by) violations.push(violation('four-eyes', `${by} validated tranche ${tranche.trancheId}: another finance officer releases it`));
  if (!award.legalCommitment) violations.push(violation('legal-commitment-recorded', 'no legal commitment (engagement juridique) is recorded for this award: finance records its Chorus number first'));
  if (!award.bankDetails) violations.push(violation('bank-details-validated', 'the beneficiary has no validated bank details yet'));
  if (award.pendingBankDetails) violations.push(violation('bank-details-pending', 'a change of bank details waits for validation: no payment until a finance officer decides on it'));
  if (agreementRequired(award) && !agreementBinding(award)) {
    violations.push(violation('agreement-signed', 'an association granted more than 23 000 € a year is paid only under an agreement signed by both parties (loi 2000-321 art. 10)'));
  }
  return violations;
}

/** A second finance officer releases a validated tranche to the validated bank details; releasing it again changes nothing. */
export function releaseTranche(award: AwardState, command: { trancheId: string; by: string }, now: Date): AwardDecision {
  return onTranche(award, command.trancheId, 'released', (tranche) => {
    if (tranche.status === 'released' || tranche.status === 'paid') return accepted(award);
    if (tranche.status !== 'validated') return wrongStatus(tranche.status, `tranche ${tranche.trancheId} is ${tranche.status}: only a validated tranche can be released`);
    const violations = releaseViolations(award, tranche, command.by);
    if (violations.length) return refused(violations);
    const bank = award.bankDetails!;
    return accepted(
      withTranche(award, { ...tranche, status: 'released', releasedBy: command.by, releasedAt: now.toISOString(), bankDetailsId: bank.bankDetailsId }),
      emit(TrancheReleased, { ...trancheFact(award, tranche, now), amountCents: tranche.amountCents, releasedBy: command.by, bankDetailsId: bank.bankDetailsId, iban: maskIban(bank.iban) }),
    );
  });
}

/**
 * The payment of a released tranche, recorded once: the same payment recorded again changes nothing,
 * another one is refused (`paid-once`). The balance's payment completes the award.
 */
export function recordPayment(award: AwardState, command: { trancheId: string; paymentReference: string; paidOn: string; by: string }, now: Date): AwardDecision {
  const tranche = trancheOf(award, command.trancheId);
  if (tranche?.status === 'paid') {
    if (tranche.paymentReference === command.paymentReference) return accepted(award);
    return refused([violation('paid-once', `tranche ${tranche.trancheId} was paid on ${tranche.paidOn} (reference ${tranche.paymentReference}): a tranche is paid once`)]);
  }
  return onTranche(award, command.trancheId, 'paid', (open) => {
    if (open.status !== 'released') return wrongStatus(open.status, `tranche ${open.trancheId} is ${open.status}: only a released tranche is paid`);
    const reference = command.paymentReference.trim();
    if (!reference) return refused([violation('payment-reference', 'a payment is recorded with its reference', '#/paymentReference')]);
    const paid = withTranche(award, { ...open, status: 'paid', paymentReference: reference, paidOn: command.paidOn });
    const event = emit(TranchePaid, { ...trancheFact(award, open, now), amountCents: open.amountCents, paymentReference: reference, paidOn: command.paidOn });
    if (open.kind !== 'balance') return accepted(paid, event);
    return completeAward(paid, dueOnExpenses(award, open.retainedExpensesCents ?? open.expensesCents ?? 0), now, [event]);
  });
}

/** A recovery order (titre de perception) asks back at most what was paid and not yet asked back; any status. */
export function orderRecovery(award: AwardState, command: { amountCents: number; dueOn: string; reason: string; by: string }, now: Date): AwardDecision {
  const violations = amountViolations(command.amountCents, '#/amountCents');
  const reason = command.reason.trim();
  if (!reason) violations.push(violation('reason-required', 'say why the money is asked back', '#/reason'));
  if (command.dueOn < dateIn(now)) violations.push(violation('due-not-past', `the due date (${command.dueOn}) cannot be before today (${dateIn(now)})`, '#/dueOn'));
  const recoverable = paidCents(award) - recoveredCents(award);
  if (command.amountCents > recoverable) {
    violations.push(violation('recovery-within-paid', `at most ${recoverable} cents can be asked back (paid and not yet ordered back); ${command.amountCents} cents asked`, '#/amountCents'));
  }
  if (violations.length) return refused(violations);
  const { award: next, event } = recoveryOrder(award, { ...command, reason }, now);
  return accepted(next, event);
}
