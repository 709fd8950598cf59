import { accepted, isActive, refused, type CallSnapshot, type Decision, type DossierStatus, type Versioned, type Violation } from '@aap/contracts';

/**
 * THE per-wave rule: an organisation has at most `maxActiveDossiersPerApplicantPerWave` active
 * dossiers in one wave of a call (rule `active-dossiers-per-wave`). Pure: the rule, and how the places
 * of one organisation in one wave are claimed and given back; `wave-places.store.ts` keeps them.
 *
 * Why a document of its own: counting the organisation's active dossiers with a query would scan on
 * FerretDB and could not stop two concurrent submits from both taking the last place. So the places
 * are one small document per organisation × call × wave holding a claim per dossier that holds one,
 * changed with a guarded write (its version) BEFORE the dossier's own write: of two submits racing
 * for the last place, one claims it and the other, deciding again, finds the wave full.
 *
 * Self-healing: a claim counts while its dossier is active, or while it is a draft claimed less than
 * `CLAIM_GRACE_MS` ago (its submit is under way). A submit that crashed between its claim and its
 * write leaves a claim on a draft, which stops counting after the grace; a withdrawn or decided
 * dossier's claim stops counting at once (giving it back only tidies the document).
 */

export interface WaveClaim {
  dossierId: string;
  claimedAt: Date;
}

/** The places of one organisation in one wave: the claims of the dossiers holding one. */
export interface WavePlaces extends Versioned {
  /** `<organisationId>|<callId>|<waveId>`. */
  placesId: string;
  claims: WaveClaim[];
}

/** What a dossier's places are keyed by. */
export type WaveOf = { organisationId: string; callId: string; waveId: string };
export const placesIdOf = (d: WaveOf) => `${d.organisationId}|${d.callId}|${d.waveId}`;

/** How long a claim counts while its dossier is still a draft: longer than any submit takes. */
export const CLAIM_GRACE_MS = 60_000;

/**
 * The status of each claimed dossier, read before deciding (undefined: no such dossier); null: not
 * read, every claim counts (see `statusesMatter`).
 */
export type ClaimedStatuses = Readonly<Record<string, DossierStatus | undefined>> | null;

/**
 * Whether the claimed dossiers' statuses can change the verdict on `dossierId`'s claim: only when the
 * other claims could fill the wave. Below that, every claim counting still leaves a place, so a
 * submit reads no dossier (an organisation far from the limit pays nothing for the claims it holds).
 */
export function statusesMatter(places: WavePlaces, dossierId: string, call: Pick<CallSnapshot, 'maxActiveDossiersPerApplicantPerWave'>): boolean {
  return places.claims.filter((claim) => claim.dossierId !== dossierId).length >= call.maxActiveDossiersPerApplicantPerWave;
}

/** The rule itself, given how many other dossiers of the organisation hold a place in the wave. */
export function wavePlaceViolations(otherActive: number, call: Pick<CallSnapshot, 'maxActiveDossiersPerApplicantPerWave'>): Violation[] {
  const max = call.maxActiveDossiersPerApplicantPerWave;
  if (otherActive < max) return [];
  return [{ name: 'active-dossiers-per-wave', detail: `the organisation already has ${otherActive} active dossier(s) in this wave (at most ${max})` }];
}

/** The claims that count now, other than `dossierId`'s own. */
export function otherLiveClaims(places: WavePlaces, dossierId: string, statuses: ClaimedStatuses, now: Date): WaveClaim[] {
  return places.claims.filter((claim) => {
    if (claim.dossierId === dossierId) return false;
    if (statuses === null) return true;
    const status = statuses[claim.dossierId];
    const fresh = now.getTime() - new Date(claim.claimedAt).getTime() < CLAIM_GRACE_MS;
    return status !== undefined && (isActive(status) || (fresh && status === 'draft'));
  });
}

/** The places of a wave as first kept, from the dossiers already there (active ones hold a place). */
export function initialPlaces(placesId: string, dossiers: ReadonlyArray<{ dossierId: string; status: DossierStatus; submittedAt?: Date }>): WavePlaces {
  const claims = dossiers.filter((d) => isActive(d.status)).map((d) => ({ dossierId: d.dossierId, claimedAt: d.submittedAt ?? new Date(0) }));
  return { placesId, claims, version: 1 };
}

/**
 * Takes a place for `dossierId`, unless the other live claims fill the wave (refused with the rule).
 * Claims that stopped counting are dropped; the dossier's own claim is renewed.
 */
export function claimPlace(places: WavePlaces, command: { dossierId: string; call: Pick<CallSnapshot, 'maxActiveDossiersPerApplicantPerWave'> }, statuses: ClaimedStatuses, now: Date): Decision<WavePlaces> {
  const live = otherLiveClaims(places, command.dossierId, statuses, now);
  const violations = wavePlaceViolations(live.length, command.call);
  if (violations.length) return refused(violations);
  return accepted({ ...places, claims: [...live, { dossierId: command.dossierId, claimedAt: now }] });
}

/** Gives a dossier's place back (withdrawn, decided, or its submit failed); nothing to do when it holds none. */
export function releasePlace(places: WavePlaces, dossierId: string): Decision<WavePlaces> {
  if (!places.claims.some((c) => c.dossierId === dossierId)) return accepted(places);
  return accepted({ ...places, claims: places.claims.filter((c) => c.dossierId !== dossierId) });
}

/** A dossier active again (a reopened decision) holds a place again; nothing to do when it holds one. */
export function holdPlace(places: WavePlaces, dossierId: string, now: Date): Decision<WavePlaces> {
  if (places.claims.some((c) => c.dossierId === dossierId)) return accepted(places);
  return accepted({ ...places, claims: [...places.claims, { dossierId, claimedAt: now }] });
}
