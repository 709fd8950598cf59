import type { TrancheKind } from '@aap/contracts';
import { maskIban, type AwardState, type TrancheStatus } from '../awards/award';

/**
 * What the finance queues hold of an award, pure: one row per tranche (its status says which queue it
 * is in: `requested` waits for validation, `validated` for release) and one row per award for the bank
 * details waiting for validation (`pending`, or `none`). Rows are rebuilt from the whole award each
 * time, so applying an award twice, or an older one after a newer one (refused by `awardVersion`),
 * never leaves a row behind.
 */

export const TRANCHE_QUEUES = ['requested', 'validated'] as const satisfies readonly TrancheStatus[];
/** A row per award: a change waits for validation, or none does. */
export const BANK_DETAILS_STATES = ['pending', 'none'] as const;
export const BANK_DETAILS_QUEUES = ['pending'] as const satisfies readonly (typeof BANK_DETAILS_STATES)[number][];

export interface TrancheRow {
  _id: string;
  awardId: string;
  number: string;
  callId: string;
  organisationId: string;
  kind: TrancheKind;
  status: TrancheStatus;
  amountCents: number;
  expensesCents: number | null;
  requestedAt: string;
  validatedBy: string | null;
  validatedAt: string | null;
  awardVersion: number;
}

export interface BankDetailsRow {
  _id: string;
  number: string;
  callId: string;
  organisationId: string;
  status: (typeof BANK_DETAILS_STATES)[number];
  /** The change waiting (IBAN masked), null when none waits. */
  pending: { bankDetailsId: string; iban: string; bic: string; holder: string; submittedBy: string; submittedAt: string } | null;
  /** The masked IBAN payments go to now, when there is one: what the change would replace. */
  currentIban: string | null;
  awardVersion: number;
}

export function trancheRowsOf(award: AwardState): TrancheRow[] {
  return award.tranches.map((t) => ({
    _id: t.trancheId,
    awardId: award.awardId,
    number: award.number,
    callId: award.callId,
    organisationId: award.organisationId,
    kind: t.kind,
    status: t.status,
    amountCents: t.amountCents,
    expensesCents: t.expensesCents ?? null,
    requestedAt: t.requestedAt,
    validatedBy: t.validatedBy ?? null,
    validatedAt: t.validatedAt ?? null,
    awardVersion: award.version,
  }));
}

export function bankDetailsRowOf(award: AwardState): BankDetailsRow {
  const pending = award.pendingBankDetails;
  return {
    _id: award.awardId,
    number: award.number,
    callId: award.callId,
    organisationId: award.organisationId,
    status: pending ? 'pending' : 'none',
    pending: pending
      ? { bankDetailsId: pending.bankDetailsId, iban: maskIban(pending.iban), bic: pending.bic, holder: pending.holder, submittedBy: pending.submittedBy, submittedAt: pending.submittedAt }
      : null,
    currentIban: award.bankDetails ? maskIban(award.bankDetails.iban) : null,
    awardVersion: award.version,
  };
}
