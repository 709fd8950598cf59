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
      .filter((f) => /^(dossier|call)-.*\.ts$/.test(f) && !f.includes('.test.'))
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
    expect(ROUTES.filter((r) => !/^(dossier|call)\./.test(r.event.type))).toEqual([]);
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
