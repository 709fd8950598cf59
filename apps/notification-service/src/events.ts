import type { EventDefinition } from '@aap/contracts';
import type { EventConsumer, EventHandler } from '@aap/messaging';

/**
 * The service's consumer takes one handler per event type; several slices here react to the same
 * event (directory, timeline, notifications, webhooks). Each slice registers on this router, which
 * registers one handler per type running the slices' handlers in registration order (directory
 * first, so the others read an up-to-date copy). Every slice handler is idempotent on its own: a
 * retry of the whole event after a partial failure re-runs them harmlessly.
 */
export class EventRouter {
  private readonly routes = new Map<string, { definition: EventDefinition; handlers: Array<EventHandler<any>> }>();

  on<D extends EventDefinition>(definition: D, handler: EventHandler<D>): this {
    const route = this.routes.get(definition.type) ?? { definition, handlers: [] };
    route.handlers.push(handler);
    this.routes.set(definition.type, route);
    return this;
  }

  /** Every event type some slice handles. */
  types(): string[] {
    return [...this.routes.keys()];
  }

  attach(consumer: EventConsumer): void {
    for (const { definition, handlers } of this.routes.values()) {
      consumer.on(definition, async (event, context) => {
        for (const handler of handlers) await handler(event, context);
      });
    }
  }
}

/** True when a write failed only because a document with this _id already exists (the idempotent no-op). */
export function isDuplicateKey(error: unknown): boolean {
  return (error as { code?: number } | undefined)?.code === 11000;
}
