import { isActive } from '@aap/contracts';
import { notFound } from '@aap/http';
import type { Logger } from '@aap/observability';
import { acceptedOrThrow } from '@aap/service-runtime';
import { submit, type Dossier, type SubmissionFacts } from './dossier';
import type { DossierStore } from './dossier.store';
import type { ReceiptNumbers } from './receipt-numbers';
import type { WavePlacesStore } from './wave-places.store';

/**
 * The submit, a multi-step command: it spans three documents (the wave's places, the year's receipt
 * counter, the dossier), so it is a small process manager rather than one write. Its steps, each
 * one guarded write:
 *
 *   1. decide the submit on the stored dossier (every rule of the call): a refusal answers before anything is written;
 *   2. claim a place in the wave (`wave-places.ts`): of two submits racing for the last place, one gets it;
 *   3. take a receipt number (`receipt-numbers.ts`), at the same time as 2;
 *   4. record the submit on the dossier through the command handler, decided again on what is stored
 *      (an upload recorded meanwhile is part of it, or the upload is refused; never half);
 *   2 and 4 decide first on what step 1 read (nothing read twice); their guarded writes lose to any change
 *   made meanwhile, and the command handler then reads and decides again;
 *   on a failure after 2: give the place back, unless the dossier is active (a concurrent submit of the same dossier won).
 *
 * Its stored state is the claim: until the dossier is active, the claim says "a submit of this dossier
 * is under way since `claimedAt`". So a crash between two steps heals itself: a claim left on a draft
 * stops counting after `CLAIM_GRACE_MS` and a retried submit renews it; a number taken before the
 * crash is skipped, never reused. No step leaves a dossier half submitted: the dossier's status, number,
 * receipt and `dossier.submitted` are one write (step 4).
 */

/** Stands for the receipt number while a submission is only checked (the number is taken once it passes). */
const NUMBER_NOT_TAKEN = 'AAP-0000-000000';

export interface SubmitCommand {
  dossierId: string;
  idempotencyKey?: string;
  by: string;
}

export interface SubmissionProcessDeps {
  dossiers: Pick<DossierStore, 'get' | 'commands'>;
  places: WavePlacesStore;
  numbers: ReceiptNumbers;
  /** The call and applicant a submission is checked against (the other slices' ports). */
  factsOf(dossier: Dossier, otherActiveDossiersInWave: number): Promise<SubmissionFacts>;
  logger: Logger;
}

export function submissionProcess({ dossiers, places, numbers, factsOf, logger }: SubmissionProcessDeps) {
  /** Gives the place back after a failed submit, unless the dossier is active; best effort (the claim heals itself). */
  async function compensate(dossierId: string): Promise<void> {
    try {
      const after = await dossiers.get(dossierId);
      if (after && !isActive(after.status)) await places.release(after);
    } catch (error) {
      logger.warn({ err: error, dossierId }, 'could not give back the wave place of a failed submit; its claim stops counting by itself');
    }
  }

  /**
   * Submits the dossier `command.dossierId`; `authorise` answers the caller's access to it (the 404 of
   * a dossier that is not the caller's). Answers the submitted dossier (the same, for a retried submit).
   */
  return async function submitDossier(command: SubmitCommand, authorise: (dossier: Dossier | null) => Dossier): Promise<Dossier> {
    const { dossierId } = command;
    const now = new Date();
    // 1. The rules, on the stored dossier and the wave's places as they are now.
    const current = authorise(await dossiers.get(dossierId));
    const factsBut = await factsOf(current, 0); // the call's and organisation's local copies
    const seen = await places.look(current, factsBut.call, now);
    const facts = { ...factsBut, otherActiveDossiersInWave: seen.otherActive };
    const checked = submit(current, facts, { ...command, number: NUMBER_NOT_TAKEN }, now);
    if (checked.outcome === 'accepted' && checked.state === current) return current; // the same submit, retried
    acceptedOrThrow(checked, 'dossier');

    // 2. A place in the wave, decided first on the places just read (read again only if they changed meanwhile),
    // and 3. a receipt number, side by side: a number taken by a submit the full wave then refuses is skipped, as any failed submit's.
    const [claimed, taken] = await Promise.allSettled([places.claim(current, facts.call, now, seen), numbers.next(now)]);
    if (claimed.status === 'rejected') throw claimed.reason;
    const place = claimed.value;
    acceptedOrThrow(place.decision, 'dossier'); // a full wave: the 422 of the rule
    try {
      if (taken.status === 'rejected') throw taken.reason;
      const number = taken.value;
      // 4. The dossier, decided first on the dossier read at step 1 (a change meanwhile loses the guarded write: read again and decided again).
      const handled = await numbers.recording(number, () =>
        dossiers.commands.handleExisting(dossierId, (dossier) => submit(authorise(dossier), { ...facts, otherActiveDossiersInWave: place.otherActive }, { ...command, number }, now), undefined, {
          loaded: current,
        }),
      );
      if (!handled) throw notFound(`Dossier ${dossierId}`);
      acceptedOrThrow(handled.decision, 'dossier');
      return handled.after!;
    } catch (error) {
      await compensate(dossierId);
      throw error;
    }
  };
}
