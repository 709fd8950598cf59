import { randomBytes } from 'node:crypto';
import { decodeHeaders, eventually, type ReadMessage, type TestEnvironment } from '@aap/test-harness';

/**
 * What the service's integration tests share: reading a topic to a known point instead of waiting a
 * fixed time for whatever may still arrive.
 */

type Kafka = ReturnType<TestEnvironment['kafka']>;

/**
 * Every message on `topic` up to its end as it is now (each partition's high watermark, asked of the
 * broker first), read with a throw-away consumer group. No settling delay: once a document's outbox is
 * relayed (`outboxPending: false`), everything it recorded is before that end, so "exactly these
 * events, nothing more" is decided on state. Fails after `timeoutMs` if the end is not reached.
 */
export async function readTopicToEnd(kafka: Kafka, topic: string, { timeoutMs = 20_000 } = {}): Promise<ReadMessage[]> {
  const admin = kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect());
  const remaining = new Map(offsets.filter((p) => BigInt(p.high) > BigInt(p.low)).map((p) => [p.partition, BigInt(p.high)]));
  const messages: ReadMessage[] = [];
  if (remaining.size === 0) return messages;

  const consumer = kafka.consumer({ groupId: `reader-${randomBytes(6).toString('hex')}` });
  await consumer.connect();
  try {
    let reachedEnd!: () => void;
    const end = new Promise<void>((resolve) => (reachedEnd = resolve));
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        const high = remaining.get(partition);
        if (high === undefined || BigInt(message.offset) >= high) return; // past the end asked for
        messages.push({ key: message.key?.toString() ?? null, value: message.value?.toString() ?? null, headers: decodeHeaders(message.headers), partition, offset: message.offset });
        if (BigInt(message.offset) + 1n >= high) remaining.delete(partition);
        if (remaining.size === 0) reachedEnd();
      },
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${topic} not read to its end within ${timeoutMs} ms (partitions left: ${[...remaining.keys()].join(', ')})`)), timeoutMs);
    });
    await Promise.race([end, timeout]).finally(() => clearTimeout(timer));
    return messages.sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
  } finally {
    await consumer.disconnect();
  }
}

/**
 * A dossier's stored document once its outbox is relayed (`outboxPending: false`): everything it
 * recorded is then on the topic, and the relay will not touch the document again — what a test
 * compares before and after a refused request.
 */
export const relayedDossier = (env: TestEnvironment, dossierId: string) =>
  eventually(async () => {
    const doc = await env.database('submission').collection('dossiers').findOne({ _id: dossierId as never });
    if (doc?.outboxPending !== false) throw new Error(`dossier ${dossierId} not relayed yet`);
    return doc;
  });
