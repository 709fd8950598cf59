import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downLocalInfra, freePort, upLocalService } from '@aap/local-infra';
import type { RunningService } from '@aap/service-runtime';
import { service as submission } from '@aap/submission-service';
import { passNumeriqueCallRules } from '@aap/submission-service/demo';
import { httpClient, useTestEnvironment, waitFor } from '@aap/test-harness';
import { superviseLocalService } from './infra-supervision';
import type { SupervisedProcess, Supervisor } from './supervisor';

const env = useTestEnvironment();

/** Its own PostgreSQL and FerretDB (own ports and home): the shared ones of the other tests are never touched. */
const OWN_INFRA = ['AAP_INFRA_HOME', 'AAP_POSTGRES_PORT', 'AAP_FERRETDB_PORT'] as const;

/**
 * PostgreSQL killed (SIGKILL) under FerretDB while a service runs: FerretDB still answers, with errors;
 * every request answers 503 problem+json with Retry-After within its own 2 s deadline, readiness names
 * PostgreSQL; then the supervisor `npm start` uses (tools/infra-supervision.ts) starts PostgreSQL
 * again, and the service answers 200 again with nothing else done.
 */
describe('PostgreSQL killed under FerretDB while a service runs', () => {
  const saved = Object.fromEntries(OWN_INFRA.map((name) => [name, process.env[name]]));
  const log: string[] = [];
  let home: string;
  let postgres: Supervisor<SupervisedProcess>;
  let service: RunningService;

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'aap-postgres-down-'));
    Object.assign(process.env, { AAP_INFRA_HOME: home, AAP_POSTGRES_PORT: String(await freePort()), AAP_FERRETDB_PORT: String(await freePort()) });
    // A restart 3 s after the crash is seen (npm start: 1 s): room for the requests below while it is down.
    postgres = await superviseLocalService('postgres', { log: (line) => log.push(line), backoff: { initialDelayMs: 3_000 } });
    await upLocalService('ferretdb', { log: (line) => log.push(line) });
    service = await env.startService(submission, { MONGODB_URI: `mongodb://127.0.0.1:${process.env.AAP_FERRETDB_PORT}/`, LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'fatal' });
    expect((await httpClient(service.url).as('programme-manager').get('/calls')).status).toBe(200);
  });

  afterAll(async () => {
    await service?.stop();
    await postgres?.release();
    // FerretDB, then the PostgreSQL under it (whichever instance the supervisor left running).
    await downLocalInfra({ only: ['ferretdb'], log: (line) => log.push(line) }).catch((error) => console.error(error, log.join('\n')));
    Object.assign(process.env, saved);
    for (const [name, value] of Object.entries(saved)) if (value === undefined) delete process.env[name];
    if (home) await rm(home, { recursive: true, force: true });
  });

  it('answers 503 problem+json with Retry-After within 2 s, readiness names PostgreSQL, and comes back once the supervisor restarted it', async () => {
    const killed = postgres.child.pid!;
    process.kill(killed, 'SIGKILL');
    await waitFor(() => postgres.crashes === 1, { what: 'the supervisor seeing PostgreSQL gone' });

    const manager = httpClient(service.url).as('programme-manager');
    for (const [method, path, body] of [
      ['GET', '/calls', undefined],
      ['GET', '/calls/no-such-call', undefined],
      ['POST', '/calls', passNumeriqueCallRules({ title: 'Written while PostgreSQL is down' })],
    ] as const) {
      const answer = await manager.request(method, path, body, { timeoutMs: 2_000 });
      expect(answer.status, `${method} ${path}`).toBe(503);
      expect(answer.headers['content-type']).toContain('application/problem+json');
      expect(Number(answer.headers['retry-after'])).toBeGreaterThan(0);
      expect(answer.body).toMatchObject({ type: 'https://aap.anct.gouv.fr/problems/service-unavailable', status: 503, detail: expect.stringContaining('PostgreSQL') });
      expect(JSON.stringify(answer.body)).not.toMatch(/127\.0\.0\.1|SQLSTATE|user=/);
    }
    const readiness = await httpClient(service.url).anonymous().get('/health/ready', { timeoutMs: 2_000 });
    expect(readiness.status).toBe(503);
    expect(readiness.body).toEqual({ status: 'unavailable', checks: { database: { status: 'unavailable', part: 'postgresql' }, kafka: { status: 'ok' } } });

    // Nothing done by hand: the supervisor restarts PostgreSQL, FerretDB reconnects, the service follows.
    await waitFor(() => postgres.child.pid !== killed, { deadlineMs: 30_000, what: `PostgreSQL restarted by the supervisor (${log.join(' | ')})` });
    expect(log.some((line) => /PostgreSQL stopped unexpectedly/.test(line))).toBe(true);
    await waitFor(async () => (await httpClient(service.url).anonymous().get('/health/ready', { timeoutMs: 2_000 })).status === 200, {
      deadlineMs: 30_000,
      what: 'readiness 200 again',
    });
    expect((await manager.get('/calls', { timeoutMs: 2_000 })).status).toBe(200);
  });
});
