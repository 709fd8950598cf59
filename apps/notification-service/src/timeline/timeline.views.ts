import { callEvents, CallTeamChanged, catalogue } from '@aap/contracts';
import { trancheLabel } from '../templates/format';

/** The call events a dossier's timeline shows: all but a change of the call's team (the back office's business, no step of a dossier's history). */
export const TIMELINE_CALL_EVENTS = callEvents.filter((event) => event !== CallTeamChanged);

/**
 * What the timeline says of each event, to whom.
 *
 * Staff see every field of every event. Applicants see, per event type, ONLY the fields of an
 * explicit allow-list: a field added to an event later (a reviewer's identity, an internal comment,
 * a draft motivation) stays hidden from applicants until someone decides to show it here. An event
 * type without an entry shows its summary and time, no details.
 */

/** Output name → dotted path in the event data. */
type FieldMap = Record<string, string>;

export const APPLICANT_FIELDS: Readonly<Record<string, FieldMap>> = {
  'dossier.submitted.v2': { number: 'dossier.number', submittedAt: 'dossier.submittedAt', contentHash: 'dossier.contentHash', title: 'dossier.project.title' },
  'dossier.resubmitted.v2': { number: 'dossier.number', complementRequestId: 'complementRequestId', answer: 'answer', contentHash: 'dossier.contentHash' },
  'dossier.withdrawn.v1': { number: 'number', reason: 'reason', withdrawnAt: 'withdrawnAt' },
  'dossier.draft-closing-soon.v2': { title: 'title', closesAt: 'closesAt', daysLeft: 'daysLeft' },
  'dossier.review-started.v2': {},
  // The request is addressed to the applicant; who asked is not shown.
  'dossier.complement-requested.v2': { complementRequestId: 'complementRequestId', message: 'message', dueDate: 'dueDate' },
  // A decision is notified with its motivation (an administrative decision is motivated to its addressee).
  // The grant with what it was computed from (the applicant's own figures and the State rate): no reviewer, no score.
  'dossier.accepted.v3': { grantCents: 'grantCents', requestedGrantCents: 'requestedGrantCents', eligibleCostCents: 'eligibleCostCents', stateRateBps: 'stateRateBps', motivation: 'motivation' },
  'dossier.rejected.v2': { motivation: 'motivation', reasons: 'reasons', ineligible: 'ineligible' },
  'dossier.waitlisted.v2': { rank: 'rank', motivation: 'motivation' },
  'dossier.closed-without-follow-up.v2': { motivation: 'motivation' },
  // The committee's reason for reopening is internal deliberation.
  'dossier.decision-reopened.v2': {},
  // The award (funding-award): amounts, dates and reasons addressed to the beneficiary; never who in
  // finance validated or released, and an IBAN only as the events carry it (masked).
  'award.granted.v1': { grantCents: 'grantCents', eligibleCostCents: 'eligibleCostCents', effectiveRateBps: 'effectiveRateBps', advanceBps: 'schedule.advanceBps', interimCapBps: 'schedule.interimCapBps', notifiedAt: 'notifiedAt', startDeadline: 'startDeadline' },
  'award.agreement-issued.v1': { agreementSha256: 'agreementSha256' },
  'award.agreement-signed.v1': { agreementSha256: 'agreementSha256' },
  'award.agreement-countersigned.v1': { agreementSha256: 'agreementSha256' },
  'award.bank-details-submitted.v1': { iban: 'iban', bic: 'bic' },
  'award.bank-details-validated.v1': { iban: 'iban' },
  'award.bank-details-refused.v1': { reason: 'reason' },
  'award.execution-started.v1': { startedOn: 'startedOn', completionDeadline: 'completionDeadline' },
  'award.start-deadline-extended.v1': { months: 'months', startDeadline: 'startDeadline', reason: 'reason' },
  'award.legal-commitment-recorded.v1': { legalCommitmentNumber: 'legalCommitmentNumber' },
  'tranche.requested.v1': { kind: 'kind', amountCents: 'amountCents', expensesCents: 'expensesCents' },
  'tranche.validated.v1': { kind: 'kind', amountCents: 'amountCents' },
  'tranche.refused.v1': { kind: 'kind', reason: 'reason' },
  'tranche.released.v1': { kind: 'kind', amountCents: 'amountCents', iban: 'iban' },
  'tranche.paid.v1': { kind: 'kind', amountCents: 'amountCents', paymentReference: 'paymentReference', paidOn: 'paidOn' },
  'award.recovery-ordered.v1': { recoveryId: 'recoveryId', amountCents: 'amountCents', dueOn: 'dueOn', reason: 'reason' },
  'award.completed.v1': { dueCents: 'dueCents', paidCents: 'paidCents', recoveredCents: 'recoveredCents' },
  'award.lapsed.v1': { reason: 'reason', deadline: 'deadline' },
  'award.cancelled.v1': { reason: 'reason', cause: 'cause' },
  // What goes back to the call's envelope is the programme's budget, not the beneficiary's business.
  'award.amount-released.v1': {},
  'call.published.v1': { title: 'call.title', closesAt: 'call.closesAt' },
  'call.closed.v1': { title: 'call.title', closedAt: 'call.closedAt' },
  'call.extended.v1': { title: 'call.title', closesAt: 'call.closesAt', previousClosesAt: 'previousClosesAt', reason: 'reason' },
  'call.reopened.v1': { title: 'call.title', closesAt: 'call.closesAt', reason: 'reason' },
  'call.unpublished.v1': { title: 'call.title' },
};

/** The value at a dotted path of an event's data (undefined when absent). */
export function at(data: unknown, path: string): unknown {
  let value: unknown = data;
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/**
 * An entry stored before its event's current version keeps its wire type: it is shown as the current
 * version (whose allow-listed paths a superseded version's data has too).
 */
const currentType = (type: string) => catalogue.current(type)?.type ?? type;

/** The details an applicant may read of an event: the allow-listed fields that are present. */
export function applicantDetails(type: string, data: unknown): Record<string, unknown> {
  const fields = APPLICANT_FIELDS[currentType(type)] ?? {};
  return Object.fromEntries(Object.entries(fields).flatMap(([name, path]) => {
    const value = at(data, path);
    return value === undefined ? [] : [[name, value]];
  }));
}

/** A tranche's kind in the summary ("avance", "acompte", "solde"); the raw kind if unknown. */
const trancheName = (kind: unknown) => (kind === 'advance' || kind === 'interim' || kind === 'balance' ? trancheLabel(kind) : String(kind ?? 'tranche'));

const SUMMARIES: Record<string, (data: any) => string> = {
  'dossier.submitted.v2': (d) => `Dossier ${d.dossier?.number ?? ''} déposé`.replace('  ', ' '),
  'dossier.resubmitted.v2': () => 'Compléments apportés par le demandeur',
  'dossier.withdrawn.v1': () => 'Dossier retiré par le demandeur',
  'dossier.draft-closing-soon.v2': (d) => `Rappel : brouillon non déposé, clôture dans ${d.daysLeft} jour(s)`,
  'dossier.review-started.v2': () => 'Dossier recevable, en instruction',
  'dossier.complement-requested.v2': () => 'Compléments demandés au demandeur',
  'dossier.accepted.v3': () => 'Dossier retenu par le comité',
  'dossier.rejected.v2': (d) => (d.ineligible ? 'Dossier irrecevable' : 'Dossier non retenu par le comité'),
  'dossier.waitlisted.v2': () => 'Dossier inscrit sur liste complémentaire',
  'dossier.closed-without-follow-up.v2': () => 'Dossier classé sans suite',
  'dossier.decision-reopened.v2': () => 'Décision réouverte : dossier de nouveau en instruction',
  'award.granted.v1': () => 'Subvention attribuée',
  'award.agreement-issued.v1': () => 'Convention de subvention à signer',
  'award.agreement-signed.v1': () => 'Convention signée par le bénéficiaire',
  'award.agreement-countersigned.v1': () => "Convention contresignée par l'ANCT",
  'award.bank-details-submitted.v1': () => 'Coordonnées bancaires transmises',
  'award.bank-details-validated.v1': () => 'Coordonnées bancaires validées',
  'award.bank-details-refused.v1': () => 'Coordonnées bancaires refusées',
  'award.execution-started.v1': () => 'Démarrage de l’exécution déclaré',
  'award.start-deadline-extended.v1': (d) => `Délai de démarrage prolongé de ${d.months} mois`,
  'award.legal-commitment-recorded.v1': () => 'Engagement juridique enregistré',
  'tranche.requested.v1': (d) => `Versement demandé (${trancheName(d.kind)})`,
  'tranche.validated.v1': (d) => `Versement validé (${trancheName(d.kind)})`,
  'tranche.refused.v1': (d) => `Versement refusé (${trancheName(d.kind)})`,
  'tranche.released.v1': (d) => `Versement mis en paiement (${trancheName(d.kind)})`,
  'tranche.paid.v1': (d) => `Versement effectué (${trancheName(d.kind)})`,
  'award.recovery-ordered.v1': () => 'Titre de perception émis',
  'award.completed.v1': () => 'Subvention soldée',
  'award.lapsed.v1': () => 'Subvention caduque',
  'award.cancelled.v1': () => 'Subvention annulée',
  'award.amount-released.v1': () => "Montant non versé rendu à l'enveloppe de l'appel",
  'call.published.v1': () => 'Appel à projets publié',
  'call.closed.v1': () => 'Appel à projets clos',
  'call.extended.v1': () => 'Clôture de l’appel à projets repoussée',
  'call.reopened.v1': () => 'Appel à projets rouvert',
  'call.unpublished.v1': () => 'Appel à projets dépublié',
};

/** One French line saying what happened (the same for every reader). */
export function summaryOf(type: string, data: unknown): string {
  return SUMMARIES[currentType(type)]?.(data) ?? type;
}
