import { Schema, type FilterQuery, type UpdateQuery } from 'mongoose';
import { isActive } from '@aap/contracts';
import { documentKey, lockDocument, outboxForInsert, type EventMetadata, type OutboxFields, type PendingEvent } from '@aap/messaging';
import { concurrentChange, insertOnce, isDuplicateKey, record, type ServiceContext } from '@aap/service-runtime';
import type { Dossier, DossierDecision } from './dossier';

/** A dossier as stored: the state, keyed by `_id`, with its outbox. */
export interface DossierDocument extends OutboxFields, Omit<Dossier, 'dossierId'> {
  _id: string;
}

/** Fields a state may drop (written as `$unset` when absent from the next state). */
const OPTIONAL_FIELDS = ['decision', 'reminderSentForClosesAt'] as const satisfies readonly (keyof Dossier)[];

function dossierModel(context: ServiceContext) {
  const schema = new Schema<DossierDocument>(
    {
      _id: { type: String, required: true },
      // Unique: the backstop that no two dossiers ever share a receipt number, even across processes.
      number: { type: String, unique: true, sparse: true },
      callId: { type: String, required: true, index: true },
      waveId: { type: String, required: true },
      organisationId: { type: String, required: true, index: true },
      status: { type: String, required: true, index: true },
      // Parts are validated by the routes' zod schemas; stored as given.
      project: { type: Schema.Types.Mixed, default: () => ({}) },
      budget: { type: Schema.Types.Mixed, default: () => ({}) },
      applicant: { type: Schema.Types.Mixed },
      attachments: { type: Schema.Types.Mixed, default: () => [] },
      submittedAt: Date,
      contentHash: String,
      submitIdempotencyKey: String,
      complementRequests: { type: Schema.Types.Mixed, default: () => [] },
      decision: { type: Schema.Types.Mixed },
      appliedEventIds: { type: [String], default: [] },
      history: { type: Schema.Types.Mixed, default: () => [] },
      reminderSentForClosesAt: String,
      createdBy: { type: String, required: true },
      createdAt: { type: Date, required: true },
      updatedAt: { type: Date, required: true },
      version: { type: Number, required: true, default: 1 },
    },
    { minimize: false },
  );
  schema.index({ organisationId: 1, callId: 1, waveId: 1, status: 1 });
  return context.aggregate('Dossier', schema, { collection: 'dossiers' });
}

const asDate = (value: Date | string) => new Date(value);

function toState(doc: DossierDocument): Dossier {
  const { _id, outbox: _outbox, outboxPending: _pending, ...fields } = doc;
  return {
    ...fields,
    dossierId: _id,
    project: fields.project ?? {},
    budget: fields.budget ?? {},
    // Dossiers stored before attachments moved into the dossier have none listed here.
    attachments: (fields.attachments ?? []).map((a) => ({ ...a, uploadedAt: asDate(a.uploadedAt) })),
    complementRequests: fields.complementRequests ?? [],
    appliedEventIds: fields.appliedEventIds ?? [],
    history: fields.history ?? [],
  };
}

/** The stored fields of a state, except its id and version (the guard and `$inc` own those). */
function fieldsOf(dossier: Dossier) {
  const { dossierId: _id, version: _version, ...fields } = dossier;
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
}

/**
 * `AAP-<year>-<000001>`: a per-year sequence in `counters`. FerretDB runs `$inc` as find-then-replace,
 * so the increment goes through the per-document lock (one process never hands out a number twice);
 * the unique index on `number` catches two processes taking the same one (the submit takes another).
 * A number taken by a submit that then fails is skipped, never reused.
 */
async function nextDossierNumber(context: ServiceContext, now: Date): Promise<string> {
  const year = now.getUTCFullYear();
  const counterId = `dossier-number-${year}`;
  const counters = context.db.collection<{ _id: string; value: number }>('counters');
  const release = await lockDocument(documentKey(context.db.name, 'counters', counterId));
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        const counter = await counters.findOneAndUpdate({ _id: counterId }, { $inc: { value: 1 } }, { upsert: true, returnDocument: 'after' });
        return `AAP-${year}-${String(counter!.value).padStart(6, '0')}`;
      } catch (error) {
        // Two processes creating the year's counter at once: one insert loses on the _id; the counter exists now.
        if (!isDuplicateKey(error) || attempt >= 3) throw error;
      }
    }
  } finally {
    release();
  }
}

// ── The per-wave guard ────────────────────────────────────────────────────────────────────────

/**
 * The active dossiers of one organisation in one wave of a call, as a small document keyed by what it
 * counts: the "at most N active dossiers per wave" rule reads one document by `_id` and changes it
 * with a guarded write before the dossier's own, so two concurrent submits cannot both take the last
 * place. Self-healing: a claim whose dossier is not active does not count once it is older than a
 * submit can take (a crash between the two writes leaves such a claim behind).
 */
interface WaveGuardDocument {
  _id: string;
  claims: Array<{ dossierId: string; claimedAt: Date }>;
  version: number;
}

/** How long a claim counts while its dossier is not (yet) active: longer than any submit takes. */
const CLAIM_GRACE_MS = 60_000;

function waveGuardModel(context: ServiceContext) {
  const schema = new Schema<WaveGuardDocument>(
    { _id: { type: String, required: true }, claims: { type: Schema.Types.Mixed, default: () => [] }, version: { type: Number, required: true } },
    { collection: 'dossier_wave_guards', versionKey: false },
  );
  return context.db.model<WaveGuardDocument>('DossierWaveGuard', schema);
}

export type WaveClaim = { outcome: 'claimed'; otherActive: number } | { outcome: 'full'; otherActive: number };

export function dossierStore(context: ServiceContext) {
  const Dossier = dossierModel(context);
  const WaveGuard = waveGuardModel(context);

  const get = async (dossierId: string): Promise<Dossier | null> => {
    const doc = await Dossier.findById(dossierId).lean<DossierDocument>();
    return doc ? toState(doc) : null;
  };

  const guardIdOf = (d: Pick<Dossier, 'organisationId' | 'callId' | 'waveId'>) => `${d.organisationId}|${d.callId}|${d.waveId}`;

  /**
   * Runs a read-then-write of a wave guard under its document lock: this process's submits of one
   * wave take turns (none loses its race to a sibling); the version guard of the write still stops
   * another process's concurrent change.
   */
  async function withGuardLock<T>(dossier: Dossier, work: () => Promise<T>): Promise<T> {
    const release = await lockDocument(documentKey(context.db.name, 'dossier_wave_guards', guardIdOf(dossier)));
    try {
      return await work();
    } finally {
      release();
    }
  }

  /** The wave's guard; made once from the dossiers already there (equality on an indexed prefix, once per organisation and wave). */
  async function waveGuard(dossier: Dossier): Promise<WaveGuardDocument> {
    const _id = guardIdOf(dossier);
    const existing = await WaveGuard.findById(_id).lean<WaveGuardDocument>();
    if (existing) return existing;
    const already = await Dossier.find({ organisationId: dossier.organisationId, callId: dossier.callId, waveId: dossier.waveId }, { status: 1, submittedAt: 1 }).lean<
      Array<Pick<DossierDocument, '_id' | 'status' | 'submittedAt'>>
    >();
    const claims = already.filter((d) => isActive(d.status)).map((d) => ({ dossierId: d._id, claimedAt: d.submittedAt ?? new Date(0) }));
    await insertOnce(WaveGuard, { _id, claims, version: 1 });
    return (await WaveGuard.findById(_id).lean<WaveGuardDocument>())!;
  }

  /** The claims that still count: their dossier is active, or it is being submitted right now. */
  async function liveClaims(guard: WaveGuardDocument, except: string, now: Date) {
    const others = guard.claims.filter((c) => c.dossierId !== except);
    const live = await Promise.all(
      others.map(async (claim) => {
        const other = await Dossier.findById(claim.dossierId, { status: 1 }).lean<Pick<DossierDocument, 'status'>>();
        const fresh = now.getTime() - new Date(claim.claimedAt).getTime() < CLAIM_GRACE_MS;
        return other && (isActive(other.status) || (fresh && other.status === 'draft')) ? claim : undefined;
      }),
    );
    return live.filter((claim) => claim !== undefined);
  }

  return {
    get,

    /** Inserts a new dossier and its events; 'exists' when one has its id (a retried creation). */
    insert: (dossier: Dossier, events: PendingEvent[] = []) =>
      insertOnce(Dossier, { _id: dossier.dossierId, ...fieldsOf(dossier), version: dossier.version, ...outboxForInsert(events) }),

    /**
     * Writes a decided change and its events in ONE guarded single-document update (`record`): it
     * applies only if the dossier still has the version it was decided on. False when the race was lost.
     */
    async record(current: Dossier, next: Dossier, events: PendingEvent[]): Promise<boolean> {
      const unset = OPTIONAL_FIELDS.filter((field) => next[field] === undefined && current[field] !== undefined);
      const update: UpdateQuery<DossierDocument> = {
        $set: fieldsOf(next),
        ...(unset.length ? { $unset: Object.fromEntries(unset.map((field) => [field, ''])) } : {}),
      };
      return record(Dossier, { id: current.dossierId, version: current.version }, update, events);
    },

    nextNumber: (now: Date) => nextDossierNumber(context, now),

    /**
     * Decides on the current dossier and records the outcome with `record`; a lost race decides again
     * on the new state (so a retried edit, or an upload racing a submit, is decided on what is stored).
     * An accepted decision that changes nothing writes nothing. Null when there is no such dossier.
     */
    async transition(
      dossierId: string,
      decide: (dossier: Dossier) => DossierDecision | Promise<DossierDecision>,
      metadata?: EventMetadata,
    ): Promise<{ before: Dossier; decision: DossierDecision } | null> {
      for (let attempt = 1; ; attempt++) {
        const before = await get(dossierId);
        if (!before) return null;
        const decision = await decide(before);
        if (decision.outcome !== 'accepted' || decision.state === before) return { before, decision };
        if (await this.record(before, decision.state, context.events(decision.events, metadata))) return { before, decision };
        if (attempt >= 5) throw concurrentChange(`dossier ${dossierId}`, before.version);
      }
    },

    /** How many other dossiers hold a place in the wave of `dossier` now (read only; the claim decides). */
    activeInWave: async (dossier: Dossier, now: Date): Promise<number> => (await liveClaims(await waveGuard(dossier), dossier.dossierId, now)).length,

    /**
     * Takes a place for `dossier` in its wave, unless `max` other active dossiers hold them already.
     * The guard's own write is guarded on its version: of two submits racing for the last place, one
     * claims it and the other, re-reading, finds the wave full.
     */
    claimWavePlace: (dossier: Dossier, max: number, now: Date): Promise<WaveClaim> => withGuardLock(dossier, async () => {
      for (let attempt = 1; ; attempt++) {
        const guard = await waveGuard(dossier);
        const live = await liveClaims(guard, dossier.dossierId, now);
        if (live.length >= max) return { outcome: 'full', otherActive: live.length };
        const claims = [...live, { dossierId: dossier.dossierId, claimedAt: now }];
        if (await record(WaveGuard, { id: guard._id, version: guard.version }, { $set: { claims } })) return { outcome: 'claimed', otherActive: live.length };
        if (attempt >= 10) throw new Error(`the wave guard ${guard._id} kept changing while claiming a place`);
      }
    }),

    /** Gives a dossier's place in its wave back (withdrawn, decided, or its submit failed); best effort, the guard heals itself. */
    releaseWavePlace: (dossier: Dossier): Promise<void> => withGuardLock(dossier, async () => {
      for (let attempt = 1; attempt <= 5; attempt++) {
        const guard = await WaveGuard.findById(guardIdOf(dossier)).lean<WaveGuardDocument>();
        if (!guard || !guard.claims.some((c) => c.dossierId === dossier.dossierId)) return;
        const claims = guard.claims.filter((c) => c.dossierId !== dossier.dossierId);
        if (await record(WaveGuard, { id: guard._id, version: guard.version }, { $set: { claims } })) return;
      }
    }),

    /** Records a dossier that became active again (a reopened decision) in its wave's guard. */
    holdWavePlace: (dossier: Dossier, now: Date): Promise<void> => withGuardLock(dossier, async () => {
      for (let attempt = 1; attempt <= 5; attempt++) {
        const guard = await waveGuard(dossier);
        if (guard.claims.some((c) => c.dossierId === dossier.dossierId)) return;
        if (await record(WaveGuard, { id: guard._id, version: guard.version }, { $set: { claims: [...guard.claims, { dossierId: dossier.dossierId, claimedAt: now }] } })) return;
      }
    }),

    /** Drafts of a wave not yet reminded for this closing time (a scheduled job, not a request). */
    async draftsToRemind(callId: string, waveId: string, closesAt: string): Promise<Dossier[]> {
      const docs = await Dossier.find({ callId, waveId, status: 'draft' }).lean<DossierDocument[]>();
      return docs.filter((d) => d.reminderSentForClosesAt !== closesAt).map(toState);
    },

    /** Calls that have drafts (the reminder job's outer loop). */
    model: Dossier,
    toState,
  };
}

export type DossierStore = ReturnType<typeof dossierStore>;
export type DossierFilter = FilterQuery<DossierDocument>;
