import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { eventTopicName, OrganisationRegistered, type ApplicantSnapshot, type EventDefinition } from '@aap/contracts';
import { decodeHeaders, eventPublisher, eventually, type TestEnvironment } from '@aap/test-harness';

/**
 * Known points of the notification service to drive a test to, instead of sleeping and hoping that
 * "nothing more happened" by then.
 */

/** Waits until the service's consumer recorded this event as handled (its id in `processed_events`). */
export async function handled(env: TestEnvironment, eventId: string, options: { timeoutMs?: number } = {}): Promise<void> {
  const processed = env.database('notification').collection('processed_events');
  await eventually(async () => expect(await processed.countDocuments({ _id: eventId as never })).toBe(1), options);
}

/**
 * A publisher of test events, returned once the service knows `organisation` (published as registered,
 * then listed by the directory): its consumer is running, and the organisation's contacts and
 * subscriptions can be notified.
 */
export async function publisherOnceRegistered(env: TestEnvironment, organisation: ApplicantSnapshot) {
  const publisher = await eventPublisher(env);
  await publisher.publish(OrganisationRegistered, { organisation });
  const directory = env.database('notification').collection('directory_organisations');
  await eventually(async () => expect(await directory.countDocuments({ _id: organisation.organisationId as never })).toBe(1));
  return publisher;
}

/**
 * Waits until the deliveries matching `filter` are all settled (sent or failed for good): none can be
 * claimed, hence sent, again. Returns them.
 */
export async function settledDeliveries(env: TestEnvironment, filter: Record<string, unknown>, options: { timeoutMs?: number } = {}) {
  const deliveries = env.database('notification').collection<{ _id: string; status: string; log: Array<{ outcome: string }> }>('deliveries');
  return eventually(async () => {
    const found = await deliveries.find(filter as never).toArray();
    expect(found.filter((delivery) => delivery.status !== 'sent' && delivery.status !== 'failed').map((delivery) => [delivery._id, delivery.status])).toEqual([]);
    return found;
  }, options);
}

/**
 * Reads the event's topic from the beginning (a throw-away consumer group) until `count` copies of
 * the event `eventId` are seen on it: the duplicate was really delivered by the broker.
 */
export async function copiesOnTopic(env: TestEnvironment, definition: EventDefinition, eventId: string, count: number, timeoutMs = 20_000): Promise<number> {
  const consumer = env.kafka().consumer({ groupId: `copies-${randomBytes(6).toString('hex')}` });
  let copies = 0;
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: eventTopicName(env.prefix, definition.topic), fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        if (decodeHeaders(message.headers).ce_id === eventId) copies++;
      },
    });
    await eventually(() => expect(copies).toBeGreaterThanOrEqual(count), { timeoutMs });
    return copies;
  } finally {
    await consumer.disconnect();
  }
}
