import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DossierDraftSaved, DossierSubmitted, DossierWithdrawn, eventTopicName, type ServiceName } from '@aap/contracts';
import { startMailCatcher } from '@aap/notification-service/testing';
import { eventually, readTopic, startServiceProcess, useTestEnvironment, waitFor, type ServiceProcess } from '@aap/test-harness';
import { mapLimit } from './bench/load';
import { seed, type Seed } from './bench/seed';

/**
 * Two instances of submission and two of notification, separate processes on one database and one
 * broker (as behind a load balancer), under concurrent submits and withdrawals; one instance of each
 * is killed (SIGKILL) in the middle. Nothing may be applied twice or lost: the document guard lives in
 * the database (document-locks.ts), the outbox of a dead instance is relayed by the other, and the
 * surviving consumer takes the dead one's partitions over (rebalance) without handling an event twice.
 */
const env = useTestEnvironment();
const DOSSIERS = 24;
/** Every other dossier is withdrawn after its submission: two events of one key whose order must hold. */
const withdrawn = (index: number) => index % 2 === 0;

describe('two instances of submission and of notification on one database and broker', () => {
  const instances: Record<string, ServiceProcess> = {};
  let mail: Awaited<ReturnType<typeof startMailCatcher>>;
  let seeded: Seed;

  beforeAll(async () => {
    mail = await startMailCatcher();
    const start = (service: ServiceName, name: string) =>
      startServiceProcess(service, env.envFor(service, { SMTP_PORT: String(mail.port), RATE_LIMIT_PER_MINUTE: '0' }), { timeoutMs: 150_000 }).then(
        (process) => (instances[name] = process),
      );
    // One instance of each first (it creates the topics and indexes), then the second ones.
    await Promise.all([start('submission', 'submission-a'), start('notification', 'notification-a')]);
    await Promise.all([start('submission', 'submission-b'), start('notification', 'notification-b')]);
    seeded = await seed(instances['submission-a']!.url, { organisations: DOSSIERS, ready: DOSSIERS, dossiers: DOSSIERS, concurrency: 6, log: () => undefined });
  }, 400_000);

  afterAll(async () => {
    await Promise.all(Object.values(instances).map((instance) => instance.stop('SIGKILL')));
    await mail?.stop();
  });

  it('under concurrent submits and a kill -9 of one instance of each: every dossier submitted once with its own receipt number, each e-mail sent once, per-dossier order kept', async () => {
    const submissionUrls = () => ['submission-a', 'submission-b'].filter((name) => !killed.has(name)).map((name) => instances[name]!.url);
    const killed = new Set<string>();
    const authorizationOf = new Map(seeded.organisations.map((o) => [o.organisationId, o.authorization]));
    const dossiers = seeded.ready;

    /** A request as a load balancer sends it: to one instance, to another one when that one is gone. */
    const send = async (index: number, path: string, body: object): Promise<{ status: number; body: any }> => {
      for (let attempt = 0; ; attempt++) {
        const urls = submissionUrls();
        const url = urls[(index + attempt) % urls.length]!;
        try {
          const response = await fetch(`${url}${path}`, {
            method: path.endsWith('submit') || path.endsWith('withdraw') ? 'POST' : 'GET',
            headers: { authorization: authorizationOf.get(dossiers[index]!.organisationId)!, 'content-type': 'application/json' },
            ...(path.endsWith('submit') || path.endsWith('withdraw') ? { body: JSON.stringify(body) } : {}),
          });
          return { status: response.status, body: await response.json() };
        } catch (error) {
          if (attempt >= 10) throw error; // the instance was killed under the request: another one answers
        }
      }
    };
    /** Submits (then withdraws) a dossier; an answer lost with a killed instance is asked again, and what is stored decides. */
    const act = async (index: number, action: 'submit' | 'withdraw', wanted: string) => {
      const path = `/dossiers/${dossiers[index]!.dossierId}`;
      for (;;) {
        const answer = await send(index, `${path}/${action}`, {});
        if (answer.status === 200) return;
        const stored = await send(index, path, {});
        if (stored.body.status === wanted) return; // done by the request whose answer was lost with its instance
        // A lost race (409 concurrent change) or a lease left by the killed instance: asked again.
        expect([409, 503], JSON.stringify(answer.body)).toContain(answer.status);
      }
    };

    let answered = 0;
    const kill = (name: string) => {
      killed.add(name);
      instances[name]!.process.kill('SIGKILL');
    };
    await mapLimit(
      dossiers.map((_, index) => index),
      8,
      async (index) => {
        await act(index, 'submit', 'submitted');
        if (withdrawn(index)) await act(index, 'withdraw', 'withdrawn');
        // Mid-load: one instance of each service dies without a word, requests and events in flight.
        if (++answered === DOSSIERS / 3) {
          kill('submission-b');
          kill('notification-b');
        }
      },
    );
    await Promise.all([instances['submission-b']!.exited, instances['notification-b']!.exited]);

    // Every dossier: its final status, and one receipt number of its own.
    const stored = await Promise.all(dossiers.map((_, index) => send(index, `/dossiers/${dossiers[index]!.dossierId}`, {}).then((answer) => answer.body)));
    expect(stored.map((d) => d.status)).toEqual(dossiers.map((_, index) => (withdrawn(index) ? 'withdrawn' : 'submitted')));
    const numbers = stored.map((d) => d.number as string);
    for (const number of numbers) expect(number).toMatch(/^AAP-\d{4}-\d{6}$/);
    expect(new Set(numbers).size).toBe(DOSSIERS);

    // On Kafka: one dossier.submitted per dossier (a copy re-sent after the kill has the same id), and
    // dossier.withdrawn after it on the dossier's key.
    const topic = eventTopicName(env.prefix, DossierSubmitted.topic);
    expect(DossierWithdrawn.topic).toEqual(DossierSubmitted.topic);
    const expectedEvents = DOSSIERS + dossiers.filter((_, index) => withdrawn(index)).length;
    // Read until every dossier's events are there: a dead instance's outbox is relayed by the other
    // one, and copies it re-sends count among the topic's messages.
    const eventsOf = await eventually(
      async () => {
        const messages = await readTopic(env.kafka(), topic, { atLeast: expectedEvents, deadlineMs: 30_000 });
        const events = new Map<string, Array<{ id: string; type: string }>>();
        // A draft's saves (dossier.draft-saved) are not what this follows: the submissions and withdrawals.
        const followed = messages.filter((message) => message.headers.ce_type !== DossierDraftSaved.type);
        for (const message of followed.sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)))) {
          const ofKey = events.get(message.key!) ?? [];
          if (!ofKey.some((event) => event.id === message.headers.ce_id)) ofKey.push({ id: message.headers.ce_id!, type: message.headers.ce_type! });
          events.set(message.key!, ofKey);
        }
        dossiers.forEach((dossier, index) => {
          expect(events.get(dossier.dossierId)?.map((event) => event.type), dossier.dossierId).toEqual(
            withdrawn(index) ? [DossierSubmitted.type, DossierWithdrawn.type] : [DossierSubmitted.type],
          );
        });
        return events;
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    );

    // Notification: one e-mail delivery per event (each organisation has one contact), all sent, and
    // each event handled once, a dossier's withdrawal after its submission.
    const notification = env.database('notification');
    const allEventIds = [...eventsOf.values()].flat().map((event) => event.id);
    const deliveries = await eventually(
      async () => {
        const found = await notification.collection('deliveries').find({ channel: 'email' }).toArray();
        const byStatus = Object.fromEntries(['pending', 'sending', 'sent', 'failed'].map((status) => [status, found.filter((d) => d.status === status).length]));
        expect(byStatus, `e-mail deliveries by status (${found.length} of ${expectedEvents} made)`).toEqual({ pending: 0, sending: 0, sent: expectedEvents, failed: 0 });
        return found;
      },
      // A delivery the killed instance had claimed is sent again once its claim's lease runs out
      // (WEBHOOK_TIMEOUT_MS + 60 s, delivery-queue.ts): that bounds this wait, not the guard.
      { timeoutMs: 120_000, intervalMs: 500 },
    );
    expect(deliveries).toHaveLength(expectedEvents);
    expect(deliveries.map((delivery) => delivery.eventId).sort()).toEqual([...allEventIds].sort());

    const handled = await notification.collection('processed_events').find({ _id: { $in: allEventIds as never[] } }).toArray();
    expect(handled).toHaveLength(expectedEvents);
    const handledAt = new Map(handled.map((event) => [String(event._id), new Date(event.handledAt).getTime()]));
    dossiers.forEach((dossier, index) => {
      if (!withdrawn(index)) return;
      const [submitted, withdrawal] = eventsOf.get(dossier.dossierId)!;
      expect(handledAt.get(withdrawal!.id)!, dossier.dossierId).toBeGreaterThanOrEqual(handledAt.get(submitted!.id)!);
    });

    // The mail catcher: every e-mail arrived, each under one Message-ID. A kill between the SMTP server's
    // acceptance and the delivery's recording may send one again (at least once): with the same
    // Message-ID, which receivers deduplicate on; never as a second, different message.
    const mails = await waitFor(async () => {
      const caught = await mail.mails();
      return new Set(caught.map((m) => m.headers['message-id'])).size >= expectedEvents && caught;
    }, { deadlineMs: 20_000, what: `${expectedEvents} distinct e-mails caught` });
    expect(new Set(mails.map((m) => m.headers['message-id'])).size).toBe(expectedEvents);
    const mailsTo = new Map<string, Set<unknown>>();
    for (const m of mails) for (const to of m.to) mailsTo.set(to, (mailsTo.get(to) ?? new Set()).add(m.headers['message-id']));
    dossiers.forEach((dossier, index) => {
      expect(mailsTo.get(`mairie-${dossier.organisationId}@bench.example.fr`)?.size, dossier.organisationId).toBe(withdrawn(index) ? 2 : 1);
    });
  }, 240_000);
});
