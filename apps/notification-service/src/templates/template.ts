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
  return {
    subject: (model) => spec.subject(model),
    text: (model) => renderText(model, spec.body(model)),
    html: (model) => renderHtml(model, spec.subject(model), spec.body(model)).value,
  };
}

export function renderMessage<Data>(template: Template<Data>, model: MessageModel<Data>): RenderedMessage {
  return { subject: template.subject(model), text: template.text(model), html: template.html(model) };
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

/** The organisation addressed first, then the template's details that have a value. */
function detailsOf(model: MessageModel<unknown>, body: MessageBody): Array<[string, string]> {
  return [['Organisation', model.organisation.name] as [string, string], ...(body.details ?? []).filter((d): d is [string, string] => d[1] !== undefined)];
}

function renderText(model: MessageModel<unknown>, body: MessageBody): string {
  const lines = ['Bonjour,', ''];
  for (const paragraph of body.paragraphs) lines.push(paragraph, '');
  const details = detailsOf(model, body);
  if (details.length > 0) {
    for (const [label, value] of details) lines.push(`- ${label} : ${value}`);
    lines.push('');
  }
  if (body.quote) lines.push(`${body.quote.label} :`, ...body.quote.text.split(/\r?\n/).map((l) => `> ${l}`), '');
  for (const dossier of model.dossiers) lines.push(`Dossier ${dossierLabel(dossier)} : ${dossier.link}`);
  if (model.dossiers.length > 0) lines.push('');
  lines.push('Cordialement,', SIGNATURE, '', '--', FOOTER);
  return `${lines.join('\n')}\n`;
}

function renderHtml(model: MessageModel<unknown>, subject: string, body: MessageBody): SafeHtml {
  const details = detailsOf(model, body);
  return html`<!doctype html>
<html lang="fr">
<head><meta charset="utf-8"><title>${subject}</title></head>
<body style="font-family: Marianne, Arial, sans-serif; color: #161616; line-height: 1.5;">
<p>Bonjour,</p>
${body.paragraphs.map((paragraph) => html`<p>${paragraph}</p>\n`)}
${details.length > 0 ? html`<ul>${details.map(([label, value]) => html`<li>${label} : <strong>${value}</strong></li>`)}</ul>\n` : ''}
${body.quote ? html`<p>${body.quote.label} :</p><blockquote style="border-left: 4px solid #000091; margin: 0; padding-left: 1em;">${body.quote.text.split(/\r?\n/).map((line, i) => (i === 0 ? html`${line}` : html`<br>${line}`))}</blockquote>\n` : ''}
${model.dossiers.map((dossier) => html`<p>${link(dossier.link, `Voir le dossier ${dossierLabel(dossier)}`)}</p>\n`)}
<p>Cordialement,<br>${SIGNATURE}</p>
<hr><p style="font-size: 0.85em; color: #666;">${FOOTER}</p>
</body>
</html>
`;
}
