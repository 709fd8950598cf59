import { catalogue } from '@aap/contracts';

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
