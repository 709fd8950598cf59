import { randomUUID } from 'node:crypto';
import { Schema, type Model } from 'mongoose';
import { z } from 'zod';
import type { EventDefinition, ProbePayload } from '@aap/contracts';
import { causedBy, outboxForInsert, type OutboxFields, type PendingEvent } from '@aap/messaging';
import { notFound } from '@aap/http';
import type { ServiceContext } from '@aap/service-runtime';

/**
 * The journey probe slice (walking skeleton kept as an operational check). Every service stores the
 * probes it saw; submission launches them (POST), the others receive one event and relay the next.
 */
interface ProbeDocument extends OutboxFields {
  _id: string;
  label: string;
  hops: ProbePayload['hops'];
  correlationId: string;
  /** Id of the event that brought the probe here (absent where it was launched). */
  receivedEventId?: string;
  receivedAt: Date;
}

const probeView = z.object({
  probeId: z.uuid(),
  label: z.string(),
  hops: z.array(z.object({ service: z.string(), at: z.string() })),
  correlationId: z.string(),
  receivedEventId: z.string().optional(),
  receivedAt: z.string(),
});

function probeModel(context: ServiceContext): Model<ProbeDocument> {
  const schema = new Schema<ProbeDocument>(
    {
      _id: { type: String, required: true },
      label: { type: String, required: true },
      hops: [{ _id: false, service: String, at: String }],
      correlationId: { type: String, required: true },
      receivedEventId: String,
      receivedAt: { type: Date, required: true },
    },
  );
  return context.aggregate('JourneyProbe', schema, { collection: 'journey_probes' });
}

export interface JourneyProbeOptions {
  /** The event that brings the probe to this service (none on submission, where it starts). */
  receives?: EventDefinition<z.ZodType<ProbePayload>>;
  /** The event this service publishes to pass the probe on (none on notification, where it ends). */
  relays?: EventDefinition<z.ZodType<ProbePayload>>;
}

export function registerJourneyProbe(context: ServiceContext, options: JourneyProbeOptions): void {
  const Probe = probeModel(context);
  const now = () => new Date().toISOString();

  const relayEvents = (payload: ProbePayload, metadata?: ReturnType<typeof causedBy>): PendingEvent[] =>
    options.relays ? [context.event(options.relays, payload, metadata)] : [];

  if (!options.receives) {
    context.http.post(
      '/diagnostics/probes',
      {
        config: { access: { roles: ['admin'] } },
        schema: {
          operationId: 'launchJourneyProbe',
          tags: ['diagnostics'],
          summary: 'Launch a journey probe through the four services',
          body: z.object({ label: z.string().trim().min(1).max(200) }),
          response: { 202: probeView },
        },
      },
      async (request, reply) => {
        const probeId = randomUUID();
        const payload: ProbePayload = { probeId, label: request.body.label, hops: [{ service: context.service, at: now() }] };
        const events = relayEvents(payload);
        const probe = await Probe.create({
          _id: probeId,
          label: payload.label,
          hops: payload.hops,
          correlationId: events[0]?.envelope.correlationid ?? probeId,
          receivedAt: new Date(),
          ...outboxForInsert(events),
        });
        return reply.status(202).send(toView(probe));
      },
    );
  } else {
    context.consumer.on(options.receives, async (event) => {
      const payload: ProbePayload = { ...event.data, hops: [...event.data.hops, { service: context.service, at: now() }] };
      // Upsert keyed by probe id with $setOnInsert: a redelivered event changes nothing and relays nothing twice.
      await Probe.updateOne(
        { _id: payload.probeId },
        {
          $setOnInsert: {
            label: payload.label,
            hops: payload.hops,
            correlationId: event.correlationid,
            receivedEventId: event.id,
            receivedAt: new Date(),
            ...outboxForInsert(relayEvents(payload, causedBy(event))),
          },
        },
        { upsert: true },
      );
    });
  }

  context.http.get(
    '/diagnostics/probes/:probeId',
    {
      config: { access: { roles: ['admin'] } },
      schema: {
        operationId: 'getJourneyProbe',
        tags: ['diagnostics'],
        summary: 'What this service recorded of a journey probe',
        params: z.object({ probeId: z.uuid() }),
        response: { 200: probeView },
      },
    },
    async (request) => {
      const probe = await Probe.findById(request.params.probeId).lean();
      if (!probe) throw notFound(`Probe ${request.params.probeId}`);
      return toView(probe);
    },
  );
}

function toView(probe: ProbeDocument) {
  return {
    probeId: probe._id,
    label: probe.label,
    hops: probe.hops.map((h) => ({ service: h.service, at: h.at })),
    correlationId: probe.correlationId,
    ...(probe.receivedEventId ? { receivedEventId: probe.receivedEventId } : {}),
    receivedAt: new Date(probe.receivedAt).toISOString(),
  };
}
