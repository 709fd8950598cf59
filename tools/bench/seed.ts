/**
 * The bench's data, through the submission service's public API (so every event is published and
 * every guard document written as in real use): organisations (real communes of the official
 * geography), one published call with its wave open, complete drafts ready to submit, and the bulk
 * of stored drafts. Complete drafts are prepared first, while the collection is small, because on a
 * store that scans, each of their five requests costs more as the collection grows.
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { mintDevelopmentToken, type Role } from '@aap/http';
import { passNumeriqueCallRules } from '@aap/submission-service/demo';
import { mapLimit } from './load';

export interface SeededOrganisation {
  organisationId: string;
  name: string;
  /** Authorization header of one of its applicants. */
  authorization: string;
}

export interface SeededDossier {
  dossierId: string;
  organisationId: string;
}

export interface Seed {
  callId: string;
  waveId: string;
  organisations: SeededOrganisation[];
  manager: string;
  /** Complete drafts: every rule of the call passes, ready to submit. */
  ready: SeededDossier[];
  /** The other stored drafts (read, listed and updated by the figures). */
  drafts: SeededDossier[];
}

const WAVE_ID = 'vague-1';
const PDF = '%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n';
export const PROJECT = {
  title: 'Pass numérique du territoire',
  summary: '2 000 pass pour les publics éloignés du numérique',
  description: 'Distribution par les CCAS et les lieux de médiation numérique de la commune.',
  startDate: '2027-01-01',
  endDate: '2027-12-31',
};
const BUDGET = {
  eligibleCostCents: 4_000_000,
  requestedGrantCents: 2_000_000,
  otherFunding: [{ kind: 'own-contribution', funder: 'La commune', amountCents: 2_000_000 }],
};

/** The team of the calls the bench writes straight into a service's call copies: the staff its tokens name (`bearer`). */
export const BENCH_TEAM = { 'programme-manager': ['bench-programme-manager'], committee: ['bench-committee'], finance: ['bench-finance'] };

export async function bearer(roles: Role[], org?: string): Promise<string> {
  return `Bearer ${await mintDevelopmentToken({ sub: `bench-${roles[0]}${org ? `-${org}` : ''}`, roles, org }, { secret: process.env.AUTH_JWT_SECRET, expiresIn: '12h' })}`;
}

/** `count` communes with a SIREN, spread over the country (deterministic). */
function communes(count: number): Array<{ siren: string; nom: string }> {
  const require = createRequire(import.meta.url);
  const all = (JSON.parse(readFileSync(require.resolve('@etalab/decoupage-administratif/data/communes.json'), 'utf8')) as Array<{ type: string; siren?: string; nom: string }>)
    .filter((c) => c.type === 'commune-actuelle' && c.siren);
  const step = Math.max(1, Math.floor(all.length / count));
  return Array.from({ length: count }, (_, i) => all[(i * step) % all.length]! as { siren: string; nom: string });
}

/** A request of the seeding, retried a few times on a lost race (409) or a refusal under load (503); any other unexpected status throws. */
export async function apiCall(url: string, init: RequestInit & { expect: number[]; what: string }): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(120_000) });
    if (init.expect.includes(response.status)) return response;
    const text = await response.text();
    // A guarded write that lost a race (409) or a refusal under load (503) is retried a few times.
    if ((response.status === 409 || response.status === 503) && attempt < 5) continue;
    throw new Error(`${init.what} answered ${response.status}: ${text.slice(0, 500)}`);
  }
}

/** Creates a call as the programme manager `manager` (its first team member) and publishes it; its id. */
export async function publishCall(submissionUrl: string, manager: string, rules: object): Promise<string> {
  const headers = { authorization: manager, 'content-type': 'application/json' };
  const created = await apiCall(`${submissionUrl}/calls`, { method: 'POST', headers, body: JSON.stringify(rules), expect: [201], what: 'creating the call' });
  const { callId } = (await created.json()) as { callId: string };
  await apiCall(`${submissionUrl}/calls/${callId}/publish`, { method: 'POST', headers, body: '{}', expect: [200], what: 'publishing the call' });
  return callId;
}

export async function seed(
  submissionUrl: string,
  options: { organisations: number; ready: number; dossiers: number; concurrency: number; log: (line: string) => void },
): Promise<Seed> {
  const { log } = options;
  const manager = await bearer(['programme-manager']);
  const json = (authorization: string) => ({ authorization, 'content-type': 'application/json' });

  const organisations = await mapLimit(communes(options.organisations), 4, async (commune) => {
    const authorization = await bearer(['applicant'], commune.siren);
    await apiCall(`${submissionUrl}/organisations`, {
      method: 'POST',
      headers: json(authorization),
      body: JSON.stringify({ kind: 'commune', siren: commune.siren, contacts: [{ name: `Mairie de ${commune.nom}`, email: `mairie-${commune.siren}@bench.example.fr` }] }),
      expect: [201, 409],
      what: `registering ${commune.siren}`,
    });
    return { organisationId: commune.siren, name: commune.nom, authorization };
  });

  const rules = passNumeriqueCallRules({ title: `Pass numérique — banc d’essai ${new Date().toISOString()}`, maxActiveDossiersPerApplicantPerWave: 1_000_000 });
  const callId = await publishCall(submissionUrl, manager, rules);
  log(`call ${callId} published (wave ${WAVE_ID}), ${organisations.length} organisations registered`);

  const authorizationOf = new Map(organisations.map((o) => [o.organisationId, o.authorization]));
  const createDraft = async (organisationId: string): Promise<SeededDossier> => {
    const response = await apiCall(`${submissionUrl}/dossiers`, {
      method: 'POST',
      headers: json(authorizationOf.get(organisationId)!),
      body: JSON.stringify({ callId, waveId: WAVE_ID }),
      expect: [201],
      what: 'creating a draft',
    });
    const { dossierId } = (await response.json()) as { dossierId: string };
    return { dossierId, organisationId };
  };
  /** Project, budget and the two required documents: every rule of the call passes. */
  const complete = async (dossier: SeededDossier): Promise<SeededDossier> => {
    const authorization = authorizationOf.get(dossier.organisationId)!;
    const base = `${submissionUrl}/dossiers/${dossier.dossierId}`;
    await apiCall(`${base}/project`, { method: 'PATCH', headers: json(authorization), body: JSON.stringify(PROJECT), expect: [200], what: 'saving a project' });
    await apiCall(`${base}/budget`, { method: 'PUT', headers: json(authorization), body: JSON.stringify(BUDGET), expect: [200], what: 'saving a budget' });
    for (const documentType of ['deliberation', 'budget-plan']) {
      const form = new FormData();
      form.append('documentType', documentType);
      form.append('file', new Blob([PDF], { type: 'application/pdf' }), `${documentType}.pdf`);
      await apiCall(`${base}/attachments`, { method: 'POST', headers: { authorization }, body: form, expect: [201], what: `uploading ${documentType}` });
    }
    return dossier;
  };
  const createDrafts = async (count: number, label: string, then: (dossier: SeededDossier) => Promise<SeededDossier> = async (d) => d) => {
    const started = Date.now();
    const drafts = await mapLimit(
      Array.from({ length: count }, (_, i) => organisations[i % organisations.length]!.organisationId),
      options.concurrency,
      async (organisationId) => then(await createDraft(organisationId)),
      (done) => log(`${label}: ${done}/${count} (${rate(done, started)}/s)`),
    );
    log(`${label}: ${count} in ${seconds(started)} s`);
    return drafts;
  };

  // Each completed as soon as created: the collection is at its smallest while they are written.
  const ready = await createDrafts(options.ready, 'ready-to-submit drafts (project, budget, 2 attachments)', complete);
  const drafts = await createDrafts(Math.max(0, options.dossiers - options.ready), 'stored drafts');
  return { callId, waveId: WAVE_ID, organisations, manager, ready, drafts };
}

const seconds = (since: number) => ((Date.now() - since) / 1000).toFixed(1);
const rate = (done: number, since: number) => (done / Math.max(0.001, (Date.now() - since) / 1000)).toFixed(1);
