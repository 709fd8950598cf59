import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '@aap/http';
import { useTestEnvironment } from '@aap/test-harness';
import { startEvaluation, testCall, testDossier, type EvaluationHarness } from './testing/fixtures';

const env = useTestEnvironment();
let h: EvaluationHarness;
let operations: Array<{ method: string; path: string }>;

/** Every operation of the service's own OpenAPI document, its path parameters filled with real ids. */
async function everyOperation(ids: Record<string, string>) {
  const document = (await h.as('admin').get('/openapi.json')).body as { paths: Record<string, Record<string, unknown>> };
  return Object.entries(document.paths)
    .filter(([path]) => !path.startsWith('/health') && !path.startsWith('/diagnostics'))
    .flatMap(([path, methods]) => Object.keys(methods).map((method) => ({ method: method.toUpperCase(), path: path.replace(/\{(\w+)\}/g, (_, name: string) => ids[name] ?? 'x') })));
}

beforeAll(async () => {
  h = await startEvaluation(env);
  const call = testCall();
  await h.publishCall(call);
  const dossier = testDossier(call);
  await h.submit(dossier);
  operations = await everyOperation({ callId: call.callId, waveId: call.waves[0]!.waveId, dossierId: dossier.dossierId, reviewerId: 'rev-1' });
});
afterAll(() => h.stop());

/**
 * Every route × the roles that must never reach it, from the OpenAPI document itself (a route added
 * later is covered without touching this test): nobody without a token, no applicant (evaluation
 * is for staff only, their own organisation's dossier included), no finance officer.
 */
describe('every evaluation route refuses who has no business there', () => {
  it('lists the routes it checks', () => {
    expect(operations.length).toBeGreaterThanOrEqual(15);
    expect(operations).toEqual(expect.arrayContaining([{ method: 'POST', path: expect.stringMatching(/\/decision$/) }, { method: 'GET', path: expect.stringMatching(/\/ranking$/) }]));
  });

  it('401 without a token, on every route', async () => {
    for (const { method, path } of operations) {
      const answer = await h.as('admin').request(method, path, method === 'GET' || method === 'DELETE' ? undefined : {}, { headers: { authorization: '' } });
      expect({ method, path, status: answer.status }).toEqual({ method, path, status: 401 });
    }
  });

  for (const [role, claims] of [['applicant', { org: '216901231' }], ['finance', {}]] as Array<[Role, { org?: string }]>) {
    it(`403 problem+json for ${role}, on every route`, async () => {
      for (const { method, path } of operations) {
        const answer = await h.as(role, claims).request(method, path, method === 'GET' || method === 'DELETE' ? undefined : {});
        expect({ method, path, status: answer.status }).toEqual({ method, path, status: 403 });
        expect(answer.headers['content-type']).toContain('application/problem+json');
      }
    });
  }
});
