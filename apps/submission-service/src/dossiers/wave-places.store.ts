import { Schema } from 'mongoose';
import type { CallSnapshot, Decision, DossierStatus } from '@aap/contracts';
import type { OutboxFields } from '@aap/messaging';
import { documentStore, oneAtATime, type ServiceContext } from '@aap/service-runtime';
import { claimPlace, holdPlace, initialPlaces, otherLiveClaims, placesIdOf, releasePlace, statusesMatter, type ClaimedStatuses, type WaveClaim, type WaveOf, type WavePlaces } from './wave-places';

/** The places of one organisation in one wave, as stored (`dossier_wave_guards`, `_id` = `<org>|<call>|<wave>`). */
interface WavePlacesDocument extends OutboxFields {
  _id: string;
  claims: WaveClaim[];
  version: number;
}

/** What the places need to know of dossiers: their statuses by `_id`, and (once per wave) the dossiers already there. */
export interface DossierStatusReader {
  statuses(dossierIds: readonly string[]): Promise<ClaimedStatuses>;
  inWave(wave: WaveOf): Promise<Array<{ dossierId: string; status: DossierStatus; submittedAt?: Date }>>;
}

/** The call's limit a claim is decided under. */
type Limit = Pick<CallSnapshot, 'maxActiveDossiersPerApplicantPerWave'>;

/** A wave's places as read before a claim (the stored document, or null before its first claim), handed to the claim so that its first attempt reads nothing again. */
export interface PlacesSeen {
  stored: WavePlaces | null;
  places: WavePlaces;
  statuses: ClaimedStatuses;
  /** How many other dossiers hold a place now (every other claim, when their statuses cannot change the verdict). */
  otherActive: number;
}

/** A claim's outcome: the decision (refused when the wave is full) and how many other dossiers hold a place. */
export interface PlaceClaim {
  decision: Decision<WavePlaces>;
  otherActive: number;
}

/**
 * The per-wave rule's store (the rule is `wave-places.ts`): each change of a wave's places goes through
 * the service's command handler, decided on the stored places and the claimed dossiers' statuses.
 */
export function wavePlacesStore(context: ServiceContext, dossiers: DossierStatusReader) {
  const schema = new Schema<WavePlacesDocument>({ _id: { type: String, required: true }, claims: { type: Schema.Types.Mixed, default: () => [] }, version: { type: Number, required: true } });
  // An aggregate for its guarded write and per-document lock; it publishes nothing.
  const Places = context.aggregate<WavePlacesDocument>('DossierWaveGuard', schema, { collection: 'dossier_wave_guards' });
  const store = documentStore<WavePlaces, WavePlacesDocument>(Places, {
    name: 'wave places',
    toState: (doc) => ({ placesId: doc._id, claims: (doc.claims ?? []).map((c) => ({ dossierId: c.dossierId, claimedAt: new Date(c.claimedAt) })), version: doc.version }),
    toFields: ({ claims }) => ({ claims }),
  });
  const commands = context.commands(store);

  /**
   * The stored places of `dossier`'s wave (made once from the dossiers already there), with the claimed
   * dossiers' statuses when they matter to a claim under `call`'s limit (`statusesMatter`; null: not read).
   */
  async function placesWithStatuses(places: WavePlaces | null, dossier: WaveOf & { dossierId: string }, call: Limit | undefined): Promise<{ places: WavePlaces; statuses: ClaimedStatuses }> {
    const current = places ?? initialPlaces(placesIdOf(dossier), await dossiers.inWave(dossier));
    const matter = call !== undefined && statusesMatter(current, dossier.dossierId, call);
    return { places: current, statuses: matter ? await dossiers.statuses(current.claims.map((c) => c.dossierId)) : null };
  }

  // An organisation submitting many dossiers at once changes one places document many times: one change at a time here.
  const changes = oneAtATime();

  /**
   * Runs a decision on the places of `dossier`'s wave (made on first use, then stored with the decision).
   * With `seen`, the first attempt decides on what was just read, unless another change of these places
   * ran first in this process (then read again); a change meanwhile by another process (the guarded
   * write loses) reads everything again.
   */
  const change = (dossier: WaveOf & { dossierId: string }, call: Limit | undefined, decide: (places: WavePlaces, statuses: ClaimedStatuses) => Decision<WavePlaces>, seen?: PlacesSeen) =>
    changes.run(placesIdOf(dossier), (queued) => {
      const fresh = queued ? undefined : seen;
      return commands.handle(
        placesIdOf(dossier),
        async (stored) => {
          const { places, statuses } = fresh && stored === fresh.stored ? fresh : await placesWithStatuses(stored, dossier, call);
          return decide(places, statuses);
        },
        undefined,
        fresh ? { loaded: fresh.stored } : {},
      );
    });

  return {
    /** The places of the wave of `dossier` now and how many other dossiers hold one (read only: the claim decides). */
    async look(dossier: WaveOf & { dossierId: string }, call: Limit, now: Date): Promise<PlacesSeen> {
      const stored = await store.load(placesIdOf(dossier));
      const { places, statuses } = await placesWithStatuses(stored, dossier, call);
      return { stored, places, statuses, otherActive: otherLiveClaims(places, dossier.dossierId, statuses, now).length };
    },

    /** Takes a place for `dossier` unless its wave is full (then the refusal names the rule); `seen`: the places as `look` just read them. */
    async claim(dossier: WaveOf & { dossierId: string }, call: Limit, now: Date, seen?: PlacesSeen): Promise<PlaceClaim> {
      let otherActive = 0;
      const handled = await change(
        dossier,
        call,
        (places, statuses) => {
          otherActive = otherLiveClaims(places, dossier.dossierId, statuses, now).length;
          return claimPlace(places, { dossierId: dossier.dossierId, call }, statuses, now);
        },
        seen,
      );
      return { decision: handled.decision, otherActive };
    },

    /** Gives `dossier`'s place back (nothing to do when its wave's places were never kept). */
    release: async (dossier: WaveOf & { dossierId: string }): Promise<void> => {
      await commands.handleExisting(placesIdOf(dossier), (places) => releasePlace(places, dossier.dossierId));
    },

    /** `dossier` holds a place again (active again). */
    hold: async (dossier: WaveOf & { dossierId: string }, now: Date): Promise<void> => {
      await change(dossier, undefined, (places) => holdPlace(places, dossier.dossierId, now));
    },
  };
}

export type WavePlacesStore = ReturnType<typeof wavePlacesStore>;
