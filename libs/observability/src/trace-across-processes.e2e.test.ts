import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DossierSubmitted, ProbeLaunched, ProbeReachedEvaluation, ProbeReachedFundingAward, eventTopicName, type ServiceName } from '@aap/contracts';
import { passNumeriqueCallRules } from '@aap/submission-service/demo';
import { authHeaders, eventually, httpClient, readTopic, startServiceProcess, startZipkinReceiver, useTestEnvironment, waitFor, type ServiceProcess, type ZipkinSpan } from '@aap/test-harness';

/** The ids of a span's ancestors within `spans`, nearest first. */
function ancestorsOf(span: ZipkinSpan, spans: ZipkinSpan[]): string[] {
  const byId = new Map(spans.map((s) => [s.id, s]));
  const ids: string[] = [];
  for (let parent = span.parentId; parent; parent = byId.get(parent)?.parentId) ids.push(parent);
  return ids;
}

/** The MongoDB commands (`insert`, `find`…) of `entry`'s service made within `entry`. */
function databaseCallsWithin(entry: ZipkinSpan, spans: ZipkinSpan[]): string[] {
  return spans
    .filter((s) => s.kind === 'CLIENT' && s.tags?.['db.system.name'] === 'mongodb' && s.localEndpoint.serviceName === entry.localEndpoint.serviceName)
    .filter((call) => ancestorsOf(call, spans).includes(entry.id))
    .map((call) => call.tags!['db.operation.name']!);
}

/** The MongoDB commands that write. */
const WRITE = /^(insert|update|findAndModify)$/;

const env = useTestEnvironment();
const services: ServiceName[] = ['submission', 'evaluation', 'funding-award', 'notification'];
const LYON = '216901231';

describe('one trace across the four services, each its own process, exported to Zipkin', () => {
  let zipkin: Awaited<ReturnType<typeof startZipkinReceiver>>;
  const processes = new Map<ServiceName, ServiceProcess>();

  beforeAll(async () => {
    zipkin = await startZipkinReceiver();
    const started = await Promise.allSettled(
      services.map((service) =>
        startServiceProcess(service, env.envFor(service, { OTEL_EXPORTER_ZIPKIN_ENDPOINT: zipkin.endpoint, OTEL_BSP_SCHEDULE_DELAY: '200' })),
      ),
    );
    // Those that started are stopped after, even when another did not.
    services.forEach((service, index) => {
      const outcome = started[index]!;
      if (outcome.status === 'fulfilled') processes.set(service, outcome.value);
    });
    const failed = started.find((outcome) => outcome.status === 'rejected');
    if (failed) throw failed.reason;
  });

  afterAll(async () => {
    await Promise.all([...processes.values()].map((p) => p.stop()));
    zipkin?.server.close();
  });

  it('a probe launched without a caller trace gets a real trace id, shared by the spans of all four services', async () => {
    const launched = await fetch(`${processes.get('submission')!.url}/diagnostics/probes`, {
      method: 'POST',
      headers: await authHeaders({ roles: ['admin'] }),
      body: JSON.stringify({ label: 'one trace' }),
    });
    expect(launched.status).toBe(202);
    const [, traceId, serverSpanId] = launched.headers.get('traceresponse')!.split('-');
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(traceId).not.toMatch(/^0+$/);
    const { probeId } = (await launched.json()) as { probeId: string };

    const consumersOf = (spans: ZipkinSpan[]) => spans.filter((s) => s.kind === 'CONSUMER').map((s) => s.localEndpoint.serviceName).sort();
    // Each process exports its spans in its own batches: wait for every span asserted below, the
    // submission's request and publish included (they may arrive after the consumers' spans).
    const spans = await waitFor(
      () => {
        const ours = zipkin.spans.filter((s) => s.traceId === traceId);
        const fromSubmission = ours.filter((s) => s.localEndpoint.serviceName === 'aap-submission').map((s) => s.kind);
        return consumersOf(ours).length >= 3 && fromSubmission.includes('SERVER') && fromSubmission.includes('PRODUCER') && ours;
      },
      { deadlineMs: 30_000, what: "the request's and publish's spans of submission and the consumer spans of the three other services in Zipkin" },
    );
    expect(consumersOf(spans)).toEqual(['aap-evaluation', 'aap-funding-award', 'aap-notification']);

    const one = (kind: ZipkinSpan['kind'], serviceName: string) => {
      const found = spans.filter((s) => s.kind === kind && s.localEndpoint.serviceName === serviceName);
      expect(found, `${kind} spans of ${serviceName} in ${JSON.stringify(spans.map((s) => [s.localEndpoint.serviceName, s.kind, s.name]))}`).toHaveLength(1);
      return found[0]!;
    };
    const server = one('SERVER', 'aap-submission');
    expect(server.id).toBe(serverSpanId);
    expect(server.name.toLowerCase()).toBe('post /diagnostics/probes');
    expect(server.parentId).toBeUndefined(); // the trace starts here: no caller trace was sent
    // server → publish → process → publish → process → publish → process: each caused by the previous,
    // with the libraries' spans in between (fastify's handler, for one).
    const chain = [
      server,
      one('PRODUCER', 'aap-submission'),
      one('CONSUMER', 'aap-evaluation'),
      one('PRODUCER', 'aap-evaluation'),
      one('CONSUMER', 'aap-funding-award'),
      one('PRODUCER', 'aap-funding-award'),
      one('CONSUMER', 'aap-notification'),
    ];
    chain.slice(1).forEach((span, index) => expect(ancestorsOf(span, spans), `${span.localEndpoint.serviceName} ${span.name}`).toContain(chain[index]!.id));

    // The database calls of each hop: the request's, and each consumer's, within that hop.
    for (const entry of [chain[0]!, chain[2]!, chain[4]!, chain[6]!]) {
      expect(databaseCallsWithin(entry, spans), entry.localEndpoint.serviceName).toContainEqual(expect.stringMatching(WRITE));
    }

    // On Kafka: every message carries the trace; the causation of each relayed event is the event
    // that caused it, and the first one, caused by an HTTP request, has none.
    const messages = await Promise.all(
      [ProbeLaunched, ProbeReachedEvaluation, ProbeReachedFundingAward].map(async (definition) => {
        const onTopic = await readTopic(env.kafka(), eventTopicName(env.prefix, definition.topic), { atLeast: 1 });
        return onTopic.find((m) => m.key === probeId)!.headers;
      }),
    );
    for (const headers of messages) expect(headers.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    const [first, second, third] = messages;
    expect(first).not.toHaveProperty('ce_causationid');
    expect(second!.ce_causationid).toBe(first!.ce_id);
    expect(third!.ce_causationid).toBe(second!.ce_id);
    expect(new Set(messages.map((h) => h.ce_correlationid))).toEqual(new Set([first!.ce_id]));
  });

  it("a submit's trace shows the request with its database calls, the publish, and each consuming service with its own", async () => {
    const api = httpClient(processes.get('submission')!.url);
    const manager = api.as('programme-manager', { sub: 'manager-1' });
    const lyon = api.as('applicant', { org: LYON, sub: 'lyon-agent' });
    const call = await manager.post('/calls', passNumeriqueCallRules({ title: 'Pass numérique — trace' }));
    expect(call.status).toBe(201);
    expect((await manager.post(`/calls/${call.body.callId}/publish`)).status).toBe(200);
    expect((await lyon.post('/organisations', { kind: 'commune', siren: LYON, contacts: [{ name: 'Service numérique', email: 'numerique@lyon.example.fr' }] })).status).toBe(201);
    const draft = await lyon.post('/dossiers', { callId: call.body.callId, waveId: 'vague-1' });
    expect(draft.status).toBe(201);
    const dossier = `/dossiers/${draft.body.dossierId}`;
    const project = { title: 'Pass numérique lyonnais', summary: '2 000 pass', description: 'Distribution par les CCAS', startDate: '2027-01-01', endDate: '2027-12-31' };
    expect((await lyon.patch(`${dossier}/project`, project)).status).toBe(200);
    const budget = { eligibleCostCents: 4_000_000, requestedGrantCents: 2_000_000, otherFunding: [{ kind: 'own-contribution', funder: 'Ville de Lyon', amountCents: 2_000_000 }] };
    expect((await lyon.put(`${dossier}/budget`, budget)).status).toBe(200);
    for (const documentType of ['deliberation', 'budget-plan']) {
      const form = new FormData();
      form.append('documentType', documentType);
      form.append('file', new Blob(['%PDF-1.7\n%%EOF\n'], { type: 'application/pdf' }), `${documentType}.pdf`);
      expect((await lyon.post(`${dossier}/attachments`, form)).status).toBe(201);
    }

    const submitted = await lyon.post(`${dossier}/submit`);
    expect(submitted.status).toBe(200);
    const [, traceId, serverSpanId] = submitted.headers.traceresponse!.split('-');

    // Evaluation (admissibility) and notification (the acknowledgement) consume dossier.submitted.
    const spans = await eventually(
      () => {
        const ours = zipkin.spans.filter((s) => s.traceId === traceId);
        expect(ours.filter((s) => s.kind === 'CONSUMER').map((s) => s.localEndpoint.serviceName)).toEqual(expect.arrayContaining(['aap-evaluation', 'aap-notification']));
        // The request's span and its publish come in the submission's own export batches, maybe later.
        expect(ours.map((s) => s.id)).toContain(serverSpanId);
        expect(ours.some((s) => s.kind === 'PRODUCER' && s.tags?.['cloudevents.event_type'] === DossierSubmitted.type)).toBe(true);
        return ours;
      },
      { timeoutMs: 30_000 },
    );
    const server = spans.find((s) => s.id === serverSpanId)!;
    expect(server).toMatchObject({ kind: 'SERVER', name: 'POST /dossiers/:dossierId/submit', localEndpoint: { serviceName: 'aap-submission' } });
    expect(databaseCallsWithin(server, spans)).toContainEqual(expect.stringMatching(WRITE));
    const publish = spans.find((s) => s.kind === 'PRODUCER' && s.tags?.['cloudevents.event_type'] === DossierSubmitted.type)!;
    expect(ancestorsOf(publish, spans)).toContain(server.id);
    for (const service of ['aap-evaluation', 'aap-notification']) {
      const consumer = spans.find((s) => s.kind === 'CONSUMER' && s.localEndpoint.serviceName === service && ancestorsOf(s, spans).includes(publish.id));
      expect(consumer, `${service} consumes dossier.submitted`).toBeDefined();
      expect(databaseCallsWithin(consumer!, spans), service).toContainEqual(expect.stringMatching(WRITE));
    }
  });

  it('every log line of a request carries its real trace id', async () => {
    const response = await fetch(`${processes.get('evaluation')!.url}/health/ready`);
    const [, traceId] = response.headers.get('traceresponse')!.split('-');
    expect(traceId).not.toMatch(/^0+$/);
    await waitFor(() => processes.get('evaluation')!.output().includes(`"trace_id":"${traceId}"`), { what: "evaluation's log line with the trace id" });
  });
});
