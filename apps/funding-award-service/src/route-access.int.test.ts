import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '@aap/http';
import { eventually, useTestEnvironment } from '@aap/test-harness';
import { LYON, acceptDossier, useFundingAward } from './int-fixtures';

const env = useTestEnvironment();
const { api, publisher } = useFundingAward(env);
let operations: Array<{ method: string; path: string; tags: string[]; roles: string[] }>;

beforeAll(async () => {
  const awardId = randomUUID();
  await acceptDossier(env, publisher(), awardId);
  await eventually(async () => expect((await api().as('finance').get(`/awards/${awardId}`)).status).toBe(200));
  const ids: Record<string, string> = { awardId, trancheId: `${awardId}-T1`, bankDetailsId: `${awardId}-B1` };
  const document = (await api().as('admin').get('/openapi.json')).body as { paths: Record<string, Record<string, { tags?: string[]; description?: string }>> };
  // The roles a route declares, as the OpenAPI document states them ("Roles: finance, admin.").
  const rolesOf = (description = '') => /Roles: ([^.]+)\./.exec(description)?.[1]?.split(', ') ?? [];
  operations = Object.entries(document.paths)
    .filter(([path]) => !path.startsWith('/health') && !path.startsWith('/diagnostics'))
    .flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({ method: method.toUpperCase(), path: path.replace(/\{(\w+)\}/g, (_, name: string) => ids[name] ?? 'x'), tags: operation.tags ?? [], roles: rolesOf(operation.description) })),
    );
});

const bodyOf = (method: string) => (method === 'GET' || method === 'DELETE' ? undefined : {});

/**
 * Every route × the roles that must never reach it, from the service's own OpenAPI document (a route
 * added later is covered without touching this test). Finance commands and views refuse the
 * beneficiary, and the beneficiary's commands refuse finance: those are in the specific tests.
 */
describe('every funding-award route refuses who has no business there', () => {
  it('lists the routes it checks', () => {
    expect(operations.length).toBeGreaterThanOrEqual(15);
    expect(operations).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ method: 'POST', path: expect.stringMatching(/\/release$/) }),
        expect.objectContaining({ method: 'POST', path: expect.stringMatching(/\/legal-commitment$/) }),
        expect.objectContaining({ method: 'GET', path: '/finance/tranches' }),
        expect.objectContaining({ method: 'POST', path: expect.stringMatching(/\/agreement\/countersignature$/) }),
        expect.objectContaining({ method: 'GET', path: expect.stringMatching(/\/agreement\/x$/) }),
      ]),
    );
  });

  it('covers the finance views: the call’s ledger, its payments export and each award’s history', () => {
    const paths = operations.map((o) => `${o.method} ${o.path}`);
    expect(paths).toEqual(expect.arrayContaining(['GET /calls/x/ledger', 'GET /calls/x/payments.csv', 'GET /calls/x/payments.xlsx', expect.stringMatching(/^GET \/awards\/[^/]+\/history$/)]));
  });

  it('401 without a token, on every route', async () => {
    for (const { method, path } of operations) {
      const answer = await api().anonymous().request(method, path, bodyOf(method));
      expect({ method, path, status: answer.status }).toEqual({ method, path, status: 401 });
    }
  });

  for (const role of ['reviewer', 'committee'] as Role[]) {
    it(`403 problem+json for ${role}, on every route`, async () => {
      for (const { method, path } of operations) {
        const answer = await api().as(role).request(method, path, bodyOf(method));
        expect({ method, path, status: answer.status }).toEqual({ method, path, status: 403 });
        expect(answer.headers['content-type']).toContain('application/problem+json');
      }
    });
  }

  it('403 for a programme manager on every command not its own, the beneficiary on its own commands, and the beneficiary on every finance view', async () => {
    const managers = operations.filter((o) => o.method === 'POST' && o.roles.includes('programme-manager'));
    expect(managers).toEqual(
      expect.arrayContaining([/\/start-deadline-extension$/, /\/agreement$/, /\/agreement\/countersignature$/].map((path) => expect.objectContaining({ path: expect.stringMatching(path) }))),
    );
    for (const { method, path } of managers) {
      expect({ method, path, status: (await api().as('applicant', { org: LYON }).request(method, path, {})).status }).toEqual({ method, path, status: 403 });
    }
    for (const { method, path } of operations.filter((o) => o.method === 'POST' && !managers.includes(o))) {
      expect({ method, path, status: (await api().as('programme-manager').request(method, path, {})).status }).toEqual({ method, path, status: 403 });
    }
    for (const { method, path } of operations.filter((o) => o.tags.includes('finance'))) {
      expect({ method, path, status: (await api().as('applicant', { org: LYON }).request(method, path)).status }).toEqual({ method, path, status: 403 });
    }
  });
});
