import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, httpClient, startServiceProcess, useTestEnvironment, type HttpClient, type ServiceProcess } from '@aap/test-harness';
import { passNumeriqueCallRules } from '@aap/submission-service/demo';
import { startMailCatcher } from '@aap/notification-service/testing';

const env = useTestEnvironment();
const LYON = '216901231';
const REVIEWERS = [
  { id: 'rev-lyon', departement: '69', name: 'Rémi Lyonnais' },
  { id: 'rev-paris', departement: '75', name: 'Pauline Parisienne' },
  { id: 'rev-marseille', departement: '13', name: 'Marc Marseillais' },
  { id: 'rev-lille', departement: '59', name: 'Lise Lilloise' },
];

/**
 * One dossier's whole evaluation across three services, through their HTTP APIs and Kafka: the
 * applicant submits in the submission service; evaluation finds it admissible and assigns three
 * reviewers without the one of the applicant's département; they read it in the submission service
 * and score it; the committee approves it; the submission service shows the decision and the
 * applicant gets the e-mails.
 */
describe('evaluation journey: submitted → admissible → reviewers → scores → approved, across services', () => {
  let services: ServiceProcess[] = [];
  let mail: Awaited<ReturnType<typeof startMailCatcher>>;
  let api: { submission: HttpClient; evaluation: HttpClient };
  let callId: string;
  let dossierId: string;

  beforeAll(async () => {
    mail = await startMailCatcher();
    // Each service is its own process running its real entry point (main.ts), as in production.
    const started = await Promise.allSettled([
      startServiceProcess('submission', env.envFor('submission')),
      startServiceProcess('evaluation', env.envFor('evaluation')),
      startServiceProcess('notification', env.envFor('notification', { SMTP_HOST: '127.0.0.1', SMTP_PORT: String(mail.port), PUBLIC_APP_URL: 'https://aap.example.fr' })),
    ]);
    services = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
    const [s, e] = services;
    api = { submission: httpClient(s!.url), evaluation: httpClient(e!.url) };
  });
  afterAll(async () => {
    await Promise.all(services.map((service) => service.stop()));
    await mail.stop();
  });

  const applicant = () => api.submission.as('applicant', { org: LYON, sub: 'lyon-agent' });
  const manager = (service: 'submission' | 'evaluation') => api[service].as('programme-manager', { sub: 'manager-1' });

  it('the call is published, with a pool of four reviewers', async () => {
    const rules = passNumeriqueCallRules({ title: 'Pass numérique — parcours évaluation', evaluation: { excludeReviewersOfSameDepartement: true } });
    const created = await manager('submission').post('/calls', rules);
    expect(created.status).toBe(201);
    callId = created.body.callId;
    expect((await manager('submission').post(`/calls/${callId}/publish`)).status).toBe(200);
    // Its creator is its first programme manager; the committee member who decides joins its team (call.team-changed reaches evaluation).
    expect([200, 201, 204]).toContain((await manager('submission').put(`/calls/${callId}/team/committee/comite-1`)).status);
    // The evaluation service learns the call from call.published.
    await eventually(async () => expect((await manager('evaluation').get(`/calls/${callId}/reviewers`)).status).toBe(200), { timeoutMs: 30_000 });
    for (const reviewer of REVIEWERS) {
      const put = await manager('evaluation').put(`/calls/${callId}/reviewers/${reviewer.id}`, {
        name: reviewer.name,
        email: `${reviewer.id}@anct.example.fr`,
        departement: reviewer.departement,
        expertise: ['inclusion numérique'],
      });
      expect(put.status).toBe(200);
    }
  });

  it('Lyon submits; evaluation finds it admissible and the submission service shows it under review', async () => {
    expect((await applicant().post('/organisations', { kind: 'commune', siren: LYON, contacts: [{ name: 'Service numérique', email: 'numerique@lyon.example.fr' }] })).status).toBe(201);
    const draft = await applicant().post('/dossiers', { callId, waveId: 'vague-1' });
    expect(draft.status).toBe(201);
    dossierId = draft.body.dossierId;
    await applicant().patch(`/dossiers/${dossierId}/project`, { title: 'Pass numérique lyonnais', summary: '2 000 pass', description: 'Distribution par les CCAS', startDate: '2027-01-01', endDate: '2027-12-31' });
    await applicant().put(`/dossiers/${dossierId}/budget`, {
      eligibleCostCents: 4_000_000,
      requestedGrantCents: 2_000_000,
      otherFunding: [{ kind: 'own-contribution', funder: 'Ville de Lyon', amountCents: 2_000_000 }],
    });
    for (const documentType of ['deliberation', 'budget-plan']) {
      const form = new FormData();
      form.append('documentType', documentType);
      form.append('file', new Blob(['%PDF-1.7\n%%EOF\n'], { type: 'application/pdf' }), `${documentType}.pdf`);
      expect((await applicant().post(`/dossiers/${dossierId}/attachments`, form)).status).toBe(201);
    }
    const submitted = await applicant().post(`/dossiers/${dossierId}/submit`, undefined, { headers: { 'idempotency-key': `e2e-${dossierId}` } });
    expect(submitted.status).toBe(200);

    await eventually(async () => expect((await applicant().get(`/dossiers/${dossierId}`)).body.status).toBe('under-review'), { timeoutMs: 30_000 });
  });

  it('three reviewers are assigned, never the one of Lyon’s département; they read the dossier, the others cannot', async () => {
    await eventually(async () => expect((await manager('evaluation').get(`/evaluations/${dossierId}`)).body).toMatchObject({ stage: 'in-review' }));
    const assigned = REVIEWERS.filter((r) => r.departement !== '69').map((r) => r.id);
    for (const reviewer of assigned) {
      await eventually(async () => expect((await api.submission.as('reviewer', { sub: reviewer }).get(`/dossiers/${dossierId}`)).status).toBe(200));
      expect((await api.evaluation.as('reviewer', { sub: reviewer }).get(`/evaluations/${dossierId}`)).status).toBe(200);
    }
    expect((await api.submission.as('reviewer', { sub: 'rev-lyon' }).get(`/dossiers/${dossierId}`)).status).toBe(404);
    expect((await api.evaluation.as('reviewer', { sub: 'rev-lyon' }).get(`/evaluations/${dossierId}`)).status).toBe(404);
    // Each assigned reviewer is told by e-mail.
    await eventually(async () => {
      const to = (await mail.mails()).flatMap((m) => m.to);
      for (const reviewer of assigned) expect(to).toContain(`${reviewer}@anct.example.fr`);
    });
  });

  it('they score it on the grid; the committee approves it; the applicant sees the decision and gets the e-mail', async () => {
    const grid = passNumeriqueCallRules().scoringGrid.criteria;
    for (const [index, reviewer] of ['rev-paris', 'rev-marseille', 'rev-lille'].entries()) {
      const review = await api.evaluation.as('reviewer', { sub: reviewer }).post(`/evaluations/${dossierId}/reviews`, {
        scores: grid.map((c) => ({ criterionId: c.criterionId, score: 15 + index, comment: `Appréciation sur ${c.label}` })),
      });
      expect(review.status).toBe(201);
    }
    // The state that makes the decision valid: the dossier evaluated, and its three reviews in the call's
    // normalisation (the reviews' score projection, a consumer hop behind) that its standing is computed on.
    expect((await manager('evaluation').get(`/evaluations/${dossierId}`)).body).toMatchObject({ stage: 'evaluated' });
    await eventually(async () => expect((await manager('evaluation').get(`/calls/${callId}/reviewer-statistics`)).body).toMatchObject({ reviewCount: 3 }));
    const decided = await api.evaluation.as('committee', { sub: 'comite-1' }).post(`/evaluations/${dossierId}/decision`, {
      decision: 'approve',
      grantCents: 2_000_000,
      motivation: 'Projet structurant pour la médiation numérique.',
    });
    expect(decided.status).toBe(200);
    expect(decided.body).toMatchObject({ stage: 'decided', dossierStatus: 'accepted', decision: { kind: 'approved', grantCents: 2_000_000 } });

    await eventually(async () => expect((await applicant().get(`/dossiers/${dossierId}`)).body).toMatchObject({ status: 'accepted' }), { timeoutMs: 30_000 });
    await eventually(async () => {
      const subjects = (await mail.mails()).filter((m) => m.to.includes('numerique@lyon.example.fr')).map((m) => m.subject);
      expect(subjects).toEqual(expect.arrayContaining([expect.stringMatching(/^Votre dossier est en instruction/), expect.stringMatching(/^Votre dossier est retenu/)]));
    });
    // Nothing of the reviewers reaches the applicant: neither their names nor their addresses.
    const toApplicant = (await mail.mails()).filter((m) => m.to.includes('numerique@lyon.example.fr'));
    for (const mailToApplicant of toApplicant) {
      for (const reviewer of REVIEWERS) {
        expect(JSON.stringify(mailToApplicant)).not.toContain(reviewer.name);
        expect(JSON.stringify(mailToApplicant)).not.toContain(reviewer.id);
      }
    }
  });
});
