import { describe, expect, it } from 'vitest';
import { CallExtended, DossierAccepted, EvaluationReviewersAssigned, type EventData } from '@aap/contracts';
import { newEvent } from '@aap/messaging';
import { applicant, routedEventData } from '../testing/fixtures';
import { tell, tellReviewers, type Recipient } from './notification';
import { REVIEWER_ROUTES } from './reviewer-routing';
import { ROUTES } from './routing';

const organisation = applicant('216901231', {
  contacts: [
    { name: 'Élodie Martin', email: 'Elodie@Example.fr ' },
    { name: 'Élodie (mairie)', email: 'elodie@example.fr' },
    { name: 'Karim Benali', email: 'karim@example.fr' },
  ],
});
const story = routedEventData({ dossierId: 'dossier-a', number: 'AAP-2026-000101', callId: 'call-1', organisation });
const recipient: Recipient = {
  organisation: { _id: organisation.organisationId, name: organisation.name, contacts: organisation.contacts },
  callId: 'call-1',
  dossiers: [{ _id: 'dossier-a', number: 'AAP-2026-000101', title: 'Tiers-lieu de la gare' }],
};
const routeOf = (type: string) => ROUTES.find((route) => route.event.type === type)!;
const telling = { callTitle: 'Fabriques de territoire 2026', publicAppUrl: 'https://aap.example.fr', emailEnabled: true };

describe('what an event tells an organisation', () => {
  const { envelope: accepted } = newEvent('evaluation', DossierAccepted, story['dossier.accepted.v3']);

  it('given a dossier event, one inbox notice keyed by event and organisation, about the dossier, with its link', () => {
    const { notice, dossierId } = tell(routeOf(accepted.type), accepted, recipient, telling);
    expect(notice).toMatchObject({
      id: `${accepted.id}:216901231`,
      organisationId: '216901231',
      eventType: 'dossier.accepted.v3',
      category: 'dossier-status',
      dossierId: 'dossier-a',
      dossierNumber: 'AAP-2026-000101',
      link: 'https://aap.example.fr/dossiers/dossier-a',
      subject: 'Votre dossier est retenu — dossier AAP-2026-000101',
      occurredAt: new Date(accepted.time),
    });
    expect(dossierId).toBe('dossier-a');
  });

  it('one e-mail per distinct address (case and spaces aside), keyed by event, organisation and address', () => {
    const { emails } = tell(routeOf(accepted.type), accepted, recipient, telling);
    expect(emails.map((email) => [email.id, email.email!.to.address])).toEqual([
      [`${accepted.id}:216901231:elodie@example.fr`, 'Elodie@Example.fr'],
      [`${accepted.id}:216901231:karim@example.fr`, 'karim@example.fr'],
    ]);
    expect(emails[0]).toMatchObject({ channel: 'email', eventId: accepted.id, organisationId: '216901231', dossierId: 'dossier-a', email: { category: 'dossier-status' } });
  });

  it('with e-mails of the category off, the notice only', () => {
    const told = tell(routeOf(accepted.type), accepted, recipient, { ...telling, emailEnabled: false });
    expect(told.emails).toEqual([]);
    expect(told.notice.subject).toContain('AAP-2026-000101');
  });

  it('given a call event, a notice about the call, not about one dossier', () => {
    const { envelope: extended } = newEvent('submission', CallExtended, story['call.extended.v1']);
    const told = tell(routeOf(extended.type), extended, recipient, telling);
    expect(told.notice).not.toHaveProperty('dossierId');
    expect(told).not.toHaveProperty('dossierId');
    expect(told.emails[0]).not.toHaveProperty('dossierId');
  });
});

describe('what an evaluation event tells reviewers', () => {
  it('one e-mail per reviewer it names, keyed by event and reviewer, about the dossier’s evaluation sheet', () => {
    const reference = { dossierId: 'dossier-e', number: 'AAP-2026-000555', callId: 'call-1', waveId: 'w1', organisationId: '216901231' };
    const data: EventData<typeof EvaluationReviewersAssigned> = {
      ...reference,
      at: '2026-04-10T09:00:00Z',
      reviewers: [
        { reviewerId: 'rev-claire', name: 'Claire Dupont', email: 'claire@experts.example.fr', dueAt: '2026-05-15T16:00:00Z' },
        { reviewerId: 'rev-marc', name: 'Marc Lefèvre', email: 'marc@experts.example.fr', dueAt: '2026-05-15T16:00:00Z' },
      ],
      missing: 0,
      cause: 'admissible',
    };
    const { envelope } = newEvent('evaluation', EvaluationReviewersAssigned, data);
    const route = REVIEWER_ROUTES.find((r) => r.event.type === envelope.type)!;
    const emails = tellReviewers(route, envelope, reference, { publicAppUrl: 'https://aap.example.fr' });
    expect(emails.map((email) => [email.id, email.email!.to.address, email.email!.category])).toEqual([
      [`${envelope.id}:reviewer:rev-claire`, 'claire@experts.example.fr', 'evaluation'],
      [`${envelope.id}:reviewer:rev-marc`, 'marc@experts.example.fr', 'evaluation'],
    ]);
    expect(emails[0]!.email!.text).toContain('https://aap.example.fr/evaluations/dossier-e');
    expect(emails[0]).not.toHaveProperty('organisationId');
  });
});
