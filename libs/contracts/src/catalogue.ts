import type { z } from 'zod';
import type { ServiceName } from './services';
import { partitionsOf, type LogicalTopic } from './topics';

/**
 * One event of the catalogue. Its wire type is `<name>.v<version>` (e.g. `dossier.submitted.v1`).
 * A breaking change is a new version: the old definition stays until no producer emits it.
 */
export interface EventDefinition<Schema extends z.ZodType = z.ZodType> {
  /** `<aggregate>.<past-tense fact>`, e.g. `dossier.submitted`. */
  readonly name: string;
  readonly version: number;
  /** The CloudEvents `type` and Kafka `ce_type` header. */
  readonly type: string;
  readonly producer: ServiceName;
  readonly topic: LogicalTopic;
  readonly schema: Schema;
  /** The aggregate id: Kafka message key and CloudEvents `subject`. */
  readonly aggregateId: (data: z.infer<Schema>) => string;
  readonly description: string;
  /**
   * Set on a version a newer one replaced: no producer emits it any more, and a consumer receiving
   * it reads it as the newer version through `upcast` (`EventCatalogue.read`).
   */
  readonly supersededBy?: Upcaster;
}

/** How data of a superseded version reads as the next version (validated against that version's schema). */
export interface Upcaster {
  readonly definition: EventDefinition;
  readonly upcast: (data: never) => unknown;
}

export type EventData<D extends EventDefinition> = z.infer<D['schema']>;

export function defineEvent<Schema extends z.ZodType>(spec: {
  name: string;
  version: number;
  producer: ServiceName;
  aggregate: string;
  schema: Schema;
  aggregateId: (data: z.infer<Schema>) => string;
  description: string;
  /** The next version and how this version's data becomes its data. */
  supersededBy?: { definition: EventDefinition; upcast: (data: z.infer<Schema>) => unknown };
}): EventDefinition<Schema> {
  if (!/^[a-z][a-z-]*\.[a-z][a-z-]*$/.test(spec.name)) {
    throw new Error(`Event name "${spec.name}" must read <aggregate>.<fact>, lower-case with dashes`);
  }
  if (!Number.isInteger(spec.version) || spec.version < 1) {
    throw new Error(`Event ${spec.name}: version must be a positive integer, got ${spec.version}`);
  }
  return {
    name: spec.name,
    version: spec.version,
    type: `${spec.name}.v${spec.version}`,
    producer: spec.producer,
    topic: { producer: spec.producer, aggregate: spec.aggregate, ...(partitionsOf(spec) ? { partitions: partitionsOf(spec) } : {}) },
    schema: spec.schema,
    aggregateId: spec.aggregateId,
    description: spec.description,
    ...(spec.supersededBy ? { supersededBy: spec.supersededBy as Upcaster } : {}),
  };
}

/**
 * The version just before `next`, kept so that a consumer still reads it: same event, producer and
 * topic; `upcast` turns its data into `next`'s. Producers cannot publish it any more.
 */
export function supersededEvent<Schema extends z.ZodType, Next extends EventDefinition>(
  next: Next,
  schema: Schema,
  upcast: (data: z.infer<Schema>) => z.input<Next['schema']>,
  aggregateId: (data: z.infer<Schema>) => string,
): EventDefinition<Schema> {
  return defineEvent({
    name: next.name,
    version: next.version - 1,
    producer: next.producer,
    aggregate: next.topic.aggregate,
    schema,
    aggregateId,
    description: `Superseded by ${next.type} (consumers read it as that version). ${next.description}`,
    supersededBy: { definition: next, upcast },
  });
}

/** What `EventCatalogue.read` gives: the data as the current version of its event, or why it cannot be read. */
export type ReadEvent = { definition: EventDefinition; data: unknown } | { definition: EventDefinition; error: string };

/**
 * Lookup of definitions by wire type; refuses two definitions of one type, and a superseded version
 * whose successor is not a later version of the same event on the same topic (a consumer subscribed
 * for the successor must receive it).
 */
export class EventCatalogue {
  private readonly byType = new Map<string, EventDefinition>();

  constructor(definitions: readonly EventDefinition[]) {
    for (const definition of definitions) {
      if (this.byType.has(definition.type)) throw new Error(`Event type ${definition.type} is defined twice`);
      this.byType.set(definition.type, definition);
    }
    for (const definition of definitions) {
      const next = definition.supersededBy?.definition;
      if (!next) continue;
      if (this.byType.get(next.type) !== next) throw new Error(`${definition.type} is superseded by ${next.type}, which is not in the catalogue`);
      if (next.name !== definition.name || next.version <= definition.version || next.producer !== definition.producer || next.topic.aggregate !== definition.topic.aggregate) {
        throw new Error(`${definition.type} can only be superseded by a later version of ${definition.name} on its topic, not ${next.type}`);
      }
    }
  }

  get(type: string): EventDefinition | undefined {
    return this.byType.get(type);
  }

  /** The definition data of `type` is read as: itself, or the newest version that superseded it. */
  current(type: string): EventDefinition | undefined {
    let definition = this.byType.get(type);
    while (definition?.supersededBy) definition = definition.supersededBy.definition;
    return definition;
  }

  /**
   * Reads data of `type` as the current version of its event: validated against its own schema, then
   * upcast one version at a time, each step validated against the next schema. Undefined for a type
   * the catalogue does not know.
   */
  read(type: string, data: unknown): ReadEvent | undefined {
    const received = this.byType.get(type);
    if (!received) return undefined;
    let definition: EventDefinition = received;
    let parsed = definition.schema.safeParse(data);
    while (parsed.success && definition.supersededBy) {
      const { definition: next, upcast }: Upcaster = definition.supersededBy;
      parsed = next.schema.safeParse(upcast(parsed.data as never));
      definition = next;
    }
    if (!parsed.success) {
      return { definition, error: parsed.error.issues.map((i) => `${i.path.join('.') || '(data)'}: ${i.message}`).join('; ') };
    }
    return { definition, data: parsed.data };
  }

  all(): EventDefinition[] {
    return [...this.byType.values()];
  }

  /** Every distinct logical topic, in catalogue order. */
  topics(): LogicalTopic[] {
    const seen = new Map<string, LogicalTopic>();
    for (const { topic } of this.byType.values()) seen.set(`${topic.producer}.${topic.aggregate}`, topic);
    return [...seen.values()];
  }
}
