import type { z } from 'zod';
import type { ServiceName } from './services';
import type { LogicalTopic } from './topics';

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
    topic: { producer: spec.producer, aggregate: spec.aggregate },
    schema: spec.schema,
    aggregateId: spec.aggregateId,
    description: spec.description,
  };
}

/** Lookup of definitions by wire type; refuses two definitions of one type. */
export class EventCatalogue {
  private readonly byType = new Map<string, EventDefinition>();

  constructor(definitions: readonly EventDefinition[]) {
    for (const definition of definitions) {
      if (this.byType.has(definition.type)) throw new Error(`Event type ${definition.type} is defined twice`);
      this.byType.set(definition.type, definition);
    }
  }

  get(type: string): EventDefinition | undefined {
    return this.byType.get(type);
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
