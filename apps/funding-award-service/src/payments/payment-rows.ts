import { accepted, type Decision, type TrancheKind, type Versioned } from '@aap/contracts';
import { maskIban, type AwardState } from '../awards/award';

/**
 * The payments export, pure: one row per tranche released for payment (`_id` = tranche id), holding
 * what the State's accounting system needs — the legal commitment (engagement juridique), the budget
 * programme line, the beneficiary's SIRET and name, the IBAN reference (masked IBAN and the bank
 * details' id, never the whole IBAN), the amount, the tranche, the payment's reference and date.
 *
 * A row is merged from two facts that may be handled in either order or twice: `tranche.released`
 * (the bank details the money goes to, as released: a later change of bank details never rewrites
 * it) and `tranche.paid` (amount, reference, date). Each fact only fills fields, so the same fact
 * again, or an older one after a newer one, leaves the row as it is. The award's own fields (legal
 * commitment, programme line, beneficiary) are read from the award as stored when the fact is handled.
 */

export const PAYMENT_ROW_STATUSES = ['released', 'paid'] as const;

export interface PaymentRow extends Versioned {
  trancheId: string;
  awardId: string;
  callId: string;
  /** The dossier's number. */
  number: string;
  /** The beneficiary's SIRET (or SIREN): its organisation id. */
  organisationId: string;
  beneficiaryName: string | null;
  legalCommitment: string | null;
  budgetProgrammeLine: string | null;
  kind: TrancheKind;
  status: (typeof PAYMENT_ROW_STATUSES)[number];
  amountCents: number | null;
  bankDetailsId: string | null;
  /** Masked: country, check digits, last four characters. */
  iban: string | null;
  paymentReference: string | null;
  paidOn: string | null;
}

/** What one fact says of a tranche's payment. */
export interface PaymentFacts {
  trancheId: string;
  kind: TrancheKind;
  amountCents?: number;
  bankDetailsId?: string;
  iban?: string;
  paymentReference?: string;
  paidOn?: string;
}

/** The facts of a tranche as the award knows them now (its bank details only when they are still the ones it was released to). */
export function factsOfAward(award: AwardState, trancheId: string): PaymentFacts | null {
  const tranche = award.tranches.find((t) => t.trancheId === trancheId);
  if (!tranche) return null;
  const bank = tranche.bankDetailsId && award.bankDetails?.bankDetailsId === tranche.bankDetailsId ? award.bankDetails : undefined;
  return {
    trancheId,
    kind: tranche.kind,
    ...(tranche.status === 'paid' ? { amountCents: tranche.amountCents, paymentReference: tranche.paymentReference, paidOn: tranche.paidOn } : {}),
    ...(tranche.bankDetailsId ? { bankDetailsId: tranche.bankDetailsId } : {}),
    ...(bank ? { iban: maskIban(bank.iban) } : {}),
  };
}

type Filled = Pick<PaymentRow, 'amountCents' | 'bankDetailsId' | 'iban' | 'paymentReference' | 'paidOn'>;
const FILLED: readonly (keyof Filled)[] = ['amountCents', 'bankDetailsId', 'iban', 'paymentReference', 'paidOn'];

/**
 * The row with what `facts` say filled in (a field already filled keeps its value: the first fact
 * that named the bank details released to wins), the award's fields as stored now. Nothing happens
 * when that changes nothing.
 */
export function mergePayment(existing: PaymentRow | null, award: AwardState, facts: PaymentFacts): Decision<PaymentRow> {
  const filled = Object.fromEntries(FILLED.map((field) => [field, existing?.[field] ?? facts[field] ?? null])) as Filled;
  const next: PaymentRow = {
    trancheId: facts.trancheId,
    awardId: award.awardId,
    callId: award.callId,
    number: award.number,
    organisationId: award.organisationId,
    beneficiaryName: award.beneficiary?.name ?? existing?.beneficiaryName ?? null,
    legalCommitment: award.legalCommitment?.number ?? existing?.legalCommitment ?? null,
    budgetProgrammeLine: award.funding?.budgetProgrammeLine ?? existing?.budgetProgrammeLine ?? null,
    kind: facts.kind,
    ...filled,
    status: filled.paidOn ? 'paid' : 'released',
    version: existing?.version ?? 0,
  };
  if (existing && JSON.stringify({ ...existing, version: 0 }) === JSON.stringify({ ...next, version: 0 })) return accepted(existing);
  return accepted(next);
}

// ── The export's cells ──────────────────────────────────────────────────────────────────────────

/** Tranches as French accounting names them. */
export const TRANCHE_LABELS: Record<TrancheKind, string> = { advance: 'avance', interim: 'acompte', balance: 'solde' };

/** Whole cents as euros with two decimals and the French decimal mark, exact (no float): `600000` → `6000,00`. */
export function eurosOf(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.trunc(abs / 100)},${String(abs % 100).padStart(2, '0')}`;
}

/** The export's columns, in order: header, what the cell holds (amounts in cents, dates ISO) and how to read it from a row. */
export const PAYMENT_COLUMNS: ReadonlyArray<{ header: string; cell: 'text' | 'cents' | 'date'; value: (row: PaymentRow) => string | number | null }> = [
  { header: 'Engagement juridique', cell: 'text', value: (r) => r.legalCommitment },
  { header: 'Ligne budgétaire (programme)', cell: 'text', value: (r) => r.budgetProgrammeLine },
  { header: 'SIRET bénéficiaire', cell: 'text', value: (r) => r.organisationId },
  { header: 'Bénéficiaire', cell: 'text', value: (r) => r.beneficiaryName },
  { header: 'IBAN (masqué)', cell: 'text', value: (r) => r.iban },
  { header: 'Coordonnées bancaires (réf.)', cell: 'text', value: (r) => r.bankDetailsId },
  { header: 'Montant (€)', cell: 'cents', value: (r) => r.amountCents },
  { header: 'Tranche', cell: 'text', value: (r) => TRANCHE_LABELS[r.kind] },
  { header: 'Référence du paiement', cell: 'text', value: (r) => r.paymentReference },
  { header: 'Date de paiement', cell: 'date', value: (r) => r.paidOn },
  { header: 'Dossier', cell: 'text', value: (r) => r.number },
  { header: 'Tranche (id)', cell: 'text', value: (r) => r.trancheId },
];

/** Paid rows in the order accounting reads them: by payment date, then reference. */
export const byPaymentDate = (a: PaymentRow, b: PaymentRow): number =>
  (a.paidOn ?? '').localeCompare(b.paidOn ?? '') || (a.paymentReference ?? '').localeCompare(b.paymentReference ?? '') || a.trancheId.localeCompare(b.trancheId);
