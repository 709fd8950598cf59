import { randomUUID } from 'node:crypto';
import { Schema } from 'mongoose';
import type { Consumer } from 'kafkajs';
import { kafkaSecurityOf } from '@aap/config';
import { eventTopicName, type LogicalTopic } from '@aap/contracts';
import { createKafka, replayGroupId } from '@aap/messaging';
import type { ServiceContext } from '@aap/service-runtime';
import type { Dossier } from '../dossiers/dossier';
import type { DossierStore } from '../dossiers/dossier.store';
import type { DossierReadModel } from '../dossiers/read-models';
import type { DossierIndexStore } from './dossier-index.projection';
import { rowOf } from './dossier-lines';

/**
 * Rebuilding the index, in the background: from the dossier topics (`topic`: every dossier named on
 * them since their start) or from the dossiers collection (`dossiers`: legacy data, a database seeded
 * directly). Both end in bulk refreshes (one write per bucket touched). A rebuild's state is a small
 * document (`dossier_index_rebuilds`), so that any instance answers where it stands; one that stopped
 * beating (its instance stopped) is reported failed. An admin's rebuild also rewrites the other read
 * models kept from the dossiers (`others`: the export lines), each entry from its dossier as stored.
 */

export const REBUILD_SOURCES = ['topic', 'dossiers'] as const;
export type RebuildSource = (typeof REBUILD_SOURCES)[number];
export const REBUILD_STATES = ['running', 'done', 'failed'] as const;

interface RebuildDocument {
  _id: string;
  from: RebuildSource;
  state: (typeof REBUILD_STATES)[number];
  rows: number;
  startedAt: Date;
  endedAt?: Date;
  beatAt: Date;
  detail?: string;
}

export interface RebuildView {
  rebuildId: string;
  from: RebuildSource;
  state: (typeof REBUILD_STATES)[number];
  rows: number;
  startedAt: string;
  endedAt?: string;
  detail?: string;
}

/** The dossier topics: every event on them is keyed by its dossier's id. */
const DOSSIER_TOPICS: readonly LogicalTopic[] = [
  { producer: 'submission', aggregate: 'dossier' },
  { producer: 'evaluation', aggregate: 'dossier' },
];
/** Rows (or dossier ids) refreshed per bulk write: bounded memory whatever the call's size. */
const CHUNK = 5_000;
const BEAT_MS = 5_000;
/** A running rebuild whose instance has not beaten for this long has stopped with it. */
const STALE_MS = 60_000;

export function dossierIndexRebuilds(context: ServiceContext, store: Pick<DossierStore, 'model' | 'toState'>, index: Pick<DossierIndexStore, 'writeRows'>, others: readonly DossierReadModel[] = []) {
  const schema = new Schema<RebuildDocument>(
    {
      _id: { type: String, required: true },
      from: { type: String, required: true },
      state: { type: String, required: true },
      rows: { type: Number, default: 0 },
      startedAt: { type: Date, required: true },
      endedAt: Date,
      beatAt: { type: Date, required: true },
      detail: String,
    },
    { versionKey: false },
  );
  const Rebuild = context.model<RebuildDocument>('DossierIndexRebuild', schema, { collection: 'dossier_index_rebuilds' });
  const running = new Set<{ stop(): Promise<void> }>();
  let stopping = false;
  context.onStop('dossier-index rebuilds', async () => {
    stopping = true;
    await Promise.all([...running].map((work) => work.stop()));
  });

  /**
   * Walks the dossiers collection with a cursor, writing the rows of those `wanted` (all when not
   * given) in chunks: one pass over the collection costs less than an `_id` read per dossier once
   * most of them are wanted (a rebuild), since FerretDB's cost is per query and per document.
   * `withOthers`: the other read models' entries too (an admin's rebuild; the start-up upgrade fills
   * only the index, the export lines of a call being filled by its first export).
   */
  async function fromDossiers(progress: (rows: number) => void = () => undefined, wanted?: ReadonlySet<string>, withOthers = false): Promise<number> {
    let total = 0;
    let chunk: Dossier[] = [];
    const flush = async () => {
      await Promise.all([index.writeRows(chunk.map(rowOf)), ...(withOthers ? others.map((model) => model.write(chunk)) : [])]);
      total += chunk.length;
      chunk = [];
      progress(total);
    };
    for await (const doc of store.model.find({}, { outbox: 0 }).lean().cursor({ batchSize: 1_000 })) {
      if (stopping) throw new Error('the service stopped');
      if (wanted && !wanted.has(String(doc._id))) continue;
      chunk.push(store.toState(doc as never));
      if (chunk.length >= CHUNK) await flush();
    }
    await flush();
    return total;
  }

  /** The ids of every dossier on the dossier topics up to their ends now, read with the replay group (no offset committed). */
  async function dossierIdsOnTopics(): Promise<Set<string>> {
    const { config, logger } = context;
    const kafka = createKafka({ clientId: `${config.KAFKA_CLIENT_ID}-index-rebuild`, brokers: config.KAFKA_BROKERS, logger, ...kafkaSecurityOf(config) });
    const topics = DOSSIER_TOPICS.map((topic) => eventTopicName(config.KAFKA_TOPIC_PREFIX, topic));
    const admin = kafka.admin();
    await admin.connect();
    const ends = new Map<string, bigint>();
    try {
      for (const topic of topics) {
        for (const { partition, high, low } of await admin.fetchTopicOffsets(topic)) if (BigInt(high) > BigInt(low)) ends.set(`${topic}|${partition}`, BigInt(high));
      }
    } finally {
      await admin.disconnect();
    }
    const ids = new Set<string>();
    if (ends.size === 0) return ids;
    const consumer: Consumer = kafka.consumer({ groupId: replayGroupId(config.KAFKA_TOPIC_PREFIX, 'submission', 'dossier-index-rebuild') });
    let interrupt: (error: Error) => void = () => undefined;
    const work = { stop: async () => interrupt(new Error('the service stopped')) };
    running.add(work);
    try {
      await consumer.connect();
      // From the earliest offset: the group never commits, so it has no offset to resume from. Two
      // replays at once share its partitions; a partition taken back is read again from its start.
      for (const topic of topics) await consumer.subscribe({ topic, fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        interrupt = reject;
        consumer
          .run({
            autoCommit: false,
            eachBatch: async ({ batch, heartbeat }) => {
              const key = `${batch.topic}|${batch.partition}`;
              const end = ends.get(key);
              if (end === undefined) return;
              for (const message of batch.messages) {
                if (BigInt(message.offset) >= end) break;
                if (message.key) ids.add(message.key.toString());
                if (BigInt(message.offset) + 1n >= end) ends.delete(key);
              }
              await heartbeat();
              if (ends.size === 0) resolve();
            },
          })
          .catch(reject);
      });
    } finally {
      running.delete(work);
      await consumer.disconnect();
    }
    return ids;
  }

  /** The dossiers named on the topics, their rows from the collection (a dossier on a topic is always stored: its events come from its writes). */
  async function fromTopic(progress: (rows: number) => void): Promise<number> {
    const ids = await dossierIdsOnTopics();
    return ids.size === 0 ? 0 : fromDossiers(progress, ids, true);
  }

  const view = (doc: RebuildDocument): RebuildView => {
    const stale = doc.state === 'running' && Date.now() - new Date(doc.beatAt).getTime() > STALE_MS;
    return {
      rebuildId: doc._id,
      from: doc.from,
      state: stale ? 'failed' : doc.state,
      rows: doc.rows,
      startedAt: new Date(doc.startedAt).toISOString(),
      ...(doc.endedAt ? { endedAt: new Date(doc.endedAt).toISOString() } : {}),
      ...(stale ? { detail: 'its instance stopped before it ended' } : doc.detail ? { detail: doc.detail } : {}),
    };
  };

  return {
    fromDossiers,
    /** Starts a rebuild in the background; answers its id. */
    async start(from: RebuildSource): Promise<string> {
      const rebuildId = randomUUID();
      const now = new Date();
      await Rebuild.create({ _id: rebuildId, from, state: 'running', rows: 0, startedAt: now, beatAt: now });
      let rows = 0;
      const beat = setInterval(() => void Rebuild.updateOne({ _id: rebuildId }, { $set: { beatAt: new Date(), rows } }).catch(() => undefined), BEAT_MS);
      const progress = (count: number) => (rows = count);
      void (from === 'topic' ? fromTopic(progress) : fromDossiers(progress, undefined, true))
        .then((total) => Rebuild.updateOne({ _id: rebuildId }, { $set: { state: 'done', rows: total, endedAt: new Date(), beatAt: new Date() } }))
        .catch((error: unknown) => {
          context.logger.error({ err: error, rebuildId, from }, 'the dossier index rebuild failed');
          return Rebuild.updateOne({ _id: rebuildId }, { $set: { state: 'failed', rows, endedAt: new Date(), beatAt: new Date(), detail: error instanceof Error ? error.message : String(error) } });
        })
        .catch((error: unknown) => context.logger.error({ err: error, rebuildId }, 'could not record the end of a dossier index rebuild'))
        .finally(() => clearInterval(beat));
      return rebuildId;
    },
    async get(rebuildId: string): Promise<RebuildView | null> {
      const doc = await Rebuild.findById(rebuildId).lean<RebuildDocument>();
      return doc && view(doc);
    },
  };
}

export type DossierIndexRebuilds = ReturnType<typeof dossierIndexRebuilds>;
