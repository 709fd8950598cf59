import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '@aap/http';
import { documentedOperations, useTestEnvironment, type DocumentedOperation } from '@aap/test-harness';
import { startEvaluation, testCall, testDossier, type EvaluationHarness } from './testing/fixtures';

const env = useTestEnvironment();
let h: EvaluationHarness;
let operations: DocumentedOperation[];
let callId: string;

/**
 * A body each command route accepts, so that a refusal comes from who asks, not from what is sent
 * (a route not listed takes no body).
 */
const VALID_BODIES: Array<[RegExp, unknown]> = [
  [/\/admissibility$/, { checks: [] }],
  [/\/decision$/, { decision: 'reject', motivation: 'Hors du périmètre de l’appel.' }],
  [/\/decision\/reopen$/, { motivation: 'Erreur matérielle.' }],
  [/\/conflicts$/, { reason: 'Je connais le porteur.' }],
  [/\/reviews$/, { scores: [] }],
  [/\/complement-requests$/, { message: 'Merci de joindre le budget détaillé.' }],
  [/\/reviewers\/[^/]+$/, { name: 'Relecteur invité', email: 'rev-1@example.org', departement: '38' }],
];
const bodyOf = (method: string, path: string) => (method === 'GET' || method === 'DELETE' ? undefined : (VALID_BODIES.find(([pattern]) => pattern.test(path))?.[1] ?? {}));

/** Every operation of the service's own OpenAPI document, its path parameters filled with real ids. */
beforeAll(async () => {
  h = await startEvaluation(env);
  const call = testCall();
  callId = call.callId;
  await h.publishCall(call);
  const dossier = testDossier(call);
  await h.submit(dossier);
  operations = await documentedOperations(h.as('admin'), { callId: call.callId, waveId: call.waves[0]!.waveId, dossierId: dossier.dossierId, reviewerId: 'rev-1' });
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
    expect(operations).toEqual(
      expect.arrayContaining([expect.objectContaining({ method: 'POST', path: expect.stringMatching(/\/decision$/) }), expect.objectContaining({ method: 'GET', path: expect.stringMatching(/\/ranking$/) })]),
    );
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

/**
 * Staff are scoped per call (issue 16): every route × every staff role of ANOTHER call's team (a token
 * whose `sub` is not on this call's team, nor in its reviewer pool) → 404 as for a call or dossier that
 * does not exist, or 403 where the role itself is refused; always problem+json. A valid body is sent,
 * so the refusal is the team's, not the schema's.
 */
describe("every evaluation route refuses the staff of another call's team", () => {
  for (const role of ['programme-manager', 'committee', 'finance', 'reviewer'] as Role[]) {
    it(`404/403 problem+json for a ${role} of another call, on every route`, async () => {
      const outsider = h.as(role, { sub: `${role}-of-another-call` });
      for (const { method, path } of operations) {
        // A reviewer's own work queue is not a call's: it lists only the caller's assignments (none here).
        if (role === 'reviewer' && path === '/reviewers/me/assignments') continue;
        const answer = await outsider.request(method, path, bodyOf(method, path));
        expect({ method, path, refused: [403, 404].includes(answer.status) }, JSON.stringify(answer.body)).toEqual({ method, path, refused: true });
        expect(answer.headers['content-type']).toContain('application/problem+json');
      }
    });
  }

  it('the same routes answer the call\'s own team: every read to its managers and committee, the pool to its managers', async () => {
    for (const role of ['programme-manager', 'committee'] as Role[]) {
      // The default sub of the harness's tokens (test-<role>) is on the test call's team.
      const member = h.as(role);
      for (const { method, path } of operations.filter((o) => o.method === 'GET')) {
        const answer = await member.get(path);
        // 403 only where the role itself is refused (a reviewer's work queue).
        expect({ path, role, status: answer.status }).toEqual({ path, role, status: path === '/reviewers/me/assignments' ? 403 : 200 });
      }
    }
    const put = await h.as('programme-manager').put(`/calls/${callId}/reviewers/rev-2`, { name: 'Relecteur', email: 'rev-2@example.org', departement: '38' });
    expect(put.status).toBe(200);
    expect((await h.as('programme-manager', { sub: 'programme-manager-of-another-call' }).put(`/calls/${callId}/reviewers/rev-3`, { name: 'Complice', email: 'rev-3@example.org', departement: '38' })).status).toBe(404);
    // On the team as committee only: the pool is its managers'.
    expect((await h.as(['programme-manager', 'committee'], { sub: 'test-committee' }).put(`/calls/${callId}/reviewers/rev-3`, { name: 'Complice', email: 'rev-3@example.org', departement: '38' })).status).toBe(404);
  });
});
