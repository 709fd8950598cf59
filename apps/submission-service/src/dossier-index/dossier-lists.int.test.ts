import { beforeAll, describe, expect, it } from 'vitest';
import type { ApplicantKind, DossierStatus } from '@aap/contracts';
import { eventually, httpClient, useTestEnvironment, type HttpClient } from '@aap/test-harness';
import { createPublishedCall, passNumeriqueCallRules } from '../calls/testing';
import { submissionService } from '../service';
import type { DossierIndexPort } from '.';

const env = useTestEnvironment();

let api: HttpClient;
let index: DossierIndexPort;
let callId: string;
/** A call of another team (its only member: OTHER_MANAGER). */
let otherCallId: string;
const OTHER_MANAGER = 'manager-of-another-call';

const LYON = '216901231';
const SAINT_ETIENNE_SIRET = '21420218600017';
const ECRANS = '775671356';
const manager = () => api.as('programme-manager');
const otherManager = () => api.as('programme-manager', { sub: OTHER_MANAGER });

interface Seed {
  n: number;
  status: DossierStatus;
  organisationId: string;
  name: string;
  kind: ApplicantKind;
  departements: string[];
  regions: string[];
  title: string;
  requested: number | null;
  granted?: number;
  waveId?: string;
  /** Day of March 2026 it was submitted (default: n). */
  day?: number;
}

/** Dossiers of every kind, status, territory and amount, some sharing an amount or a submission day (the tie-break). */
const SEEDS: Seed[] = [
  { n: 1, status: 'submitted', organisationId: LYON, name: 'Lyon', kind: 'commune', departements: ['69'], regions: ['84'], title: 'Pass numérique lyonnais', requested: 2_000_000 },
  { n: 2, status: 'accepted', organisationId: SAINT_ETIENNE_SIRET, name: 'Commune de Saint-Étienne', kind: 'commune', departements: ['42'], regions: ['84'], title: 'Médiation numérique', requested: 1_500_000, granted: 1_200_000 },
  { n: 3, status: 'rejected', organisationId: ECRANS, name: "L'Œuvre des Écrans", kind: 'association', departements: ['75'], regions: ['11'], title: 'Ateliers Étienne-Marcel', requested: 800_000, waveId: 'vague-2' },
  { n: 4, status: 'under-review', organisationId: '216902668', name: 'Villeurbanne', kind: 'commune', departements: ['69'], regions: ['84'], title: 'Inclusion numérique', requested: 2_000_000, waveId: 'vague-2', day: 1 },
  { n: 5, status: 'accepted', organisationId: '200046977', name: 'Métropole de Lyon', kind: 'metropole', departements: ['69'], regions: ['84'], title: 'Fabrique numérique', requested: 3_000_000, granted: 3_000_000 },
  { n: 6, status: 'draft', organisationId: LYON, name: 'Lyon', kind: 'commune', departements: ['69'], regions: ['84'], title: 'Brouillon numérique', requested: 500_000 },
  { n: 7, status: 'draft', organisationId: ECRANS, name: "L'Œuvre des Écrans", kind: 'association', departements: ['75'], regions: ['11'], title: '', requested: null, waveId: 'vague-2' },
  { n: 8, status: 'withdrawn', organisationId: SAINT_ETIENNE_SIRET, name: 'Commune de Saint-Étienne', kind: 'commune', departements: ['42'], regions: ['84'], title: 'Médiation seniors', requested: 900_000 },
];
const OTHER_SEED: Seed = { n: 9, status: 'submitted', organisationId: LYON, name: 'Lyon', kind: 'commune', departements: ['69'], regions: ['84'], title: 'Pass numérique, l’autre appel', requested: 1_000_000 };

const idOf = (n: number) => `seed-${n}`;
const numberOf = (n: number) => `AAP-2026-9${String(n).padStart(5, '0')}`;

/** A dossier document as the store writes it. */
function documentOf(seed: Seed, ofCall: string, waveId: string) {
  const draft = seed.status === 'draft';
  const at = new Date(Date.UTC(2026, 2, seed.day ?? seed.n, 10));
  const applicant = { organisationId: seed.organisationId, name: seed.name, kind: seed.kind, territory: { departements: seed.departements, regions: seed.regions }, contacts: [] };
  return {
    _id: idOf(seed.n),
    ...(draft ? {} : { number: numberOf(seed.n), submittedAt: at }),
    callId: ofCall,
    waveId: seed.waveId ?? waveId,
    organisationId: seed.organisationId,
    status: seed.status,
    project: seed.title ? { title: seed.title } : {},
    budget: seed.requested === null ? {} : { eligibleCostCents: seed.requested * 2, requestedGrantCents: seed.requested },
    applicant,
    attachments: [],
    complementRequests: [],
    ...(seed.granted !== undefined ? { decision: { kind: 'accepted', motivation: 'Projet solide', grantCents: seed.granted, at } } : {}),
    appliedEventIds: [],
    history: [{ status: 'draft', at: new Date(Date.UTC(2026, 1, seed.n)) }, ...(draft ? [] : [{ status: seed.status, at }])],
    createdBy: `agent-${seed.organisationId}`,
    createdAt: new Date(Date.UTC(2026, 1, seed.n)),
    updatedAt: at,
    version: 3,
    outbox: [],
    outboxPending: false,
  };
}

beforeAll(async () => {
  const submission = await env.startService(submissionService({ index: (port) => (index = port) }));
  api = httpClient(submission.url);
  const registered = await api.as('applicant', { org: LYON }).post('/organisations', { kind: 'commune', siren: LYON, contacts: [{ name: 'Service numérique', email: 'numerique@example.fr' }] });
  expect(registered.status).toBe(201);
  const call = await createPublishedCall(submission.url, passNumeriqueCallRules({ maxActiveDossiersPerApplicantPerWave: 5 }));
  callId = call.callId;
  const other = await otherManager().post('/calls', passNumeriqueCallRules());
  expect(other.status).toBe(201);
  otherCallId = other.body.callId as string;
  // Written straight into the collection, then put in the index as a rebuild does: the routes answer from the index.
  const waveId = call.waves[0]!.waveId;
  await env
    .database('submission')
    .collection('dossiers')
    .insertMany([...SEEDS.map((seed) => documentOf(seed, callId, waveId)), documentOf(OTHER_SEED, otherCallId, waveId)] as never[]);
  expect(await index.refreshMany([...SEEDS, OTHER_SEED].map((seed) => idOf(seed.n)))).toBe(SEEDS.length + 1);
});

const ids = (body: { items: Array<{ dossierId: string }> }) => body.items.map((item) => Number(item.dossierId.replace('seed-', '')));
const names = (body: { errors: Array<{ name: string }> }) => body.errors.map((error) => error.name).sort();

describe('GET /calls/:callId/dossiers, from the index', () => {
  const list = (query: Record<string, string | number> = {}) => manager().get(`/calls/${callId}/dossiers`, { query });

  it('lists the submitted dossiers by number, drafts hidden, with the total; a row is the index row without its version', async () => {
    const answer = await list();
    expect(answer.status).toBe(200);
    expect(ids(answer.body)).toEqual([1, 2, 3, 4, 5, 8]);
    expect(answer.body).toMatchObject({ page: 1, pageSize: 20, total: 6 });
    expect(answer.body.items[1]).toEqual({
      dossierId: 'seed-2',
      number: numberOf(2),
      callId,
      waveId: expect.any(String),
      status: 'accepted',
      organisationId: SAINT_ETIENNE_SIRET,
      applicantName: 'Commune de Saint-Étienne',
      applicantKind: 'commune',
      departements: ['42'],
      regions: ['84'],
      title: 'Médiation numérique',
      requestedGrantCents: 1_500_000,
      grantedCents: 1_200_000,
      submittedAt: '2026-03-02T10:00:00.000Z',
      createdAt: '2026-02-02T00:00:00.000Z',
      updatedAt: '2026-03-02T10:00:00.000Z',
    });
  });

  it('shows drafts when asked, or when filtered on: last in the number order (they have none yet)', async () => {
    expect(ids((await list({ includeDrafts: 'true' })).body)).toEqual([1, 2, 3, 4, 5, 8, 6, 7]);
    expect(ids((await list({ status: 'draft' })).body)).toEqual([6, 7]);
    expect(ids((await list({ includeDrafts: 'false', status: 'accepted' })).body)).toEqual([2, 5]);
  });

  it('filters by status, wave, département, région and applicant kind, each total the filter’s', async () => {
    const cases: Array<[Record<string, string>, number[]]> = [
      [{ status: 'accepted', departement: '69' }, [5]],
      [{ waveId: 'vague-2' }, [3, 4]],
      [{ waveId: 'vague-2', includeDrafts: 'true' }, [3, 4, 7]],
      [{ departement: '42' }, [2, 8]],
      [{ region: '11' }, [3]],
      [{ region: '84', applicantKind: 'commune' }, [1, 2, 4, 8]],
      [{ applicantKind: 'metropole' }, [5]],
      [{ status: 'waitlisted' }, []],
    ];
    for (const [query, expected] of cases) {
      const answer = await list(query);
      expect({ query, ids: ids(answer.body), total: answer.body.total }).toEqual({ query, ids: expected, total: expected.length });
    }
  });

  it('sorts by submission date and requested amount, either way, missing values last and ties by dossier id', async () => {
    expect(ids((await list({ sort: 'submittedAt' })).body)).toEqual([1, 4, 2, 3, 5, 8]);
    expect(ids((await list({ sort: '-submittedAt' })).body)).toEqual([8, 5, 3, 2, 1, 4]);
    expect(ids((await list({ sort: '-requestedGrantCents', includeDrafts: 'true' })).body)).toEqual([5, 1, 4, 2, 8, 3, 6, 7]);
    expect(ids((await list({ sort: 'requestedGrantCents', includeDrafts: 'true' })).body)).toEqual([6, 3, 8, 2, 1, 4, 5, 7]);
    expect(ids((await list({ sort: '-number' })).body)).toEqual([8, 5, 4, 3, 2, 1]);
  });

  it('pages: never overlapping, every row once, the same total on each page', async () => {
    const pages = await Promise.all([1, 2, 3, 4].map((page) => list({ includeDrafts: 'true', sort: '-requestedGrantCents', pageSize: 3, page })));
    expect(pages.map((p) => ids(p.body))).toEqual([[5, 1, 4], [2, 8, 3], [6, 7], []]);
    expect(pages.map((p) => p.body.total)).toEqual([8, 8, 8, 8]);
  });

  it('searches within the filter: accents, case and word starts; the number; the SIREN inside a SIRET', async () => {
    const found = async (q: string, query: Record<string, string> = {}) => ids((await list({ q, ...query })).body);
    expect(await found('SAINT-ETIENNE')).toEqual([2, 8]);
    expect(await found('étien')).toEqual([2, 3, 8]);
    expect(await found('tienne')).toEqual([]);
    expect(await found('mediation seniors')).toEqual([8]);
    expect(await found('214202186')).toEqual([2, 8]);
    expect(await found(SAINT_ETIENNE_SIRET)).toEqual([2, 8]);
    expect(await found(numberOf(5))).toEqual([5]);
    expect(await found('900003')).toEqual([3]);
    expect(await found('numérique', { status: 'accepted' })).toEqual([2, 5]);
    expect(await found('brouillon')).toEqual([]);
    expect(await found('brouillon', { includeDrafts: 'true' })).toEqual([6]);
  });

  it('refuses a bad query with a problem naming each field', async () => {
    const bad = await list({ status: 'approved', pageSize: 1000, sort: 'title', includeDrafts: 'yes' });
    expect(bad.status).toBe(400);
    expect(bad.headers['content-type']).toContain('application/problem+json');
    expect(names(bad.body)).toEqual(['includeDrafts', 'pageSize', 'sort', 'status']);
    const blank = await list({ q: ' -- ' });
    expect(blank.status).toBe(400);
    expect(names(blank.body)).toEqual(['q']);
    expect(names((await list({ q: 'x'.repeat(101), region: '8400' })).body)).toEqual(['q', 'region']);
  });

  it('answers 404 to staff of another call’s team, as for a call that does not exist; 403 to an applicant', async () => {
    const outsider = await otherManager().get(`/calls/${callId}/dossiers`);
    expect(outsider.status).toBe(404);
    expect(outsider.headers['content-type']).toContain('application/problem+json');
    expect(JSON.stringify(outsider.body)).not.toContain('seed-');
    expect((await manager().get('/calls/no-such-call/dossiers')).status).toBe(404);
    expect((await api.as('applicant', { org: LYON }).get(`/calls/${callId}/dossiers`)).status).toBe(403);
    // The other call's own manager lists its call; the committee and finance of this call list this one.
    expect(ids((await otherManager().get(`/calls/${otherCallId}/dossiers`)).body)).toEqual([9]);
    expect((await api.as('committee').get(`/calls/${callId}/dossiers`)).body.total).toBe(6);
    expect((await api.as('finance').get(`/calls/${callId}/dossiers`)).body.total).toBe(6);
  });
});

describe('GET /dossiers/search', () => {
  const search = (requester: ReturnType<HttpClient['as']>, query: Record<string, string>) => requester.get('/dossiers/search', { query });

  it('staff search the calls of their teams, or the one they name; another team’s call is a 404', async () => {
    expect(ids((await search(manager(), { q: 'pass numérique' })).body)).toEqual([1]);
    expect(ids((await search(otherManager(), { q: 'pass numérique' })).body)).toEqual([9]);
    expect(ids((await search(manager(), { q: 'lyon', callId })).body)).toEqual([1, 5]);
    expect((await search(otherManager(), { q: 'lyon', callId })).status).toBe(404);
    const answer = await search(manager(), { q: 'numerique', pageSize: '2', page: '2' });
    expect(answer.body).toMatchObject({ page: 2, pageSize: 2, total: 4 });
    expect(ids(answer.body)).toEqual([4, 5]);
  });

  it('an admin names the call (400 naming callId otherwise)', async () => {
    const unnamed = await search(api.as('admin'), { q: 'lyon' });
    expect(unnamed.status).toBe(400);
    expect(unnamed.headers['content-type']).toContain('application/problem+json');
    expect(names(unnamed.body)).toEqual(['callId']);
    expect(ids((await search(api.as('admin'), { q: 'lyon', callId: otherCallId })).body)).toEqual([9]);
  });

  it('an applicant finds its own organisation’s dossiers only, drafts included, in every call', async () => {
    const lyon = api.as('applicant', { org: LYON });
    expect(ids((await search(lyon, { q: 'numérique' })).body)).toEqual([1, 9, 6]);
    expect(ids((await search(lyon, { q: 'pass' })).body)).toEqual([1, 9]);
    expect(ids((await search(lyon, { q: 'pass', callId: otherCallId })).body)).toEqual([9]);
    // Another organisation's dossier, by its number, its SIRET or its name: nothing.
    for (const q of [numberOf(2), SAINT_ETIENNE_SIRET, 'saint-étienne']) expect((await search(lyon, { q })).body).toMatchObject({ items: [], total: 0 });
    expect(ids((await search(api.as('applicant', { org: SAINT_ETIENNE_SIRET }), { q: '214202186' })).body)).toEqual([2, 8]);
  });

  it('refuses a missing or empty q, naming it; reviewers have no search', async () => {
    expect(names((await search(manager(), {})).body)).toEqual(['q']);
    expect(names((await search(manager(), { q: '' })).body)).toEqual(['q']);
    expect((await search(api.as('reviewer'), { q: 'lyon' })).status).toBe(403);
  });
});

describe('GET /calls/:callId/dossier-counts, from the index', () => {
  it('counts by status, territory and applicant kind, and the amounts requested and granted; drafts apart', async () => {
    const counts = await manager().get(`/calls/${callId}/dossier-counts`);
    expect(counts.status).toBe(200);
    expect(counts.body).toEqual({
      callId,
      total: 6,
      drafts: 2,
      byStatus: { submitted: 1, accepted: 2, rejected: 1, 'under-review': 1, draft: 2, withdrawn: 1 },
      byDepartement: { '69': 3, '42': 2, '75': 1 },
      byRegion: { '84': 5, '11': 1 },
      byApplicantKind: { commune: 4, association: 1, metropole: 1 },
      requestedGrantCents: {
        total: 2_000_000 + 1_500_000 + 800_000 + 2_000_000 + 3_000_000 + 900_000,
        byStatus: { submitted: 2_000_000, accepted: 4_500_000, rejected: 800_000, 'under-review': 2_000_000, draft: 500_000, withdrawn: 900_000 },
      },
      grantedCents: 4_200_000,
    });
    expect((await otherManager().get(`/calls/${callId}/dossier-counts`)).status).toBe(404);
  });
});

describe('GET /dossiers: staff from the index, applicants from their organisation', () => {
  it('staff get the full views of the page the index selects, drafts included, with the total', async () => {
    const answer = await manager().get('/dossiers', { query: { callId, status: 'accepted', sort: 'number' } });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ total: 2, items: [{ dossierId: 'seed-2', project: { title: 'Médiation numérique' }, decision: { grantCents: 1_200_000 } }, { dossierId: 'seed-5' }] });
    expect(answer.body.items[0].history.map((h: { status: string }) => h.status)).toEqual(['draft', 'accepted']);
    const all = await manager().get('/dossiers', { query: { sort: 'createdAt', pageSize: 100 } });
    expect(ids(all.body)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(ids((await manager().get('/dossiers', { query: { departement: '42', sort: '-updatedAt' } })).body)).toEqual([8, 2]);
  });

  it('another team’s call named is a 404; unnamed, staff see their own calls only', async () => {
    expect((await otherManager().get('/dossiers', { query: { callId } })).status).toBe(404);
    expect(ids((await otherManager().get('/dossiers')).body)).toEqual([9]);
    expect((await api.as('committee', { sub: 'committee-of-nothing' }).get('/dossiers')).body).toMatchObject({ items: [], total: 0 });
  });

  it('an applicant lists its own organisation’s dossiers only, whatever it filters on', async () => {
    const lyon = api.as('applicant', { org: LYON });
    expect(ids((await lyon.get('/dossiers', { query: { sort: 'createdAt' } })).body)).toEqual([1, 6, 9]);
    expect(ids((await lyon.get('/dossiers', { query: { departement: '42' } })).body)).toEqual([]);
    expect(ids((await lyon.get('/dossiers', { query: { callId, status: 'draft' } })).body)).toEqual([6]);
  });
});

describe('the lists follow the dossiers’ events', () => {
  it('a draft started and titled through the API is listed and found once its events are handled', async () => {
    const lyon = api.as('applicant', { org: LYON });
    const call = await manager().get(`/calls/${callId}`);
    const created = await lyon.post('/dossiers', { callId, waveId: call.body.waves[0].waveId });
    expect(created.status).toBe(201);
    const dossierId = created.body.dossierId as string;
    expect((await lyon.patch(`/dossiers/${dossierId}/project`, { title: 'Café numérique des Pentes' })).status).toBe(200);
    // The applicant's own search reads its organisation's dossiers: found at once.
    expect((await lyon.get('/dossiers/search', { query: { q: 'pentes' } })).body.items.map((d: { dossierId: string }) => d.dossierId)).toEqual([dossierId]);
    await eventually(async () => {
      const found = await manager().get(`/calls/${callId}/dossiers`, { query: { q: 'cafe pentes', includeDrafts: 'true' } });
      expect(found.body.items).toEqual([expect.objectContaining({ dossierId, status: 'draft', number: null, title: 'Café numérique des Pentes', organisationId: LYON })]);
    });
    expect((await manager().get(`/calls/${callId}/dossier-counts`)).body.drafts).toBe(3);
  });
});
