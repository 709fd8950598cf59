import { applicantScope, OVERSIGHT_ROLES, ROLES, type Caller, type Role } from './auth';
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
  callOversight: OVERSIGHT_ROLES,
  /** Organisation-wide reads (lists, organisations, inboxes, timelines): an applicant its own, the oversight roles every one; not reviewers. */
  applicantsAndOversight: ['applicant', ...OVERSIGHT_ROLES],
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
   * exist (`organisationId` undefined) — answers the same 404, so nothing leaks. The oversight roles reach every
   * organisation; a reviewer none (it reads the dossiers assigned to it, `readableDossier`).
   * `what` names the resource as the 404 says it, e.g. `Dossier d-1`.
   */
  ownOrganisation(caller: Caller, organisationId: string | undefined, what: string): void {
    if (organisationId === undefined) throw notFound(what);
    const scope = applicantScope(caller);
    if (scope !== undefined && scope !== organisationId) throw notFound(what);
  },

  /**
   * THE rule of every read of one dossier (the dossier, its attachments, its history), in every
   * service: the oversight roles read every dossier, an applicant its own organisation's, a reviewer
   * a dossier it holds an active assignment on — never a draft. Anyone else gets the same 404 as for
   * a dossier that does not exist (`dossier` null), so nothing leaks. `assigned` is the lookup of the
   * caller's assignment (by `_id`), asked only when it decides.
   */
  async readableDossier(
    caller: Caller,
    dossier: { organisationId: string; status: string } | null | undefined,
    what: string,
    assigned: () => Promise<boolean>,
  ): Promise<void> {
    if (!dossier) throw notFound(what);
    const scope = applicantScope(caller);
    if (scope === undefined || scope === dossier.organisationId) return;
    if (caller.roles.includes('reviewer') && dossier.status !== 'draft' && (await assigned())) return;
    throw notFound(what);
  },

  /** The filter that confines a list or a lookup to what the caller may see: its organisation for an applicant, nothing for staff. */
  organisationFilter(caller: Caller, field = 'organisationId'): Record<string, string> {
    const scope = applicantScope(caller);
    return scope === undefined ? {} : { [field]: scope };
  },
};
