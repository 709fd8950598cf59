import { accepted, wrongStatus, type Decision } from '@aap/contracts';

/**
 * A call's reviewer pool, pure: who may review the call's dossiers and how many open assignments
 * each one holds (their load). One document per call, so every change of the pool — a reviewer
 * added, updated or leaving, a dossier's reviewers claimed or released — is one guarded write.
 *
 * Loads are not free counters: a reviewer's load is the number of dossiers whose claim lists them
 * (`claims[dossierId]` = the dossier's open assignees). Setting a dossier's claim to a set is
 * idempotent — writing it twice, or after a retry, counts nothing twice — and the load moves by the
 * difference between the old and the new set, in the same write.
 *
 * Open load = assignments not yet submitted nor recused: a submitted review is work done, so it no
 * longer weighs on the balance (a reviewer who works fast gets the next dossiers).
 */

export interface PoolReviewer {
  /** The reviewer's token `sub`. */
  reviewerId: string;
  name: string;
  email: string;
  /** Home département code (e.g. 69, 2A, 974). */
  departement: string;
  /** SIREN of the EPCI the reviewer belongs to (conflicts when the call excludes the same EPCI). */
  epciSiren?: string;
  /** SIREN of the reviewer's own organisation (always a conflict). */
  organisationSiren?: string;
  expertise: string[];
  /** False once the reviewer left the pool: no new assignments, the current ones go on. */
  active: boolean;
  /** Open assignments in the call (see above). */
  load: number;
}

export interface PoolState {
  callId: string;
  reviewers: PoolReviewer[];
  /** Per dossier, the reviewers holding an open assignment on it. */
  claims: Record<string, string[]>;
  version: number;
}

export type ReviewerProfile = Omit<PoolReviewer, 'active' | 'load' | 'reviewerId'>;

export type PoolDecision = Decision<PoolState>;

/** The pool of a call before its first reviewer (never stored: its first change creates it). */
export const emptyPool = (callId: string): PoolState => ({ callId, reviewers: [], claims: {}, version: 0 });

/** Adds the reviewer to the pool, or updates their profile (their load stays); a reviewer who had left comes back. */
export function upsertReviewer(pool: PoolState, reviewerId: string, profile: ReviewerProfile): PoolDecision {
  const existing = pool.reviewers.find((r) => r.reviewerId === reviewerId);
  const next: PoolReviewer = { reviewerId, ...profile, active: true, load: existing?.load ?? 0 };
  const reviewers = existing ? pool.reviewers.map((r) => (r === existing ? next : r)) : [...pool.reviewers, next];
  return accepted({ ...pool, reviewers });
}

/** The status of a reviewer who is not (or no longer) in the pool: the routes answer it with a 404. */
export const NOT_IN_POOL = 'not-in-pool';

/** The reviewer leaves the pool: no new assignment (the current ones go on). */
export function removeReviewer(pool: PoolState, reviewerId: string): PoolDecision {
  const existing = pool.reviewers.find((r) => r.reviewerId === reviewerId && r.active);
  if (!existing) return wrongStatus(NOT_IN_POOL, `reviewer ${reviewerId} is not in the pool of call ${pool.callId}`);
  return accepted({ ...pool, reviewers: pool.reviewers.map((r) => (r === existing ? { ...r, active: false } : r)) });
}

/** Sets the dossier's claim (its open assignees): `withClaim` as a decision. */
export const claim = (pool: PoolState, dossierId: string, reviewerIds: readonly string[]): PoolDecision => accepted(withClaim(pool, dossierId, reviewerIds));

/**
 * Sets the dossier's open assignees to `reviewerIds` and moves the loads by the difference: +1 for
 * each reviewer newly claimed, −1 for each released. Unchanged when the set is the same.
 */
export function withClaim(pool: PoolState, dossierId: string, reviewerIds: readonly string[]): PoolState {
  const before = new Set(pool.claims[dossierId] ?? []);
  const after = new Set(reviewerIds);
  if (before.size === after.size && [...after].every((id) => before.has(id))) return pool;
  const reviewers = pool.reviewers.map((r) => {
    const delta = (after.has(r.reviewerId) ? 1 : 0) - (before.has(r.reviewerId) ? 1 : 0);
    return delta ? { ...r, load: Math.max(0, r.load + delta) } : r;
  });
  const { [dossierId]: _previous, ...others } = pool.claims;
  return { ...pool, reviewers, claims: after.size ? { ...others, [dossierId]: [...after].sort() } : others };
}

/**
 * The loads as one dossier's assignment must see them: without that dossier's own claim (a claim
 * left by an earlier attempt at this very assignment must not make its reviewers look busier).
 */
export function loadsFor(pool: PoolState, dossierId: string): Map<string, number> {
  const own = new Set(pool.claims[dossierId] ?? []);
  return new Map(pool.reviewers.map((r) => [r.reviewerId, r.load - (own.has(r.reviewerId) ? 1 : 0)]));
}
