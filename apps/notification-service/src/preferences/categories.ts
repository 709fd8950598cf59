/**
 * Categories of notifications, the unit of the e-mail preferences:
 * - dossier-status: every step of a dossier (receipt, review, complements, decisions, withdrawal) and of its award (grant, agreement, bank details, payments, recovery, closing);
 * - reminders: drafts still not submitted before a closing;
 * - calls: calls an organisation has a dossier on closing, moving or reopening.
 */
export const CATEGORIES = ['dossier-status', 'reminders', 'calls'] as const;
export type Category = (typeof CATEGORIES)[number];
