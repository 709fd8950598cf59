/** French formatting of amounts and dates in messages (Europe/Paris, as applicants read them). */

const euros = new Intl.NumberFormat('fr-FR', { style: 'currency', currency: 'EUR' });
const dateTime = new Intl.DateTimeFormat('fr-FR', { dateStyle: 'long', timeStyle: 'short', timeZone: 'Europe/Paris' });
const dateOnly = new Intl.DateTimeFormat('fr-FR', { dateStyle: 'long', timeZone: 'UTC' });

/** Whole euro cents → "150 000,00 €" (narrow no-break spaces normalised to plain spaces for mail clients). */
export function formatCents(cents: number): string {
  return euros.format(cents / 100).replace(/[\u202f\u00a0]/g, ' ');
}

const percent = new Intl.NumberFormat('fr-FR', { style: 'percent', maximumFractionDigits: 2 });

/** Basis points → "50 %", "37,5 %". */
export function formatRate(basisPoints: number): string {
  return percent.format(basisPoints / 10_000).replace(/[\u202f\u00a0]/g, ' ');
}

/** An ISO instant → "31 mars 2026 à 23:59" (Paris time). */
export function formatDateTime(iso: string): string {
  return dateTime.format(new Date(iso)).replace(/[\u202f\u00a0]/g, ' ');
}

/** An ISO calendar date (YYYY-MM-DD) → "15 avril 2026". */
export function formatDate(isoDate: string): string {
  return dateOnly.format(new Date(`${isoDate.slice(0, 10)}T00:00:00Z`));
}

const TRANCHE_LABELS = { advance: 'avance', interim: 'acompte', balance: 'solde' } as const;

/** A tranche's kind as the décret 2018-514 names it: "avance", "acompte", "solde". */
export function trancheLabel(kind: keyof typeof TRANCHE_LABELS): string {
  return TRANCHE_LABELS[kind];
}
