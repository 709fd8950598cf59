import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AwardAgreementSigned,
  AwardAmountReleased,
  AwardBankDetailsSubmitted,
  AwardExecutionStarted,
  CallPublished,
  catalogue,
  DossierSubmitted,
  OrganisationRegistered,
  TranchePaid,
  TrancheReleased,
  TrancheRequested,
  type EventDefinition,
  type EventEnvelope,
} from '@aap/contracts';
import type { RunningService } from '@aap/service-runtime';
import { authHeaders, eventPublisher, useTestEnvironment } from '@aap/test-harness';
import { createNotificationService } from '../service';
import { applicant, callSnapshot, routedEventData, submittedData } from '../testing/fixtures';
import { copiesOnTopic, handled, settledDeliveries } from '../testing/known-points';
import { startMailCatcher, type CaughtMail } from '../testing/mail-catcher';

const env = useTestEnvironment();

/** The applicant-facing award events, in the order of an award's life: each told by e-mail and in the inbox. */
const TOLD = [
  'award.granted.v1',
  'award.agreement-issued.v1',
  'award.agreement-countersigned.v1',
  'award.bank-details-refused.v1',
  'award.bank-details-validated.v1',
  'award.start-deadline-extended.v1',
  'tranche.validated.v1',
  'tranche.paid.v1',
  'tranche.refused.v1',
  'award.recovery-ordered.v1',
  'award.completed.v1',
  'award.lapsed.v1',
  'award.cancelled.v1',
] as const;

/** What each message's subject says (the dossier number always). */
const SUBJECTS: Record<(typeof TOLD)[number], string> = {
  'award.granted.v1': 'Attribution de votre subvention — dossier AAP-2026-000901',
  'award.agreement-issued.v1': 'Convention de subvention à signer — dossier AAP-2026-000901',
  'award.agreement-countersigned.v1': 'Convention de subvention signée par les deux parties — dossier AAP-2026-000901',
  'award.bank-details-refused.v1': 'Coordonnées bancaires refusées — dossier AAP-2026-000901',
  'award.bank-details-validated.v1': 'Coordonnées bancaires validées — dossier AAP-2026-000901',
  'award.start-deadline-extended.v1': 'Délai de démarrage prolongé — dossier AAP-2026-000901',
  'tranche.validated.v1': 'Demande de versement validée (avance) — dossier AAP-2026-000901',
  'tranche.paid.v1': 'Versement effectué (avance) — dossier AAP-2026-000901',
  'tranche.refused.v1': 'Demande de versement refusée (acompte) — dossier AAP-2026-000901',
  'award.recovery-ordered.v1': 'Titre de perception : reversement demandé — dossier AAP-2026-000901',
  'award.completed.v1': 'Subvention soldée — dossier AAP-2026-000901',
  'award.lapsed.v1': 'Caducité de votre subvention — dossier AAP-2026-000901',
  'award.cancelled.v1': 'Annulation de votre subvention — dossier AAP-2026-000901',
};

const eventTypeOf = (mail: CaughtMail) => String(mail.headers['x-aap-event-type'] ?? '');

describe('notifications: the award events reach the beneficiary once, by e-mail and in its inbox, and each is on the dossier’s timeline', () => {
  let mail: Awaited<ReturnType<typeof startMailCatcher>>;
  let publisher: Awaited<ReturnType<typeof eventPublisher>>;
  let notification: RunningService;
  const organisation = applicant('216901231');
  const callId = 'call-award-1';
  const dossierId = 'dossier-award';
  const story = routedEventData({ dossierId, number: 'AAP-2026-000901', callId, organisation });
  const award = { awardId: dossierId, dossierId, number: 'AAP-2026-000901', callId, waveId: 'w1', organisationId: organisation.organisationId };
  const contacts = organisation.contacts.map((c) => c.email).sort();

  const get = async (path: string, claims: Parameters<typeof authHeaders>[0]) => fetch(`${notification.url}${path}`, { headers: await authHeaders(claims) });

  beforeAll(async () => {
    mail = await startMailCatcher();
    notification = await env.startService(createNotificationService({ SMTP_PORT: mail.port, PUBLIC_APP_URL: 'https://aap.example.fr', DELIVERY_RETRY_BASE_MS: 100, DELIVERY_RETRY_MAX_MS: 2_000 }));
    publisher = await eventPublisher(env);
    await publisher.publish(CallPublished, { call: callSnapshot(callId) }, { time: '2026-01-05T09:00:00+01:00' });
    await publisher.publish(OrganisationRegistered, { organisation }, { time: '2026-01-10T09:00:00+01:00' });
    const submitted = await publisher.publish(DossierSubmitted, story['dossier.submitted.v2'], { time: '2026-03-02T10:15:00+01:00' });
    // An award comes weeks after its dossier's submission, on another topic: the dossier (its project's
    // title, which every message names) is known before the first award event, as in production.
    await handled(env, submitted.id);
  });

  afterAll(async () => {
    await publisher?.disconnect();
    await mail?.stop();
  });

  it('tells each applicant-facing award event once per contact (even redelivered), lists it in the inbox, and puts every award event on the timeline', async () => {
    // The award's whole life on its topic (key = award id, so in this order), the beneficiary's own
    // steps and finance's internal ones among them (timeline only).
    const at = (hour: number) => new Date(Date.UTC(2026, 4, 4, hour)).toISOString();
    const published: EventEnvelope[] = [];
    let hour = 0;
    const publish = async (definition: EventDefinition, data: unknown) => {
      const event = await publisher.publish(definition, data as never, { time: at(hour++) });
      published.push(event);
      return event;
    };
    const told = (type: (typeof TOLD)[number]) => publish(catalogue.get(type) as EventDefinition, story[type]);
    await told('award.granted.v1');
    await told('award.agreement-issued.v1');
    await publish(AwardAgreementSigned, { ...award, at: at(hour), agreementSha256: 'b'.repeat(64), signedBy: 'applicant-1' });
    await told('award.agreement-countersigned.v1');
    await publish(AwardBankDetailsSubmitted, { ...award, at: at(hour), bankDetailsId: 'bd-0', iban: 'FR76 **** 9999', bic: 'AGRIFRPP', submittedBy: 'applicant-1' });
    await told('award.bank-details-refused.v1');
    await told('award.bank-details-validated.v1');
    await told('award.start-deadline-extended.v1');
    await publish(AwardExecutionStarted, { ...award, at: at(hour), startedOn: '2026-06-01', completionDeadline: '2030-06-01', declaredBy: 'applicant-1' });
    await publish(TrancheRequested, { ...award, at: at(hour), trancheId: 't-1', kind: 'advance', amountCents: 3_703_703, requestedBy: 'applicant-1' });
    await told('tranche.validated.v1');
    await publish(TrancheReleased, { ...award, at: at(hour), trancheId: 't-1', kind: 'advance', amountCents: 3_703_703, releasedBy: 'finance-2', bankDetailsId: 'bd-1', iban: 'FR76 **** 0189' });
    const paid = await told('tranche.paid.v1');
    // Kafka delivers the payment again (a consumer crash, a rebalance): the same event id.
    await publisher.redeliver(paid, TranchePaid);
    await told('tranche.refused.v1');
    await told('award.recovery-ordered.v1');
    await told('award.completed.v1');
    await publish(AwardAmountReleased, { ...award, at: at(hour), amountCents: 2_469_135, cause: 'completion' });
    // Lapse and cancellation are other endings of an award: their messages, told on the same dossier here.
    await told('award.lapsed.v1');
    const last = await told('award.cancelled.v1');

    // The duplicate is really on the topic, before the last event on the award's partition: once the
    // last is handled, so is the duplicate; once every delivery is settled, nothing more is sent.
    await copiesOnTopic(env, TranchePaid, paid.id, 2);
    await handled(env, last.id);
    const deliveries = await settledDeliveries(env, { organisationId: organisation.organisationId, channel: 'email' });
    const expectedMails = (TOLD.length + 1) * contacts.length; // + the receipt of the submission
    expect(deliveries).toHaveLength(expectedMails);
    for (const delivery of deliveries) expect(delivery.log.filter((entry) => entry.outcome === 'sent'), delivery._id).toHaveLength(1);
    const mails = (await mail.mails()).filter((m) => m.to.some((address) => contacts.includes(address)));
    expect(mails).toHaveLength(expectedMails);

    for (const type of TOLD) {
      const ofType = mails.filter((m) => eventTypeOf(m) === type);
      expect(ofType.flatMap((m) => m.to).sort(), type).toEqual(contacts);
      for (const m of ofType) {
        expect(m.subject, type).toBe(SUBJECTS[type]);
        expect(m.text, type).toContain(`Commune ${organisation.organisationId}`);
        expect(m.text, type).toContain('« Tiers-lieu de la gare »');
        expect(m.html, type).toContain(`href="https://aap.example.fr/dossiers/${dossierId}"`);
      }
    }
    const textOf = (type: (typeof TOLD)[number]) => mails.find((m) => eventTypeOf(m) === type)!.text;
    expect(textOf('award.granted.v1')).toContain('- Subvention attribuée : 123 456,78 €');
    expect(textOf('award.granted.v1')).toContain('- Date limite de démarrage : 4 mai 2028');
    expect(textOf('tranche.paid.v1')).toContain('- Montant versé : 37 037,03 €');
    expect(textOf('tranche.paid.v1')).toContain('- Date du paiement : 10 juin 2026');
    expect(textOf('award.recovery-ordered.v1')).toContain('- Montant à reverser : 12 345,67 €');
    expect(textOf('award.bank-details-validated.v1')).toContain('- IBAN : FR76 **** 0189');
    // An IBAN is never written whole: only the masked form the events carry.
    for (const m of mails) expect(m.text).not.toMatch(/FR\d{2}\s?\d{4}/);

    // One inbox item per event told (not per contact, not per copy), newest first.
    const inbox = await get(`/organisations/${organisation.organisationId}/inbox?pageSize=100`, { roles: ['applicant'], org: organisation.organisationId });
    const page = (await inbox.json()) as { total: number; items: Array<{ eventType: string; dossierNumber?: string; subject: string; link?: string }> };
    expect(page.items.map((i) => i.eventType)).toEqual([...TOLD.slice().reverse(), 'dossier.submitted.v2']);
    expect(page.items[0]).toMatchObject({ dossierNumber: 'AAP-2026-000901', subject: SUBJECTS['award.cancelled.v1'], link: `https://aap.example.fr/dossiers/${dossierId}` });

    // The timeline: every award event, once, in the order it happened; the applicant sees the
    // allow-listed details, staff the whole event.
    const timeline = (await (await get(`/dossiers/${dossierId}/timeline`, { roles: ['applicant'], org: organisation.organisationId })).json()) as {
      view: string;
      entries: Array<{ eventId: string; type: string; summary: string; details: Record<string, unknown> }>;
    };
    expect(timeline.view).toBe('applicant');
    const awardEntries = timeline.entries.filter((e) => /^(award|tranche)\./.test(e.type));
    expect(awardEntries.map((e) => e.eventId)).toEqual(published.map((e) => e.id));
    expect(awardEntries.find((e) => e.type === 'tranche.paid.v1')).toMatchObject({
      summary: 'Versement effectué (avance)',
      details: { kind: 'advance', amountCents: 3_703_703, paymentReference: 'VIR-2026-000123', paidOn: '2026-06-10' },
    });
    expect(awardEntries.find((e) => e.type === 'tranche.validated.v1')!.details).toEqual({ kind: 'advance', amountCents: 3_703_703 });
    expect(awardEntries.find((e) => e.type === 'award.amount-released.v1')!.details).toEqual({});
    const staff = (await (await get(`/dossiers/${dossierId}/timeline`, { roles: ['finance'] })).json()) as { view: string; entries: Array<{ type: string; details: Record<string, unknown> }> };
    expect(staff.view).toBe('staff');
    expect(staff.entries.find((e) => e.type === 'award.amount-released.v1')!.details).toMatchObject({ amountCents: 2_469_135, cause: 'completion' });
    expect(staff.entries.find((e) => e.type === 'tranche.validated.v1')!.details).toMatchObject({ validatedBy: 'finance-1' });
  });
});
