import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DossierRejected, eventTopicName, EvaluationAdmissibilityAssessed } from '@aap/contracts';
import { eventually, useTestEnvironment } from '@aap/test-harness';
import { publishedOn, startEvaluation, testCall, testDossier, type EvaluationHarness } from '../testing/fixtures';

const env = useTestEnvironment();
let harness: EvaluationHarness;

/** The events of one dossier on a topic of the evaluation service, in order. */
async function eventsOf(dossierId: string, topic: { producer: 'evaluation'; aggregate: string }) {
  const messages = await publishedOn(env, eventTopicName(env.prefix, topic));
  return messages.filter((m) => m.key === dossierId).map((m) => ({ type: m.headers.ce_type!, data: JSON.parse(m.value!) }));
}
const dossierEvents = (dossierId: string) => eventsOf(dossierId, DossierRejected.topic as never);
const evaluationEvents = (dossierId: string) => eventsOf(dossierId, EvaluationAdmissibilityAssessed.topic as never);

const checklist = [
  { checkId: 'deliberation-signee', label: 'Délibération signée' },
  { checkId: 'lieu-ouvert', label: 'Lieu ouvert au public' },
];

beforeAll(async () => {
  harness = await startEvaluation(env);
});
afterAll(() => harness.stop());

describe('admissibility on the real broker and database', () => {
  it('a dossier breaking the call’s rules is rejected at once with its reasons, and no reviewer can read it', async () => {
    const call = testCall();
    await harness.publishCall(call);
    const dossier = testDossier(call, { documentTypes: [], eligibleCostCents: 10_000_000, requestedGrantCents: 6_000_000, applicant: { kind: 'association' } });
    dossier.budget.otherFunding = [{ kind: 'region', funder: 'Région', amountCents: 4_000_000 }];
    await harness.submit(dossier);
    await harness.settled(dossier.dossierId);

    const events = await eventually(async () => {
      const found = await dossierEvents(dossier.dossierId);
      expect(found).toHaveLength(1);
      return found;
    });
    expect(events[0]).toMatchObject({ type: 'dossier.rejected.v2', data: { ineligible: true, organisationId: dossier.applicant.organisationId } });
    expect(events[0]!.data.reasons).toEqual([expect.stringContaining('missing document: Statuts'), expect.stringContaining('exceeds 50 % of the eligible cost')]);
    expect((await evaluationEvents(dossier.dossierId)).map((e) => e.type)).toEqual(['evaluation.admissibility-assessed.v1']);

    const sheet = await harness.manager().get(`/evaluations/${dossier.dossierId}`);
    expect(sheet.status).toBe(200);
    expect(sheet.body).toMatchObject({ stage: 'inadmissible', dossierStatus: 'rejected', admissibility: { admissible: false, assessedBy: 'automatic' } });
    expect((await harness.reviewer('rev-x').get(`/evaluations/${dossier.dossierId}`)).status).toBe(404);
    expect((await harness.as('applicant', { org: dossier.applicant.organisationId }).get(`/evaluations/${dossier.dossierId}`)).status).toBe(403);
  });

  it('with a checklist: the manager’s failed item rejects it with that reason; a bad assessment is refused and changes nothing', async () => {
    const call = testCall({}, { admissibilityChecklist: checklist });
    await harness.publishCall(call);
    const dossier = testDossier(call);
    await harness.submit(dossier);
    await harness.settled(dossier.dossierId);
    expect((await harness.stored(dossier.dossierId))!.stage).toBe('admissibility');

    const before = await harness.stored(dossier.dossierId);
    const incomplete = await harness.manager().post(`/evaluations/${dossier.dossierId}/admissibility`, { checks: [{ checkId: 'lieu-ouvert', passed: false }] });
    expect(incomplete.status).toBe(422);
    expect(incomplete.headers['content-type']).toContain('application/problem+json');
    expect(incomplete.body.errors.map((e: { name: string }) => e.name)).toEqual(['failed-check-detail', 'checklist-complete']);
    expect(await harness.stored(dossier.dossierId)).toEqual(before);
    expect((await harness.reviewer('rev-x').post(`/evaluations/${dossier.dossierId}/admissibility`, { checks: [] })).status).toBe(403);

    const assessed = await harness.manager().post(`/evaluations/${dossier.dossierId}/admissibility`, {
      checks: [
        { checkId: 'deliberation-signee', passed: true },
        { checkId: 'lieu-ouvert', passed: false, detail: 'le lieu n’ouvrira qu’en 2028' },
      ],
    });
    expect(assessed.status).toBe(200);
    expect(assessed.body).toMatchObject({ stage: 'inadmissible', admissibility: { admissible: false, assessedBy: 'manager-1', reasons: ['Lieu ouvert au public : le lieu n’ouvrira qu’en 2028'] } });
    await eventually(async () => expect((await dossierEvents(dossier.dossierId)).map((e) => e.data.reasons)).toEqual([['Lieu ouvert au public : le lieu n’ouvrira qu’en 2028']]));
    // Assessed once: a second assessment is a conflict.
    expect((await harness.manager().post(`/evaluations/${dossier.dossierId}/admissibility`, { checks: [] })).status).toBe(409);
  });

  it('the manager may ask a complement instead; the resubmitted dossier comes back to admissibility with what changed', async () => {
    const call = testCall({}, { admissibilityChecklist: checklist });
    await harness.publishCall(call);
    const dossier = testDossier(call);
    await harness.submit(dossier);
    await harness.settled(dossier.dossierId);

    const asked = await harness.manager().post(`/evaluations/${dossier.dossierId}/complement-requests`, { message: 'Merci de joindre la délibération signée.' });
    expect(asked.status).toBe(201);
    expect(asked.body).toMatchObject({ stage: 'complement-requested', dossierStatus: 'complement-requested' });
    const requestId = asked.body.complements[0].complementRequestId;
    await eventually(async () =>
      expect(await dossierEvents(dossier.dossierId)).toEqual([
        { type: 'dossier.complement-requested.v2', data: expect.objectContaining({ complementRequestId: requestId, message: 'Merci de joindre la délibération signée.' }) },
      ]),
    );

    const corrected = { ...dossier, project: { ...dossier.project, title: `${dossier.project.title} (corrigé)` } };
    await harness.resubmit(corrected, requestId);
    const resumed = await eventually(async () => {
      const view = await harness.manager().get(`/evaluations/${dossier.dossierId}`);
      expect(view.body.stage).toBe('admissibility');
      return view.body;
    });
    expect(resumed).toMatchObject({ dossierStatus: 'under-review', changes: ['project.title'], dossier: { project: { title: corrected.project.title } } });

    const assessed = await harness.manager().post(`/evaluations/${dossier.dossierId}/admissibility`, { checks: checklist.map((c) => ({ checkId: c.checkId, passed: true })) });
    expect(assessed.body).toMatchObject({ stage: 'in-review', admissibility: { admissible: true } });
    // Already under review since the resubmission: no second review-started.
    await harness.settled(dossier.dossierId);
    expect((await dossierEvents(dossier.dossierId)).map((e) => e.type)).toEqual(['dossier.complement-requested.v2']);
  });
});
