import { beforeAll, describe, expect, it } from 'vitest';
import { eventTopicName, OrganisationContactsUpdated, OrganisationRegistered, type ApplicantSnapshot } from '@aap/contracts';
import { authHeaders, eventually, useTestEnvironment } from '@aap/test-harness';
import type { Role } from '@aap/http';
import { service } from '../service';
import { readTopicToEnd } from '../testing';

const env = useTestEnvironment();

const LYON = '216901231';
const METROPOLE_DE_LYON = '200046977';
const CC_FAUCIGNY_GLIERES = '200000172';
const DEPARTEMENT_DU_RHONE = '226900017';
/** Checksum-valid, fictional: no commune or EPCI has it. */
const SIREN_OUTSIDE_DATA = '123456782';
const TIERS_LIEU_SIRET = '12345678200010';

const contacts = [{ name: 'Camille Martin', email: 'camille.martin@example.fr', role: 'chargée de mission' }];
const tiersLieu = {
  kind: 'association',
  siret: TIERS_LIEU_SIRET,
  name: 'La Fabrique du Vieux-Lyon',
  legalForm: 'Association déclarée',
  rna: 'W691234567',
  communeCode: '69123',
  contacts,
};

interface OrganisationView extends ApplicantSnapshot {
  siren: string;
  siret?: string;
  rna?: string;
  registeredAt: string;
}
interface ProblemBody {
  status: number;
  detail?: string;
  errors?: Array<{ name: string; in?: string; pointer?: string; detail: string }>;
}

describe('organisations: registration against the official geography, applicant confinement', () => {
  let url: string;
  const organisations = () => env.database('submission').collection<{ _id: string; outboxPending: boolean }>('organisations');

  const as = (roles: Role[], org?: string) => authHeaders({ sub: `user-${roles.join('-')}-${org ?? 'staff'}`, roles, ...(org ? { org } : {}) });
  const admin = () => as(['admin']);
  const applicantOf = (org: string) => as(['applicant'], org);

  const call = async (method: string, path: string, headers: Record<string, string>, body?: unknown) => {
    const response = await fetch(`${url}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    return { status: response.status, contentType: response.headers.get('content-type'), body: (await response.json()) as unknown };
  };
  const register = async (body: unknown, headers?: Record<string, string>) => call('POST', '/organisations', headers ?? (await admin()), body);

  /** Registration is refused with these rules, as problem+json, and nothing is written. */
  async function expectRefused(body: Record<string, unknown>, rules: string[], headers?: Record<string, string>) {
    const before = await organisations().countDocuments();
    const response = await register(body, headers);
    expect(response.status).toBe(422);
    expect(response.contentType).toContain('application/problem+json');
    const problem = response.body as ProblemBody;
    expect(problem.errors?.map((e) => e.name)).toEqual(rules);
    expect(await organisations().countDocuments()).toBe(before);
    return problem;
  }

  beforeAll(async () => {
    ({ url } = await env.startService(service));
  });

  describe('accepted, with the territory filled in from the data', () => {
    it('registers the commune of Lyon for its own applicant', async () => {
      const response = await register({ kind: 'commune', siren: LYON, contacts }, await applicantOf(LYON));
      expect(response.status).toBe(201);
      expect(response.body).toMatchObject({
        organisationId: LYON,
        siren: LYON,
        name: 'Lyon',
        kind: 'commune',
        territory: { communeCode: '69123', departements: ['69'], regions: ['84'] },
        contacts,
      });
    });

    it('registers an EPCI, a métropole and a département with their names from the data', async () => {
      const epci = await register({ kind: 'epci', siren: CC_FAUCIGNY_GLIERES, contacts });
      expect(epci.status).toBe(201);
      expect(epci.body).toMatchObject({ name: 'CC Faucigny - Glières', kind: 'epci', territory: { departements: ['74'], regions: ['84'] } });

      const metropole = await register({ kind: 'metropole', siren: METROPOLE_DE_LYON, contacts });
      expect(metropole.status).toBe(201);
      expect(metropole.body).toMatchObject({ name: 'Métropole de Lyon', kind: 'metropole', territory: { departements: ['69'], regions: ['84'] } });

      const departement = await register({ kind: 'departement', siren: DEPARTEMENT_DU_RHONE, departementCode: '69', contacts });
      expect(departement.status).toBe(201);
      expect(departement.body).toMatchObject({ name: 'Rhône', kind: 'departement', territory: { departements: ['69'], regions: ['84'] } });
    });

    it('registers a tiers-lieu association with its RNA, located by its address commune', async () => {
      const response = await register(tiersLieu);
      expect(response.status).toBe(201);
      expect(response.body).toMatchObject({
        organisationId: TIERS_LIEU_SIRET,
        siren: '123456782',
        siret: TIERS_LIEU_SIRET,
        rna: 'W691234567',
        kind: 'association',
        territory: { communeCode: '69123', departements: ['69'], regions: ['84'] },
      });
    });
  });

  describe('refused with one problem entry per failing rule, and nothing written', () => {
    it('refuses a SIREN failing its checksum', async () => {
      await expectRefused({ kind: 'commune', siren: '216901232', contacts }, ['siren-checksum']);
    });

    it('refuses a valid SIREN that is not in the geography data', async () => {
      const problem = await expectRefused({ kind: 'commune', siren: SIREN_OUTSIDE_DATA, contacts }, ['siren-not-in-geography']);
      expect(problem.errors?.[0]).toMatchObject({ in: 'rule', pointer: '#/siren' });
    });

    it('refuses the SIREN of an EPCI registered as a commune, saying what it is', async () => {
      const problem = await expectRefused({ kind: 'commune', siren: CC_FAUCIGNY_GLIERES, contacts }, ['kind-mismatch']);
      expect(problem.errors?.[0]?.detail).toBe('SIREN 200000172 is the EPCI «CC Faucigny - Glières», not a commune: register it with kind "epci"');
    });

    it('refuses a tiers-lieu whose commune code is not a current commune', async () => {
      await expectRefused({ ...tiersLieu, siret: '12345678200028', communeCode: '99999' }, ['unknown-commune']);
    });

    it('refuses a groupement with a member that is not a commune or EPCI of the data', async () => {
      const problem = await expectRefused(
        { kind: 'commune', siren: '216902668', contacts, groupement: { memberSirens: [LYON, SIREN_OUTSIDE_DATA] } },
        ['groupement-member-unknown'],
      );
      expect(problem.errors?.[0]?.pointer).toBe('#/groupement/memberSirens/1');
    });

    it('refuses a malformed SIREN with a 400 naming the field', async () => {
      const response = await register({ kind: 'commune', siren: '21690123', contacts });
      expect(response.status).toBe(400);
      expect((response.body as ProblemBody).errors).toEqual([expect.objectContaining({ name: 'siren', in: 'body' })]);
    });

    it('answers 409 to a second registration of the same organisation, and keeps the first', async () => {
      const before = await organisations().countDocuments();
      const response = await register({ kind: 'commune', siren: LYON, contacts: [{ name: 'Someone Else', email: 'else@example.fr' }] });
      expect(response.status).toBe(409);
      expect(response.contentType).toContain('application/problem+json');
      expect(await organisations().countDocuments()).toBe(before);
      const lyon = await call('GET', `/organisations/${LYON}`, await admin());
      expect((lyon.body as OrganisationView).contacts).toEqual(contacts);
    });
  });

  describe("an applicant of organisation A cannot read, change or list organisation B's data", () => {
    it('cannot register another organisation than the one its token names', async () => {
      const before = await organisations().countDocuments();
      const response = await register({ kind: 'commune', siren: '216902668', contacts }, await applicantOf(LYON));
      expect(response.status).toBe(403);
      expect(response.contentType).toContain('application/problem+json');
      expect(await organisations().countDocuments()).toBe(before);
    });

    it('reads its own organisation, and gets 404 for another one, without its data', async () => {
      const own = await call('GET', `/organisations/${LYON}`, await applicantOf(LYON));
      expect(own.status).toBe(200);
      expect(own.body).toMatchObject({ organisationId: LYON, name: 'Lyon' });

      const other = await call('GET', `/organisations/${METROPOLE_DE_LYON}`, await applicantOf(LYON));
      expect(other.status).toBe(404);
      expect(JSON.stringify(other.body)).not.toContain('Métropole de Lyon');
    });

    it("cannot change another organisation's contacts; the other's stay as they were", async () => {
      const response = await call('PATCH', `/organisations/${METROPOLE_DE_LYON}/contacts`, await applicantOf(LYON), {
        contacts: [{ name: 'Intruder', email: 'intruder@example.fr' }],
      });
      expect(response.status).toBe(404);
      const metropole = await call('GET', `/organisations/${METROPOLE_DE_LYON}`, await admin());
      expect((metropole.body as OrganisationView).contacts).toEqual(contacts);
    });

    it('lists only its own organisation', async () => {
      const own = await call('GET', '/organisations', await applicantOf(LYON));
      expect(own.status).toBe(200);
      expect(own.body).toMatchObject({ total: 1, items: [{ organisationId: LYON }] });

      const unregistered = await call('GET', '/organisations?kind=metropole', await applicantOf('216902668'));
      expect(unregistered.body).toMatchObject({ total: 0, items: [] });
    });

    it('is refused the list by role when it is a reviewer (reviewers see organisations through their dossiers)', async () => {
      const response = await call('GET', '/organisations', await as(['reviewer']));
      expect(response.status).toBe(403);
    });
  });

  const lyonContacts = [
    { name: 'Léa Dubois', email: 'lea.dubois@mairie-lyon.fr', role: 'DSI' },
    { name: 'Hugo Bernard', email: 'hugo.bernard@mairie-lyon.fr' },
  ];

  describe('contacts', () => {
    it('are replaced by the organisation’s own applicant', async () => {
      const response = await call('PATCH', `/organisations/${LYON}/contacts`, await applicantOf(LYON), { contacts: lyonContacts });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ organisationId: LYON, name: 'Lyon', territory: { communeCode: '69123' }, contacts: lyonContacts });
    });

    it('are refused empty (400)', async () => {
      const response = await call('PATCH', `/organisations/${LYON}/contacts`, await admin(), { contacts: [] });
      expect(response.status).toBe(400);
    });
  });

  describe('the registry, for admins', () => {
    const list = async (query: string) => (await call('GET', `/organisations?${query}`, await admin())).body as { items: OrganisationView[]; total: number };

    it('is no call team’s: other staff roles get 403 problem+json', async () => {
      for (const role of ['programme-manager', 'committee', 'finance'] as const) {
        for (const path of ['/organisations', `/organisations/${LYON}`]) {
          const answer = await call('GET', path, await as([role]));
          expect({ role, path, status: answer.status }).toEqual({ role, path, status: 403 });
          expect(answer.contentType).toContain('application/problem+json');
        }
      }
    });

    it('filters by kind, département and région', async () => {
      expect((await list('kind=epci')).items.map((o) => o.organisationId)).toEqual([CC_FAUCIGNY_GLIERES]);
      expect((await list('departement=74')).items.map((o) => o.name)).toEqual(['CC Faucigny - Glières']);
      expect((await list('region=84')).total).toBe(5);
      expect((await list('region=11')).total).toBe(0);
    });

    it('sorts by name ignoring case and accents, or by registration time, page by page', async () => {
      expect((await list('sort=name')).items.map((o) => o.name)).toEqual(['CC Faucigny - Glières', 'La Fabrique du Vieux-Lyon', 'Lyon', 'Métropole de Lyon', 'Rhône']);
      const latestFirst = await list('sort=-registeredAt&pageSize=2&page=1');
      expect(latestFirst).toMatchObject({ total: 5, items: [{ organisationId: TIERS_LIEU_SIRET }, { organisationId: DEPARTEMENT_DU_RHONE }] });
      expect((await list('sort=-registeredAt&pageSize=2&page=3')).items.map((o) => o.organisationId)).toEqual([LYON]);
    });
  });

  describe('events', () => {
    it('publishes organisation.registered.v1 for each accepted organisation, then contacts-updated.v1, on <prefix>.submission.organisation', async () => {
      // Once every organisation's outbox is relayed, its events are on the topic: read to the topic's end, nothing can come later.
      await eventually(async () => expect(await organisations().countDocuments({ outboxPending: true })).toBe(0));
      const messages = await readTopicToEnd(env.kafka(), eventTopicName(env.prefix, OrganisationRegistered.topic));
      const registered = messages.filter((m) => m.headers.ce_type === OrganisationRegistered.type);
      expect(registered.map((m) => m.key).sort()).toEqual([TIERS_LIEU_SIRET, CC_FAUCIGNY_GLIERES, METROPOLE_DE_LYON, LYON, DEPARTEMENT_DU_RHONE].sort());
      const lyonRegistered = registered.find((m) => m.key === LYON)!;
      expect(JSON.parse(lyonRegistered.value!)).toEqual({
        organisation: { organisationId: LYON, name: 'Lyon', kind: 'commune', territory: { communeCode: '69123', departements: ['69'], regions: ['84'] }, contacts },
      });
      expect(JSON.parse(registered.find((m) => m.key === TIERS_LIEU_SIRET)!.value!)).toMatchObject({
        organisation: { kind: 'association', territory: { communeCode: '69123', departements: ['69'], regions: ['84'] } },
      });

      const updated = messages.filter((m) => m.headers.ce_type === OrganisationContactsUpdated.type);
      expect(updated).toHaveLength(1);
      expect(JSON.parse(updated[0]!.value!)).toEqual({ organisation: { ...JSON.parse(lyonRegistered.value!).organisation, contacts: lyonContacts } });
      // Keyed by organisation: one partition, so the registration is read before the change.
      expect(updated[0]).toMatchObject({ key: LYON, partition: lyonRegistered.partition });
      expect(BigInt(updated[0]!.offset)).toBeGreaterThan(BigInt(lyonRegistered.offset));
    });
  });
});
