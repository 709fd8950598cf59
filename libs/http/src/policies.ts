import { applicantScope, ROLES, type Caller, type Role } from './auth';
import { notFound } from './problem';

const MANAGERS = ['programme-manager', 'admin'] as const satisfies readonly Role[];
const STAFF = ['programme-manager', 'reviewer', 'committee', 'finance', 'admin'] as const satisfies readonly Role[];

/**
 * The role sets routes declare in `config.access`, in one place so two services never disagree on
 * who "staff" is. Staff is every role but applicant.
 */
export const ROLE_SETS = {
  /** Run calls and programmes. */
  managers: MANAGERS,
  /** Every back-office role. */
  staff: STAFF,
  /** Who sees every dossier of a call (exports, counts); reviewers see only the dossiers they review. */
  callOversight: ['programme-manager', 'committee', 'finance', 'admin'],
  /** Applicants (their own organisation's data) and every staff role. */
  readers: ['applicant', ...STAFF],
  /** An organisation acting on its own data, or an operator acting for it. */
  applicantsAndAdmins: ['applicant', 'admin'],
  /** An organisation on its own data, or the managers. */
  applicantsAndManagers: ['applicant', ...MANAGERS],
  everyone: ROLES,
} as const satisfies Record<string, readonly Role[]>;

const hasAnyRole = (caller: Caller, roles: readonly Role[]) => caller.roles.some((role) => roles.includes(role));

/** Access decisions taken inside a route, once the caller's role passed `config.access`. */
export const policies = {
  isManager: (caller: Caller) => hasAnyRole(caller, ROLE_SETS.managers),
  isStaff: (caller: Caller) => hasAnyRole(caller, ROLE_SETS.staff),

  /**
   * An applicant only ever reaches its own organisation's resources: another's — or one that does not
   * exist (`organisationId` undefined) — answers the same 404, so nothing leaks. Staff reach every organisation.
   * `what` names the resource as the 404 says it, e.g. `Dossier d-1`.
   */
  ownOrganisation(caller: Caller, organisationId: string | undefined, what: string): void {
    if (organisationId === undefined) throw notFound(what);
    const scope = applicantScope(caller);
    if (scope !== undefined && scope !== organisationId) throw notFound(what);
  },

  /** The filter that confines a list or a lookup to what the caller may see: its organisation for an applicant, nothing for staff. */
  organisationFilter(caller: Caller, field = 'organisationId'): Record<string, string> {
    const scope = applicantScope(caller);
    return scope === undefined ? {} : { [field]: scope };
  },
};
