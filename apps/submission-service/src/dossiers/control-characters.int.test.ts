import { beforeAll, describe, expect, it } from 'vitest';
import { authHeaders, useTestEnvironment } from '@aap/test-harness';
import type { RunningService } from '@aap/service-runtime';
import { service } from '../service';
import { createPublishedCall, passNumeriqueCallRules } from '../calls/testing';
import { relayedDossier } from '../testing';

const env = useTestEnvironment();

const LYON = '216901231';
const applicant = () => authHeaders({ sub: `agent-${LYON}`, roles: ['applicant'], org: LYON });

let submission: RunningService;
let callId: string;
let waveId: string;

async function call(method: string, path: string, body?: unknown) {
  const response = await fetch(`${submission.url}${path}`, {
    method,
    headers: { ...(await applicant()), 'content-type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: response.status, type: response.headers.get('content-type') ?? '', body: (await response.json()) as Record<string, any> };
}

const dossiers = () => env.database('submission').collection('dossiers');

beforeAll(async () => {
  submission = await env.startService(service);
  const registered = await call('POST', '/organisations', { kind: 'commune', siren: LYON, contacts: [{ name: 'Service numérique', email: 'numerique@example.fr' }] });
  expect(registered.status).toBe(201);
  const published = await createPublishedCall(submission.url, passNumeriqueCallRules());
  callId = published.callId;
  waveId = published.waves[0]!.waveId;
});

/** PostgreSQL (under FerretDB) refuses U+0000: a NUL that reached the store answered 500. */
describe('control characters in a request to a real route', () => {
  it('a NUL in a dossier title: 400 problem+json naming the title, and the stored dossier is unchanged', async () => {
    const draft = await call('POST', '/dossiers', { callId, waveId });
    expect(draft.status).toBe(201);
    const dossierId = draft.body.dossierId as string;
    // Once the draft's save is relayed: the relay empties the outbox on its own time.
    const before = await relayedDossier(env, dossierId);

    const answer = await call('PATCH', `/dossiers/${dossierId}/project`, { title: 'Pass numérique\u0000', summary: 'Des pass', description: 'Par les CCAS', startDate: '2026-06-01', endDate: '2027-05-31' });

    expect(answer.status).toBe(400);
    expect(answer.type).toContain('application/problem+json');
    expect(answer.body.errors).toEqual([{ in: 'body', name: 'title', pointer: '#/title', detail: expect.stringContaining('U+0000') }]);
    expect(await dossiers().findOne({ _id: dossierId as never })).toEqual(before);
  });

  it('a control character in the file name of an upload (multipart): 400 naming the file, and no attachment is stored', async () => {
    const draft = await call('POST', '/dossiers', { callId, waveId });
    const dossierId = draft.body.dossierId as string;
    const form = new FormData();
    form.append('documentType', 'deliberation');
    form.append('file', new Blob([Buffer.from('%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n')], { type: 'application/pdf' }), 'deliberation\u0001.pdf');
    const { authorization } = await applicant();
    const response = await fetch(`${submission.url}/dossiers/${dossierId}/attachments`, { method: 'POST', headers: { authorization: authorization! }, body: form });

    expect(response.status).toBe(400);
    expect(((await response.json()) as { errors: unknown[] }).errors).toEqual([{ in: 'body', name: 'file', pointer: '#/file', detail: expect.stringContaining('U+0001') }]);
    expect((await dossiers().findOne({ _id: dossierId as never }))?.attachments ?? []).toEqual([]);
  });

  it('a control character in the body of a creation: 400 and no dossier is created', async () => {
    const count = await dossiers().countDocuments({});
    const answer = await call('POST', '/dossiers', { callId, waveId: `${waveId}\u001B` });
    expect(answer.status).toBe(400);
    expect(answer.body.errors).toEqual([expect.objectContaining({ in: 'body', name: 'waveId' })]);
    expect(await dossiers().countDocuments({})).toBe(count);
  });
});
