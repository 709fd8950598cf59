import { Schema } from 'mongoose';
import {
  DossierAccepted,
  DossierComplementRequested,
  DossierDecisionReopened,
  DossierRejected,
  DossierResubmitted,
  DossierWaitlisted,
  DossierWithdrawn,
  accepted,
  EvaluationCompleted,
  type DossierReference,
  type EventDefinition,
} from '@aap/contracts';
import { documentStore, startingFrom, type DocumentMapping, type ServiceContext } from '@aap/service-runtime';
import type { EvaluationStore } from '../evaluations/evaluation.store';
import { bucketId, bucketOf, entriesOf, lineOf, withLine, type ScoreEntry } from './scoreboard';

/**
 * The scoreboard read model (`committee_scoreboards`): each completed evaluation's ranking inputs as
 * one compact line (scoreboard.ts), in 64 buckets per call and wave (`_id` = `<callId>:<waveId>:<n>`).
 * A wave is read with ONE equality on the indexed {callId, waveId} (the call with one on callId) —
 * measured: reading the 10 000 evaluations of a call took 16–24 s on FerretDB, whose cost is per
 * document and per byte. A write rewrites one bucket (1/64 of the wave), never the whole wave.
 *
 * Kept from this service's own events: on each fact that may change whether or how a dossier ranks,
 * its line is rebuilt from the evaluation read by `_id` (idempotent; a line never goes back to an
 * older version of the evaluation). It lags the evaluation by the consumer hop (a fraction of a second).
 */
/** A read model (declared with `context.model`: the per-document lock, no outbox), it publishes nothing. */
interface ScoreboardDocument {
  _id: string;
  callId: string;
  waveId: string;
  lines: string;
  version: number;
}

/** Facts after which a dossier may enter, leave or change on the scoreboard. */
const SCOREBOARD_FACTS: readonly EventDefinition[] = [
  EvaluationCompleted,
  DossierAccepted,
  DossierRejected,
  DossierWaitlisted,
  DossierDecisionReopened,
  DossierWithdrawn,
  DossierComplementRequested,
  DossierResubmitted,
];

/** A bucket as the command handler sees it. */
interface BucketState {
  callId: string;
  waveId: string;
  lines: string;
  version: number;
}

const BUCKET_MAPPING: DocumentMapping<BucketState, ScoreboardDocument> = {
  name: 'scoreboard bucket',
  toState: (doc) => ({ callId: doc.callId, waveId: doc.waveId, lines: doc.lines ?? '', version: doc.version }),
  toFields: ({ callId, waveId, lines }) => ({ callId, waveId, lines }),
};

export interface Scoreboard {
  /** The completed evaluations of one wave, as ranking entries. */
  ofWave(callId: string, waveId: string): Promise<ScoreEntry[]>;
  /** The completed evaluations of every wave of the call (the waitlist promotion is call-wide). */
  ofCall(callId: string): Promise<ScoreEntry[]>;
  /**
   * Writes a dossier's line now, as its events will (a later version is never overwritten): a
   * committee decision is on the ranked list and in the next promotion at once, not a consumer hop later.
   */
  refresh(dossierId: string): Promise<void>;
}

export function registerScoreboard(context: ServiceContext, store: EvaluationStore): Scoreboard {
  const schema = new Schema<ScoreboardDocument>(
    {
      _id: { type: String, required: true },
      callId: { type: String, required: true, index: true },
      waveId: { type: String, required: true },
      lines: { type: String, default: '' },
      version: { type: Number, required: true },
    },
    { minimize: false },
  );
  schema.index({ callId: 1, waveId: 1 });
  const Bucket = context.model<ScoreboardDocument>('CommitteeScoreboard', schema, { collection: 'committee_scoreboards' });

  const buckets = context.commands(documentStore(Bucket, BUCKET_MAPPING));

  /** Writes the evaluation's current line into its bucket (through the command handler); no write when the bucket already has it. */
  async function rebuild(dossierId: string): Promise<void> {
    const state = await store.get(dossierId);
    // The evaluations' own handler parks an event about an unknown dossier; nothing to rank here.
    if (!state) return;
    const line = lineOf(state);
    const empty: BucketState = { callId: state.callId, waveId: state.waveId, lines: '', version: 0 };
    await buckets.handle(
      bucketId(state.callId, state.waveId, bucketOf(dossierId)),
      startingFrom(empty, (bucket) => {
        const lines = withLine(bucket.lines, dossierId, line);
        return accepted(lines === bucket.lines ? bucket : { ...bucket, lines });
      }),
    );
  }

  for (const definition of SCOREBOARD_FACTS) {
    context.consumer.on(definition, async (event) => {
      await rebuild((event.data as DossierReference).dossierId);
    });
  }

  const read = async (filter: { callId: string; waveId?: string }) => {
    const buckets = await Bucket.find(filter).select('waveId lines').lean<ScoreboardDocument[]>();
    const entries: ScoreEntry[] = [];
    for (const bucket of buckets) entriesOf(bucket.lines, bucket.waveId, entries);
    return entries;
  };

  return {
    ofWave: (callId, waveId) => read({ callId, waveId }),
    ofCall: (callId) => read({ callId }),
    refresh: rebuild,
  };
}
