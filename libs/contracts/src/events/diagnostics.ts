import { z } from 'zod';
import { defineEvent } from '../catalogue';

/**
 * The journey probe: the walking skeleton of the platform, kept as an operational check.
 * A probe launched on submission travels submission → evaluation → funding-award → notification,
 * each service persisting what it received and relaying through its own outbox, so one probe proves
 * HTTP, outbox, Kafka, idempotent consumption and trace propagation end to end.
 */
const hop = z.object({
  service: z.enum(['submission', 'evaluation', 'funding-award', 'notification']),
  at: z.iso.datetime(),
});

const probePayload = z.object({
  probeId: z.uuid(),
  label: z.string().min(1).max(200),
  hops: z.array(hop).min(1),
});
export type ProbePayload = z.infer<typeof probePayload>;

export const ProbeLaunched = defineEvent({
  name: 'probe.launched',
  version: 1,
  producer: 'submission',
  aggregate: 'probe',
  schema: probePayload,
  aggregateId: (data) => data.probeId,
  description: 'A journey probe was launched on the submission service.',
});

export const ProbeReachedEvaluation = defineEvent({
  name: 'probe.reached-evaluation',
  version: 1,
  producer: 'evaluation',
  aggregate: 'probe',
  schema: probePayload,
  aggregateId: (data) => data.probeId,
  description: 'The evaluation service received a journey probe and relays it.',
});

export const ProbeReachedFundingAward = defineEvent({
  name: 'probe.reached-funding-award',
  version: 1,
  producer: 'funding-award',
  aggregate: 'probe',
  schema: probePayload,
  aggregateId: (data) => data.probeId,
  description: 'The funding-award service received a journey probe and relays it.',
});

export const diagnosticsEvents = [ProbeLaunched, ProbeReachedEvaluation, ProbeReachedFundingAward];
