/**
 * Demo data for `npm start`, seeded once through the public API (so every event is published as in
 * real use): a published "Pass numérique" call, a few organisations from the official geography, and
 * the call's pool of three reviewers in the evaluation service.
 * Idempotent: a published demo call with its wave open is found by its title, a registered organisation answers 409.
 */
import { mintDevelopmentToken, type Role } from '@aap/http';
import { passNumeriqueCallRules } from '@aap/submission-service/demo';

export const DEMO_CALL_TITLE = 'Pass numérique — appel de démonstration';
/** The wave of passNumeriqueCallRules, open from yesterday to 30 days after the seed. */
const DEMO_WAVE_ID = 'vague-1';

/** Real collectivités (SIREN from @etalab/decoupage-administratif) and a tiers-lieu. */
export const DEMO_ORGANISATIONS = [
  { kind: 'commune', siren: '216901231', contacts: [{ name: 'Service numérique de Lyon', email: 'numerique@lyon.example.fr' }] },
  { kind: 'metropole', siren: '200046977', contacts: [{ name: 'Direction de l’inclusion numérique', email: 'inclusion@grandlyon.example.fr' }] },
  { kind: 'commune', siren: '216902668', contacts: [{ name: 'Mairie de Villeurbanne', email: 'numerique@villeurbanne.example.fr' }] },
  { kind: 'commune', siren: '212000046', contacts: [{ name: 'Ville d’Ajaccio', email: 'numerique@ajaccio.example.fr' }] },
] as const;

/** The demo call's reviewers (token: `npm run -s token -- reviewer --sub reviewer-demo-1`); none from the Rhône. */
export const DEMO_REVIEWERS = [
  { reviewerId: 'reviewer-demo-1', name: 'Claire Instructrice', email: 'claire.instructrice@anct.example.fr', departement: '75', expertise: ['inclusion numérique'] },
  { reviewerId: 'reviewer-demo-2', name: 'Hugo Expert', email: 'hugo.expert@anct.example.fr', departement: '33', expertise: ['médiation numérique'] },
  { reviewerId: 'reviewer-demo-3', name: 'Inès Rapporteure', email: 'ines.rapporteure@anct.example.fr', departement: '35', expertise: ['financement public'] },
] as const;

/**
 * The demo call's team besides its creator (`demo-programme-manager`), by token `sub`: the people the
 * README session and `npm run demo` act as (`npm run -s token -- committee --sub comite-demo`).
 */
export const DEMO_TEAM = {
  'programme-manager': ['manager-demo'],
  committee: ['comite-demo'],
  finance: ['finance-demo-1', 'finance-demo-2'],
} as const;

async function headers(roles: Role[], org?: string) {
  const token = await mintDevelopmentToken({ sub: `demo-${roles[0]}`, roles, org }, { secret: process.env.AUTH_JWT_SECRET });
  return { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
}

async function expectStatus(response: Response, accepted: number[], what: string) {
  if (!accepted.includes(response.status)) throw new Error(`${what} answered ${response.status}: ${await response.text()}`);
  return response;
}

export async function seedDemo(urls: { submission: string; evaluation: string }, log: (line: string) => void): Promise<void> {
  const submissionUrl = urls.submission;
  for (const organisation of DEMO_ORGANISATIONS) {
    const response = await fetch(`${submissionUrl}/organisations`, {
      method: 'POST',
      headers: await headers(['applicant'], organisation.siren),
      body: JSON.stringify(organisation),
    });
    await expectStatus(response, [201, 409], `registering ${organisation.siren}`);
  }

  const manager = await headers(['programme-manager']);
  const listed = await expectStatus(await fetch(`${submissionUrl}/calls?programme=${encodeURIComponent('Pass numérique')}&pageSize=100`, { headers: manager }), [200], 'listing calls');
  type ListedCall = { callId: string; title: string; status: string; waves: Array<{ waveId: string; closesAt: string }> };
  const demoCalls = ((await listed.json()) as { items: ListedCall[] }).items.filter((c) => c.title === DEMO_CALL_TITLE);
  const open = demoCalls.find((c) => c.status === 'published' && c.waves.some((w) => w.waveId === DEMO_WAVE_ID && Date.parse(w.closesAt) > Date.now()));
  if (open) {
    log(`demo call already there: ${open.callId} (wave "${DEMO_WAVE_ID}" open)`);
    await seedTeam(submissionUrl, open.callId, manager);
    await seedReviewers(urls.evaluation, open.callId, manager);
    return;
  }
  // Its wave closes 30 days after the seed: a later `npm start` publishes a fresh one, so the README session still works.
  if (demoCalls.length > 0) log(`the earlier demo call's wave "${DEMO_WAVE_ID}" is no longer open: seeding a new demo call`);
  const rules = passNumeriqueCallRules({ title: DEMO_CALL_TITLE });
  const created = await expectStatus(await fetch(`${submissionUrl}/calls`, { method: 'POST', headers: manager, body: JSON.stringify(rules) }), [201], 'creating the demo call');
  const { callId } = (await created.json()) as { callId: string };
  await seedTeam(submissionUrl, callId, manager);
  await expectStatus(await fetch(`${submissionUrl}/calls/${callId}/publish`, { method: 'POST', headers: manager }), [200], 'publishing the demo call');
  await seedReviewers(urls.evaluation, callId, manager);
  log(`demo data seeded: call ${callId} (wave "${DEMO_WAVE_ID}"), organisations ${DEMO_ORGANISATIONS.map((o) => o.siren).join(', ')}, reviewers ${DEMO_REVIEWERS.map((r) => r.reviewerId).join(', ')}`);
}

/** The call's team (idempotent PUTs by its creator): a call published before teams gets its demo people too. */
async function seedTeam(submissionUrl: string, callId: string, manager: Record<string, string>): Promise<void> {
  const { 'content-type': _json, ...bodiless } = manager;
  for (const [role, members] of Object.entries(DEMO_TEAM)) {
    for (const member of members) {
      await expectStatus(await fetch(`${submissionUrl}/calls/${callId}/team/${role}/${member}`, { method: 'PUT', headers: bodiless }), [200], `putting ${member} on the demo call's team`);
    }
  }
}

/** The call's reviewer pool (idempotent PUTs). The evaluation service learns the call from its event: wait for it. */
async function seedReviewers(evaluationUrl: string, callId: string, manager: Record<string, string>): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (const { reviewerId, ...reviewer } of DEMO_REVIEWERS) {
    for (;;) {
      const response = await fetch(`${evaluationUrl}/calls/${callId}/reviewers/${reviewerId}`, { method: 'PUT', headers: manager, body: JSON.stringify(reviewer) });
      if (response.status !== 404 || Date.now() > deadline) {
        await expectStatus(response, [200, 201], `adding reviewer ${reviewerId} to the demo call`);
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}
