import { APPLICANT_FIELDS, at } from '../timeline';

/**
 * What an organisation's webhook receives of an event's data: the fields its applicant view of the
 * timeline shows (the same allow-list, `timeline/timeline.views.ts`), kept at their place in the event so the
 * catalogue's schema still describes them, plus the identifiers a receiver needs to file the event
 * (its own dossier, call and wave). Anything else — a committee's internal reason, a field added to
 * the event later — is not sent until someone allows it there. Back-office webhooks get the whole event.
 */
const REFERENCE_PATHS = ['dossierId', 'number', 'callId', 'waveId', 'organisationId', 'dossier.dossierId', 'dossier.callId', 'dossier.waveId', 'call.callId'];

function placeAt(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) node = (node[key] ??= {}) as Record<string, unknown>;
  node[path[path.length - 1]!] = value;
}

export function applicantEventData(type: string, data: unknown): Record<string, unknown> {
  const paths = [...REFERENCE_PATHS, ...Object.values(APPLICANT_FIELDS[type] ?? {})];
  const kept: Record<string, unknown> = {};
  for (const path of paths) {
    const value = at(data, path);
    if (value !== undefined) placeAt(kept, path.split('.'), value);
  }
  return kept;
}
