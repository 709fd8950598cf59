import { applicantScope, notFound, type Caller } from '@aap/http';

/** Staff roles that may read any organisation's notifications (inbox, preferences, timeline). */
export const STAFF_ROLES = ['programme-manager', 'reviewer', 'committee', 'finance', 'admin'] as const;

/**
 * An applicant only ever reaches its own organisation's data: another's answers 404, exactly like
 * something that does not exist (nothing leaks). Staff roles reach every organisation.
 */
export function assertOrganisationAccess(caller: Caller, organisationId: string, what: string): void {
  const scope = applicantScope(caller);
  if (scope !== undefined && scope !== organisationId) throw notFound(what);
}
