import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallPublished, DossierSubmitted, OrganisationRegistered, TEAM_ROLES } from '@aap/contracts';
import type { Role } from '@aap/http';
import { documentedOperations, eventPublisher, eventually, httpClient, useTestEnvironment, type DocumentedOperation, type HttpClient } from '@aap/test-harness';
import { createNotificationService } from './service';
import { applicant, callSnapshot, dossierSnapshot, submittedData } from './testing/fixtures';
import { startMailCatcher } from './testing/mail-catcher';

const env = useTestEnvironment();
const organisation = applicant('216901231');
const callId = 'call-route-access';
const dossierId = 'dossier-route-access';
/** A staff person on no team of the call this test builds. */
const OUTSIDER = 'manager-of-another-call';

let api: HttpClient;
let operations: DocumentedOperation[];
let mail: Awaited<ReturnType<typeof startMailCatcher>>;
let publisher: Awaited<ReturnType<typeof eventPublisher>>;

beforeAll(async () => {
  mail = await startMailCatcher();
  const notification = await env.startService(createNotificationService({ SMTP_PORT: mail.port }));
  api = httpClient(notification.url);
  publisher = await eventPublisher(env);
  await publisher.publish(OrganisationRegistered, { organisation });
  await publisher.publish(CallPublished, { call: callSnapshot(callId) });
  await publisher.publish(DossierSubmitted, submittedData(dossierSnapshot(dossierId, 'AAP-2026-000901', callId, organisation)));
  // The call's team reads the dossier's timeline once the call copy and the dossier's entries are there.
  await eventually(async () => expect((await api.as('programme-manager').get(`/dossiers/${dossierId}/timeline`)).status).toBe(200), { timeoutMs: 20_000 });

  const ids: Record<string, string> = { dossierId, organisationId: organisation.organisationId };
  operations = await documentedOperations(api.as('admin'), ids);
});

afterAll(async () => {
  await publisher?.disconnect();
  await mail?.stop();
});

const bodyOf = (method: string) => (method === 'GET' || method === 'DELETE' ? undefined : {});

describe("every notification route refuses staff of another call's team", () => {
  it('lists the routes it checks: the timelines and the organisation-wide reads among them', () => {
    expect(operations.map((o) => `${o.method} ${o.path}`)).toEqual(
      expect.arrayContaining([
        `GET /dossiers/${dossierId}/timeline`,
        `GET /dossiers/${dossierId}/timeline.csv`,
        `GET /organisations/${organisation.organisationId}/inbox`,
        `GET /organisations/${organisation.organisationId}/preferences`,
        'GET /deliveries',
      ]),
    );
  });

  for (const role of TEAM_ROLES as readonly Role[]) {
    it(`${role} of another call's team: 404 on its dossiers' timelines, 403 on organisation-wide reads and everything else, problem+json`, async () => {
      const outsider = api.as(role, { sub: OUTSIDER });
      for (const { method, path, roles } of operations) {
        const answer = await outsider.request(method, path, bodyOf(method));
        expect({ method, path, status: answer.status }).toEqual({ method, path, status: roles.includes(role) ? 404 : 403 });
        expect(answer.headers['content-type']).toContain('application/problem+json');
      }
      // The call's own team member of the same role reads the timeline.
      expect((await api.as(role).get(`/dossiers/${dossierId}/timeline`)).status).toBe(200);
    });
  }

  it('an admin reads every timeline and the organisation-wide views', async () => {
    for (const path of [`/dossiers/${dossierId}/timeline`, `/organisations/${organisation.organisationId}/inbox`, `/organisations/${organisation.organisationId}/preferences`, '/deliveries']) {
      expect({ path, status: (await api.as('admin').get(path)).status }).toEqual({ path, status: 200 });
    }
  });
});
