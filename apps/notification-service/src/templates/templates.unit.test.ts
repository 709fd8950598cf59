import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { catalogue } from '@aap/contracts';
import { ROUTES } from '../notifications/routing';
import { applicant, routedEventData } from '../testing/fixtures';
import { escapeHtml, html, link } from './html';
import { REVIEWER_ROUTES } from '../notifications/reviewer-routing';
import { renderMessage, type MessageModel, type ReviewerMessageModel } from './template';
import evaluationReviewDueSoon from './evaluation-review-due-soon';
import evaluationReviewersAssigned from './evaluation-reviewers-assigned';
import dossierSubmitted from './dossier-submitted';
import dossierAccepted from './dossier-accepted';
import dossierDecisionReopened from './dossier-decision-reopened';
import dossierDraftClosingSoon from './dossier-draft-closing-soon';
import awardBankDetailsValidated from './award-bank-details-validated';
import awardCancelled from './award-cancelled';
import awardCompleted from './award-completed';
import awardGranted from './award-granted';
import awardLapsed from './award-lapsed';
import awardRecoveryOrdered from './award-recovery-ordered';
import tranchePaid from './tranche-paid';
import trancheRefused from './tranche-refused';

const story = { dossierId: 'd-42', number: 'AAP-2026-000042', callId: 'call-1', organisation: applicant('216901231') };
const data = routedEventData(story);

function modelFor<Data>(eventData: Data, overrides: Partial<MessageModel<Data>> = {}): MessageModel<Data> {
  return {
    data: eventData,
    occurredAt: '2026-04-10T09:00:00+02:00',
    organisation: { organisationId: '216901231', name: 'Commune de Bourg-en-Bresse' },
    call: { callId: 'call-1', title: 'Fabriques de territoire 2026' },
    dossiers: [{ dossierId: 'd-42', number: 'AAP-2026-000042', title: 'Tiers-lieu de la gare', link: 'https://aap.example.fr/dossiers/d-42' }],
    ...overrides,
  };
}

describe('html`…`', () => {
  it('escapes every interpolated value, but not nested html`…` fragments', () => {
    const name = '<script>alert("x")</script> & Cie';
    expect(html`<p>${name}</p>`.value).toBe('<p>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Cie</p>');
    expect(html`<ul>${['a<b', 'c'].map((v) => html`<li>${v}</li>`)}</ul>`.value).toBe('<ul><li>a&lt;b</li><li>c</li></ul>');
    expect(escapeHtml("l'été")).toBe('l&#39;été');
  });

  it('links only http(s) addresses', () => {
    expect(link('https://x.fr/a?b=1&c=2', 'Voir').value).toBe('<a href="https://x.fr/a?b=1&amp;c=2">Voir</a>');
    expect(link('javascript:alert(1)', 'Voir').value).toBe('Voir');
  });
});

describe('the routing table', () => {
  it('routes each applicant-facing event type once, each to a catalogue event with its own template', () => {
    const types = ROUTES.map((r) => r.event.type);
    expect(new Set(types).size).toBe(types.length);
    for (const route of ROUTES) expect(catalogue.get(route.event.type)).toBe(route.event);
    expect(new Set(ROUTES.map((r) => r.template)).size).toBe(ROUTES.length);
  });

  it('has one template file per routed event and no template file left unrouted', () => {
    const files = readdirSync(new URL('.', import.meta.url))
      .filter((f) => /^(dossier|call|award|tranche)-.*\.ts$/.test(f) && !f.includes('.test.'))
      .map((f) => f.replace(/\.ts$/, ''))
      .sort();
    expect(files).toEqual(ROUTES.map((r) => r.event.name.replace('.', '-')).sort());
  });
});

describe.each(ROUTES.map((route) => [route.event.type, route] as const))('the %s message', (type, route) => {
  const eventData = route.event.schema.parse(data[type as keyof typeof data]);
  const isCall = route.audience === 'call';
  const model = modelFor(eventData, isCall ? { dossiers: [{ dossierId: 'd-42', number: 'AAP-2026-000042', title: 'Tiers-lieu de la gare', link: 'https://aap.example.fr/dossiers/d-42' }] } : {});
  const message = renderMessage(route.template, model);

  it('names the dossier (or the call) in its subject, in French', () => {
    if (isCall) expect(message.subject).toContain('« Fabriques de territoire 2026 »');
    else if (type === 'dossier.draft-closing-soon.v2') expect(message.subject).toContain('« Tiers-lieu de la gare »');
    else expect(message.subject).toContain('AAP-2026-000042');
    expect(message.subject).not.toMatch(/undefined|null|\[object/);
  });

  it('greets the organisation and gives the link to the dossier in text and HTML', () => {
    for (const part of [message.text, message.html]) {
      expect(part).toContain('Bonjour');
      expect(part).toContain('Commune de Bourg-en-Bresse');
      expect(part).toContain('https://aap.example.fr/dossiers/d-42');
      expect(part).toContain('AAP-2026-000042');
      expect(part).not.toMatch(/undefined|null|NaN|\[object/);
    }
    expect(message.html).toContain('<a href="https://aap.example.fr/dossiers/d-42">');
  });

  it('escapes what it interpolates in HTML', () => {
    const hostile = renderMessage(route.template, { ...model, organisation: { organisationId: '216901231', name: '<img src=x onerror=alert(1)>' } });
    expect(hostile.html).not.toContain('<img');
    expect(hostile.html).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });
});

describe('wording', () => {
  it('gives the receipt details of a submission', () => {
    const message = renderMessage(dossierSubmitted, modelFor(data['dossier.submitted.v2']));
    expect(message.subject).toBe('Accusé de réception — dossier AAP-2026-000042');
    expect(message.text).toContain('« Fabriques de territoire 2026 »');
    expect(message.text).toContain('- Déposé le : 2 mars 2026 à 10:15');
    expect(message.text).toContain('a'.repeat(64));
  });

  it('writes amounts in euros, French style, and quotes the motivation', () => {
    const message = renderMessage(dossierAccepted, modelFor(data['dossier.accepted.v3']));
    expect(message.text).toContain('- Subvention accordée : 120 000,00 €');
    expect(message.text).toContain('- Dépenses éligibles retenues : 300 000,00 €');
    expect(message.text).toContain("- Taux d'aide de l'État : 50 %");
    expect(message.text).toContain('> Projet structurant pour le territoire.');
    expect(message.html).toContain('<blockquote');
  });

  it('keeps the committee’s internal reason for reopening out of the message', () => {
    const message = renderMessage(dossierDecisionReopened, modelFor(data['dossier.decision-reopened.v2']));
    expect(message.text).not.toContain('note interne');
    expect(message.html).not.toContain('note interne');
  });

  it('names a draft by its title, having no number yet, and counts the days left', () => {
    const model = modelFor(data['dossier.draft-closing-soon.v2'], { dossiers: [{ dossierId: 'd-42', title: 'Tiers-lieu de la gare', link: 'https://aap.example.fr/dossiers/d-42' }] });
    const message = renderMessage(dossierDraftClosingSoon, model);
    expect(message.subject).toBe('Rappel : plus que 3 jours pour déposer votre dossier « Tiers-lieu de la gare »');
    expect(message.text).toContain('« Tiers-lieu de la gare »');
  });

  it('words the call neutrally while its title is not known yet', () => {
    const message = renderMessage(dossierSubmitted, modelFor(data['dossier.submitted.v2'], { call: { callId: 'call-1' } }));
    expect(message.text).toContain("l'appel à projets concerné");
  });
});

describe('the award messages (funding-award events, to the beneficiary)', () => {
  it('announces the grant with its amount, effective rate, advance and start deadline, in French', () => {
    const message = renderMessage(awardGranted, modelFor(data['award.granted.v1']));
    expect(message.subject).toBe('Attribution de votre subvention — dossier AAP-2026-000042');
    expect(message.text).toContain('- Subvention attribuée : 123 456,78 €');
    expect(message.text).toContain('- Dépenses éligibles : 246 913,56 €');
    expect(message.text).toContain('- Taux de subvention : 50 %');
    expect(message.text).toContain("- Avance au démarrage de l'exécution : jusqu'à 30 % de la subvention");
    expect(message.text).toContain('- Date limite de démarrage : 4 mai 2028');
    expect(message.text).toContain('devient caduque');
    expect(message.html).toContain('<strong>123 456,78 €</strong>');
  });

  it('tells a payment: amount, date and reference, never bank details', () => {
    const message = renderMessage(tranchePaid, modelFor(data['tranche.paid.v1']));
    expect(message.subject).toBe('Versement effectué (avance) — dossier AAP-2026-000042');
    expect(message.text).toContain('- Montant versé : 37 037,03 €');
    expect(message.text).toContain('- Date du paiement : 10 juin 2026');
    expect(message.text).toContain('- Référence du paiement : VIR-2026-000123');
    expect(message.text).not.toMatch(/IBAN|FR76/);
  });

  it('shows validated bank details only masked, as the event carries them', () => {
    const message = renderMessage(awardBankDetailsValidated, modelFor(data['award.bank-details-validated.v1']));
    expect(message.text).toContain('- IBAN : FR76 **** 0189');
    expect(message.text).not.toMatch(/FR76\d{2}/);
  });

  it('quotes the reason of a refusal, escaped in HTML', () => {
    const refused = renderMessage(trancheRefused, modelFor(data['tranche.refused.v1']));
    expect(refused.subject).toBe('Demande de versement refusée (acompte) — dossier AAP-2026-000042');
    expect(refused.text).toContain('> Factures non acquittées.');
    const bankRefused = renderMessage(ROUTES.find((r) => r.event.type === 'award.bank-details-refused.v1')!.template, modelFor(data['award.bank-details-refused.v1']));
    expect(bankRefused.html).toContain('titulaire &lt;illisible&gt;.');
  });

  it('orders a recovery with its amount and due date', () => {
    const message = renderMessage(awardRecoveryOrdered, modelFor(data['award.recovery-ordered.v1']));
    expect(message.subject).toBe('Titre de perception : reversement demandé — dossier AAP-2026-000042');
    expect(message.text).toContain('- Montant à reverser : 12 345,67 €');
    expect(message.text).toContain("- Date d'échéance : 15 mars 2029");
    expect(message.text).toContain('> Dépenses réalisées inférieures au montant versé.');
  });

  it('closes an award: completed with what was due, paid and recovered; lapsed with the missed deadline; cancelled with its cause', () => {
    const completed = renderMessage(awardCompleted, modelFor(data['award.completed.v1']));
    expect(completed.text).toContain('- Montant dû au vu des dépenses réalisées : 86 419,75 €');
    expect(completed.text).toContain('- Total versé : 98 765,42 €');
    expect(completed.text).toContain('- Montant à reverser : 12 345,67 €');
    const settledWithoutRecovery = renderMessage(awardCompleted, modelFor({ ...data['award.completed.v1'], recoveredCents: 0 }));
    expect(settledWithoutRecovery.text).not.toContain('reverser');
    const lapsed = renderMessage(awardLapsed, modelFor(data['award.lapsed.v1']));
    expect(lapsed.subject).toBe('Caducité de votre subvention — dossier AAP-2026-000042');
    expect(lapsed.text).toContain("l'exécution du projet n'a pas commencé avant le 4 mai 2028");
    const cancelled = renderMessage(awardCancelled, modelFor(data['award.cancelled.v1']));
    expect(cancelled.text).toContain("- Origine de l'annulation : retrait du dossier");
    expect(cancelled.text).toContain('> Le porteur a retiré son dossier.');
  });

  it('routes every applicant-facing award event, and none the beneficiary did itself or that stays within finance', () => {
    const awardRoutes = ROUTES.map((r) => r.event.type).filter((type) => /^(award|tranche)\./.test(type));
    expect(awardRoutes.sort()).toEqual(
      [
        'award.granted.v1',
        'award.agreement-issued.v1',
        'award.agreement-countersigned.v1',
        'award.bank-details-validated.v1',
        'award.bank-details-refused.v1',
        'award.start-deadline-extended.v1',
        'tranche.validated.v1',
        'tranche.refused.v1',
        'tranche.paid.v1',
        'award.recovery-ordered.v1',
        'award.completed.v1',
        'award.lapsed.v1',
        'award.cancelled.v1',
      ].sort(),
    );
  });
});

describe('the reviewer messages (staff e-mails, evaluation.* events)', () => {
  const reviewerModel = <Data>(eventData: Data): ReviewerMessageModel<Data> => ({
    data: eventData,
    occurredAt: '2026-04-10T09:00:00+02:00',
    reviewer: { reviewerId: 'rev-1', name: 'Claire Dupont' },
    call: { callId: 'call-1', title: 'Fabriques de territoire 2026' },
    dossier: { dossierId: 'd-42', number: 'AAP-2026-000042', link: 'https://aap.example.fr/evaluations/d-42' },
  });
  const dueAt = '2026-05-15T16:00:00Z'; // 18:00 in Paris (summer time)

  it('are routed by their own table, one template file each, and no applicant route carries an evaluation.* event', () => {
    expect(REVIEWER_ROUTES.map((r) => r.event.type).sort()).toEqual(['evaluation.review-due-soon.v1', 'evaluation.reviewers-assigned.v1']);
    for (const route of REVIEWER_ROUTES) expect(catalogue.get(route.event.type)).toBe(route.event);
    const files = readdirSync(new URL('.', import.meta.url))
      .filter((f) => /^evaluation-.*\.ts$/.test(f))
      .map((f) => f.replace(/\.ts$/, ''))
      .sort();
    expect(files).toEqual(REVIEWER_ROUTES.map((r) => r.event.name.replace('.', '-')).sort());
    expect(ROUTES.filter((r) => !/^(dossier|call|award|tranche)\./.test(r.event.type))).toEqual([]);
  });

  it('tells the reviewer of an assignment, in French: dossier number, call, deadline in Paris time, link', () => {
    const message = renderMessage(evaluationReviewersAssigned, reviewerModel({ reviewerId: 'rev-1', name: 'Claire Dupont', email: 'claire@experts.example.fr', dueAt }));
    expect(message.subject).toBe('Nouveau dossier à évaluer — dossier AAP-2026-000042');
    expect(message.text).toMatch(/^Bonjour Claire Dupont,\n/);
    expect(message.text).toContain('- Dossier : AAP-2026-000042');
    expect(message.text).toContain('- Appel à projets : Fabriques de territoire 2026');
    expect(message.text).toContain("- Date limite d'évaluation : 15 mai 2026 à 18:00 (heure de Paris)");
    expect(message.text).toContain("conflit d'intérêts");
    expect(message.text).toContain('Dossier n° AAP-2026-000042 : https://aap.example.fr/evaluations/d-42');
    expect(message.text).not.toContain('préférences de votre organisation');
    expect(message.html).toContain('<a href="https://aap.example.fr/evaluations/d-42">');
  });

  it('reminds the reviewer before the deadline', () => {
    const message = renderMessage(evaluationReviewDueSoon, reviewerModel({ callId: 'call-1', dossierId: 'd-42', number: 'AAP-2026-000042', waveId: 'w1', organisationId: '216901231', at: '2026-05-13T16:00:00Z', reviewerId: 'rev-1', name: 'Claire Dupont', email: 'claire@experts.example.fr', dueAt }));
    expect(message.subject).toBe('Rappel : évaluation attendue avant le 15 mai 2026 à 18:00 — dossier AAP-2026-000042');
    expect(message.text).toContain("n'est pas encore transmise");
  });

  it('escapes what it interpolates in HTML', () => {
    const message = renderMessage(evaluationReviewersAssigned, { ...reviewerModel({ reviewerId: 'r', name: 'x', email: 'x@example.fr', dueAt }), reviewer: { reviewerId: 'r', name: '<b>Claire</b>' } });
    expect(message.html).toContain('&lt;b&gt;Claire&lt;/b&gt;');
    expect(message.html).not.toContain('<b>Claire</b>');
  });
});
