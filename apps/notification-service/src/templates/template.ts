import { html, link, type SafeHtml } from './html';

/** A dossier a message is about, with the link to it in the applicants' application. */
export interface DossierRef {
  dossierId: string;
  /** Absent for a draft (a number is given at submission). */
  number?: string;
  title?: string;
  link: string;
}

/** What every template renders from: the event's data plus this service's copy of its context. */
export interface MessageModel<Data> {
  data: Data;
  /** Event time (ISO). */
  occurredAt: string;
  organisation: { organisationId: string; name: string };
  call: { callId: string; title?: string };
  /** The dossier(s) the message is about: one for a dossier event, the organisation's open ones for a call event. */
  dossiers: DossierRef[];
}

export interface RenderedMessage {
  subject: string;
  text: string;
  html: string;
}

/** A message template: three renderers of one typed model. */
export interface Template<Data> {
  subject(model: MessageModel<Data>): string;
  text(model: MessageModel<Data>): string;
  html(model: MessageModel<Data>): string;
}

/**
 * What a template says, as plain strings: the layout turns it into the text and the HTML part
 * (every string HTML-escaped there), so a template holds words, never markup.
 */
export interface MessageBody {
  /** Paragraphs after the greeting. */
  paragraphs: string[];
  /** Label/value lines (amounts, dates, reasons). */
  details?: Array<[label: string, value: string | undefined]>;
  /** A text written by a person (motivation, request for complements), quoted as is. */
  quote?: { label: string; text: string };
}

export function defineTemplate<Data>(spec: { subject(model: MessageModel<Data>): string; body(model: MessageModel<Data>): MessageBody }): Template<Data> {
  return framed(spec, organisationFrame);
}

export function renderMessage<Data, Model = MessageModel<Data>>(template: Renderers<Model>, model: Model): RenderedMessage {
  return { subject: template.subject(model), text: template.text(model), html: template.html(model) };
}

/**
 * What a message to a reviewer renders from: a staff message, addressed to one person about one
 * dossier to evaluate (never to an organisation, never in an inbox or a webhook).
 */
export interface ReviewerMessageModel<Data> {
  data: Data;
  /** Event time (ISO). */
  occurredAt: string;
  reviewer: { reviewerId: string; name: string };
  call: { callId: string; title?: string };
  dossier: { dossierId: string; number: string; link: string };
}

/** A reviewer message template: three renderers of one typed model. */
export type ReviewerTemplate<Data> = Renderers<ReviewerMessageModel<Data>>;

export function defineReviewerTemplate<Data>(spec: {
  subject(model: ReviewerMessageModel<Data>): string;
  body(model: ReviewerMessageModel<Data>): MessageBody;
}): ReviewerTemplate<Data> {
  return framed(spec, reviewerFrame);
}

interface Renderers<Model> {
  subject(model: Model): string;
  text(model: Model): string;
  html(model: Model): string;
}

/** What surrounds a template's words: who is greeted, the details first listed, the links at the end, the footer. */
interface Frame {
  greeting: string;
  leadDetails: Array<[string, string]>;
  links: Array<{ label: string; url: string }>;
  footer: string;
}

function framed<Model>(spec: { subject(model: Model): string; body(model: Model): MessageBody }, frameOf: (model: Model) => Frame): Renderers<Model> {
  return {
    subject: (model) => spec.subject(model),
    text: (model) => renderText(frameOf(model), spec.body(model)),
    html: (model) => renderHtml(frameOf(model), spec.subject(model), spec.body(model)).value,
  };
}

// ── wording helpers shared by the templates ────────────────────────────────────────────────────

/** « n° AAP-2026-000042 « Tiers-lieu de Bourg » » or, for a draft, « « Tiers-lieu de Bourg » ». */
export function dossierLabel(dossier: DossierRef | undefined): string {
  if (!dossier) return 'votre dossier';
  const title = dossier.title ? ` « ${dossier.title} »` : '';
  return dossier.number ? `n° ${dossier.number}${title}` : title.trim() || dossier.dossierId;
}

/** « « Fabriques de territoire 2026 » », or « concerné » when the call is not known yet ("l'appel à projets concerné"). */
export function callLabel(model: MessageModel<unknown>): string {
  return model.call.title ? `« ${model.call.title} »` : 'concerné';
}

/** The subject suffix naming the dossier: " — dossier AAP-2026-000042". */
export function subjectDossier(model: MessageModel<unknown>): string {
  const dossier = model.dossiers[0];
  return dossier?.number ? ` — dossier ${dossier.number}` : dossier?.title ? ` — « ${dossier.title} »` : '';
}

const SIGNATURE = "L'équipe des appels à projets de l'Agence nationale de la cohésion des territoires (ANCT)";
const FOOTER = 'Ce message vous est envoyé automatiquement : merci de ne pas y répondre. Vous pouvez choisir les messages que vous recevez par e-mail dans les préférences de votre organisation.';
const REVIEWER_FOOTER = "Ce message vous est envoyé automatiquement parce que vous êtes évaluateur ou évaluatrice de cet appel à projets : merci de ne pas y répondre. Son contenu est confidentiel.";

/** An organisation's message: greeted as such, its name first among the details, a link per dossier. */
const organisationFrame = (model: MessageModel<unknown>): Frame => ({
  greeting: 'Bonjour,',
  leadDetails: [['Organisation', model.organisation.name]],
  links: model.dossiers.map((dossier) => ({ label: dossierLabel(dossier), url: dossier.link })),
  footer: FOOTER,
});

/** A reviewer's message: greeted by name, the link to the dossier's evaluation. */
const reviewerFrame = (model: ReviewerMessageModel<unknown>): Frame => ({
  greeting: `Bonjour ${model.reviewer.name},`,
  leadDetails: [],
  links: [{ label: `n° ${model.dossier.number}`, url: model.dossier.link }],
  footer: REVIEWER_FOOTER,
});

/** The frame's details first, then the template's details that have a value. */
function detailsOf(frame: Frame, body: MessageBody): Array<[string, string]> {
  return [...frame.leadDetails, ...(body.details ?? []).filter((d): d is [string, string] => d[1] !== undefined)];
}

function renderText(frame: Frame, body: MessageBody): string {
  const lines = [frame.greeting, ''];
  for (const paragraph of body.paragraphs) lines.push(paragraph, '');
  const details = detailsOf(frame, body);
  if (details.length > 0) {
    for (const [label, value] of details) lines.push(`- ${label} : ${value}`);
    lines.push('');
  }
  if (body.quote) lines.push(`${body.quote.label} :`, ...body.quote.text.split(/\r?\n/).map((l) => `> ${l}`), '');
  for (const { label, url } of frame.links) lines.push(`Dossier ${label} : ${url}`);
  if (frame.links.length > 0) lines.push('');
  lines.push('Cordialement,', SIGNATURE, '', '--', frame.footer);
  return `${lines.join('\n')}\n`;
}

function renderHtml(frame: Frame, subject: string, body: MessageBody): SafeHtml {
  const details = detailsOf(frame, body);
  return html`<!doctype html>
<html lang="fr">
<head><meta charset="utf-8"><title>${subject}</title></head>
<body style="font-family: Marianne, Arial, sans-serif; color: #161616; line-height: 1.5;">
<p>${frame.greeting}</p>
${body.paragraphs.map((paragraph) => html`<p>${paragraph}</p>\n`)}
${details.length > 0 ? html`<ul>${details.map(([label, value]) => html`<li>${label} : <strong>${value}</strong></li>`)}</ul>\n` : ''}
${body.quote ? html`<p>${body.quote.label} :</p><blockquote style="border-left: 4px solid #000091; margin: 0; padding-left: 1em;">${body.quote.text.split(/\r?\n/).map((line, i) => (i === 0 ? html`${line}` : html`<br>${line}`))}</blockquote>\n` : ''}
${frame.links.map(({ label, url }) => html`<p>${link(url, `Voir le dossier ${label}`)}</p>\n`)}
<p>Cordialement,<br>${SIGNATURE}</p>
<hr><p style="font-size: 0.85em; color: #666;">${frame.footer}</p>
</body>
</html>
`;
}
