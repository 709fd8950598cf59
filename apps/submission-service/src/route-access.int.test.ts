import { beforeAll, describe, expect, it } from 'vitest';
import { TEAM_ROLES } from '@aap/contracts';
import type { Role } from '@aap/http';
import { documentedOperations, httpClient, useTestEnvironment, type DocumentedOperation, type HttpClient } from '@aap/test-harness';
import { createPublishedCall, passNumeriqueCallRules } from './calls/testing';
import { service } from './service';

const env = useTestEnvironment();
const LYON = '216901231';
const PDF = Buffer.from('%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n');
/** A staff person on no team of the calls this test builds. */
const OUTSIDER = 'manager-of-another-call';

type Operation = DocumentedOperation;
let api: HttpClient;
let operations: Operation[];
let callId: string;
let dossierId: string;

/** A valid body for the routes that have one, so a refusal is the team rule's and not the validation's. */
const bodyOf = ({ method, path }: Pick<Operation, 'method' | 'path'>): unknown => {
  if (method === 'GET' || method === 'DELETE') return undefined;
  if (method === 'PUT' && path === `/calls/${callId}`) return passNumeriqueCallRules();
  if (/\/(extend|reopen)$/.test(path)) return { closesAt: '2098-06-30T23:59:59+02:00', reason: 'Report demandé' };
  return {};
};

beforeAll(async () => {
  const submission = await env.startService(service);
  api = httpClient(submission.url);
  expect((await api.as('applicant', { org: LYON }).post('/organisations', { kind: 'commune', siren: LYON, contacts: [{ name: 'Service numérique', email: 'numerique@example.fr' }] })).status).toBe(201);
  const call = await createPublishedCall(submission.url, passNumeriqueCallRules({ maxActiveDossiersPerApplicantPerWave: 5 }));
  callId = call.callId;
  const applicant = api.as('applicant', { org: LYON });
  dossierId = (await applicant.post('/dossiers', { callId, waveId: call.waves[0]!.waveId })).body.dossierId as string;
  const form = new FormData();
  form.append('documentType', 'deliberation');
  form.append('file', new Blob([PDF], { type: 'application/pdf' }), 'deliberation.pdf');
  const attachmentId = (await applicant.post(`/dossiers/${dossierId}/attachments`, form)).body.attachmentId as string;

  const rebuildId = (await api.as('admin').post('/admin/dossier-index/rebuild', { from: 'dossiers' })).body.rebuildId as string;
  const ids: Record<string, string> = { callId, dossierId, attachmentId, organisationId: LYON, role: 'committee', member: 'claire', rebuildId };
  operations = await documentedOperations(api.as('admin'), ids);
});

/** The query a route needs to answer (a search names its words and, for an admin, its call). */
const queryOf = ({ method, path }: Pick<Operation, 'method' | 'path'>): Record<string, string> | undefined =>
  method === 'GET' && path === '/dossiers/search' ? { q: 'pass', callId } : undefined;

/** Not on a call yet: creating a call (its creator becomes the first of its team). */
const notOfACall = (o: Operation) => o.method === 'POST' && o.path === '/calls';
/** The lists answer 200 with the caller's calls and their dossiers only. */
const isList = (o: Operation) => o.method === 'GET' && (o.path === '/calls' || o.path === '/dossiers');

describe("every submission route refuses staff of another call's team", () => {
  it('lists the routes it checks, the team and the staff reads among them', () => {
    const paths = operations.map((o) => `${o.method} ${o.path}`);
    expect(paths).toEqual(
      expect.arrayContaining([
        `GET /calls/${callId}`,
        `POST /calls/${callId}/extend`,
        `GET /calls/${callId}/team`,
        `PUT /calls/${callId}/team/committee/claire`,
        `DELETE /calls/${callId}/team/committee/claire`,
        `GET /calls/${callId}/dossiers.csv`,
        `GET /calls/${callId}/dossier-counts`,
        `GET /calls/${callId}/dossiers`,
        'GET /dossiers/search',
        `GET /dossiers/${dossierId}`,
        expect.stringMatching(new RegExp(`^GET /dossiers/${dossierId}/attachments/[^x]`)),
      ]),
    );
  });

  it('the team and admins get through: every read answers them 200 (the ids above are real)', async () => {
    for (const { method, path } of operations.filter((o) => o.method === 'GET')) {
      const answer = await api.as('admin').request(method, path, undefined, { query: queryOf({ method, path }) });
      expect({ method, path, status: answer.status }).toEqual({ method, path, status: 200 });
    }
    for (const path of [`/calls/${callId}`, `/calls/${callId}/team`, `/dossiers/${dossierId}`, `/calls/${callId}/dossier-counts`, `/calls/${callId}/dossiers`]) {
      expect({ path, status: (await api.as('programme-manager').get(path)).status }).toEqual({ path, status: 200 });
      expect({ path, status: (await api.as('committee').get(path)).status }).toEqual({ path, status: 200 });
    }
  });

  for (const role of TEAM_ROLES as readonly Role[]) {
    it(`${role} of another call's team: 404 (or 403 where the role has no business) problem+json on every route; the lists show none of this call`, async () => {
      const outsider = api.as(role, { sub: OUTSIDER });
      for (const operation of operations.filter((o) => !notOfACall(o))) {
        const { method, path } = operation;
        const answer = await outsider.request(method, path, bodyOf(operation), { query: queryOf(operation) });
        if (isList(operation)) {
          expect({ method, path, status: answer.status, total: answer.body.total }).toEqual({ method, path, status: 200, total: 0 });
          continue;
        }
        expect({ method, path, status: answer.status }).toEqual({ method, path, status: operation.roles.includes(role) ? 404 : 403 });
        expect(answer.headers['content-type']).toContain('application/problem+json');
      }
      // Named explicitly, the call's dossiers are not listed either: 404 as for a call that does not exist.
      expect((await outsider.get('/dossiers', { query: { callId } })).status).toBe(404);
      // Searched without naming it, nothing of it is found.
      expect((await outsider.get('/dossiers/search', { query: { q: 'pass' } })).body).toMatchObject({ items: [], total: 0 });
    });
  }
});
