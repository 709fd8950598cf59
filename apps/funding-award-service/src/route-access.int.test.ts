import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '@aap/http';
import { documentedOperations, eventually, useTestEnvironment, type DocumentedOperation } from '@aap/test-harness';
import { IBAN, LYON, acceptDossier, bankDetails, publishedCall, useFundingAward } from './int-fixtures';

const env = useTestEnvironment();
const { api, publisher } = useFundingAward(env);
let operations: DocumentedOperation[];
let awardId: string;
const { callId } = publishedCall();

beforeAll(async () => {
  awardId = randomUUID();
  await acceptDossier(env, publisher(), awardId);
  await eventually(async () => expect((await api().as('finance').get(`/awards/${awardId}`)).status).toBe(200));
  const ids: Record<string, string> = { awardId, trancheId: `${awardId}-T1`, bankDetailsId: `${awardId}-B1` };
  operations = await documentedOperations(api().as('admin'), ids);
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

/**
 * A body each command route accepts, so that a refusal comes from who asks, not from what is sent
 * (a route not listed takes none, or an empty object).
 */
const VALID_BODIES: Array<[RegExp, unknown]> = [
  [/\/legal-commitment$/, { number: '1234567890' }],
  [/\/tranches\/interim$/, { amountCents: 100, expenses: [{ supplier: 'Fournisseur', date: '2026-11-02', amountCents: 1_000, category: 'équipement' }] }],
  [/\/tranches\/balance$/, { actualEligibleExpensesCents: 1_000 }],
  [/\/refuse$/, { reason: 'Pièce manquante.' }],
  [/\/payment$/, { paymentReference: 'CHORUS-1', paidOn: '2026-12-05' }],
  [/\/bank-details$/, bankDetails(IBAN)],
  [/\/recovery-orders$/, { amountCents: 100, dueOn: '2099-01-01', reason: 'Dépense inéligible.' }],
  [/\/agreement\/(signature|countersignature)$/, { sha256: 'a'.repeat(64) }],
  [/\/start-deadline-extension$/, { months: 3, reason: 'Retard du chantier.' }],
  [/\/execution-start$/, { startedOn: '2026-11-02' }],
  [/\/renunciation$/, { reason: 'Projet abandonné.' }],
];
const validBodyOf = (method: string, path: string) => (method === 'GET' || method === 'DELETE' ? undefined : (VALID_BODIES.find(([pattern]) => pattern.test(path))?.[1] ?? {}));
/** The routes with the award's real call and a real agreement version (the document's `{callId}` and `{version}` were filled with `x` above). */
const onTheCall = () => operations.map((o) => ({ ...o, path: o.path.replace(/^\/calls\/x\//, `/calls/${callId}/`).replace(/\/agreement\/x$/, '/agreement/issued') }));

/**
 * Staff are scoped per call (issue 16): every route × every staff role of ANOTHER call's team (a token
 * whose `sub` is not on the award's call's team) → 404 as for an award or a call that does not exist,
 * or 403 where the role itself is refused; always problem+json. Valid bodies are sent, so the refusal is
 * the team's, not the schema's.
 */
describe("every funding-award route refuses the staff of another call's team", () => {
  for (const role of ['programme-manager', 'finance', 'committee'] as Role[]) {
    it(`404/403 problem+json for a ${role} of another call, on every route`, async () => {
      const outsider = api().as(role, { sub: `${role}-of-another-call` });
      for (const { method, path } of onTheCall()) {
        const answer = await outsider.request(method, path, validBodyOf(method, path));
        // The queues are lists, not one call's: confined to the caller's calls (the next test).
        if (role === 'finance' && path.startsWith('/finance/')) continue;
        expect({ method, path, refused: [403, 404].includes(answer.status) }, JSON.stringify(answer.body)).toEqual({ method, path, refused: true });
        expect(answer.headers['content-type']).toContain('application/problem+json');
      }
    });
  }

  it("the finance queues show a finance officer only their calls' awards", async () => {
    const pending = (sub: string) => api().as('finance', { sub }).get('/finance/bank-details', { query: { status: 'pending', pageSize: 100 } });
    expect((await api().as('applicant', { org: LYON }).post(`/awards/${awardId}/bank-details`, bankDetails(IBAN))).status).toBe(200);
    // The queue is a consumer hop away: the team's officer sees the award once it is there…
    await eventually(async () => expect((await pending('finance-1')).body.items.map((row: { awardId: string }) => row.awardId)).toContain(awardId));
    // …an officer of another call never does.
    const outsider = await pending('finance-of-another-call');
    expect(outsider.status).toBe(200);
    expect(outsider.body.items).toEqual([]);
    const tranches = await api().as('finance', { sub: 'finance-of-another-call' }).get('/finance/tranches', { query: { status: 'requested', pageSize: 100 } });
    expect(tranches.status).toBe(200);
    expect(tranches.body.items).toEqual([]);
  });

  it('the same routes answer the call’s own team: every read to its finance officers and managers', async () => {
    for (const role of ['finance', 'programme-manager'] as Role[]) {
      // The default sub of the harness's tokens (test-<role>) is on the test call's team.
      for (const { method, path } of onTheCall().filter((o) => o.method === 'GET' && !o.path.startsWith('/finance/'))) {
        const answer = await api().as(role).get(path);
        // The award has no agreement yet (404 naming it, not the award); the payments export is finance's; the history is read by both.
        const expected = /\/agreement/.test(path) ? 404 : role === 'programme-manager' && /payments\./.test(path) ? 403 : 200;
        expect({ path, role, status: answer.status }).toEqual({ path, role, status: expected });
        if (expected === 404) expect(answer.body.detail).toMatch(/agreement/);
      }
    }
    const recorded = await api().as('finance').post(`/awards/${awardId}/legal-commitment`, { number: '1234567890' });
    expect(recorded.status).toBe(200);
  });
});
