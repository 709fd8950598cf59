import { applicantScope, forbidden, OVERSIGHT_ROLES, ROLES, type Caller, type Role } from './auth';
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
  /** Who sees every dossier of a call of their team (exports, counts: `onCallTeam` in the route); reviewers see only the dossiers they review. */
  callOversight: OVERSIGHT_ROLES,
  /** Dossier lists and timelines: an applicant its own organisation's, the oversight roles those of their calls' teams (`onCallTeam`); not reviewers. */
  applicantsAndOversight: ['applicant', ...OVERSIGHT_ROLES],
  /** Applicants (their own organisation's data) and every staff role. */
  readers: ['applicant', ...STAFF],
  /** An organisation acting on its own data, or an operator acting for it. */
  applicantsAndAdmins: ['applicant', 'admin'],
  /** An organisation on its own data, or the managers. */
  applicantsAndManagers: ['applicant', ...MANAGERS],
  everyone: ROLES,
} as const satisfies Record<string, readonly Role[]>;

/** The roles a call's team lists (kept in sync with `TEAM_ROLES` of @aap/contracts, which this library does not import). */
type TeamRole = 'programme-manager' | 'committee' | 'finance';
/** A call as the team rule needs it: its team, by role, the `sub` of each member's token. */
export interface TeamedCall {
  team?: Partial<Record<TeamRole, readonly string[]>>;
}

/** What a caller does with an organisation's data (see `policies.ownOrganisation`). */
export type OrganisationAccess = 'read' | 'act-as' | 'register';

const TEAM_AND_ADMIN = ['programme-manager', 'committee', 'finance', 'admin'] as const satisfies readonly Role[];

const hasAnyRole = (caller: Caller, roles: readonly Role[]) => caller.roles.some((role) => roles.includes(role));

/** Access decisions taken inside a route, once the caller's role passed `config.access`. */
export const policies = {
  isManager: (caller: Caller) => hasAnyRole(caller, ROLE_SETS.managers),
  isStaff: (caller: Caller) => hasAnyRole(caller, ROLE_SETS.staff),

  /**
   * THE own-organisation rule, one function for every route that touches an organisation's data;
   * what the caller does (`access`) decides who passes and what a refusal answers:
   * - `'read'` (the default): reading or managing it — an applicant its own organisation's, the
   *   oversight roles every one's, a reviewer none (it reads the dossiers assigned to it, `readableDossier`);
   * - `'act-as'`: acting as the organisation (a dossier's commands, its attachments) — only the
   *   organisation its token names, even when the token also carries a staff role;
   * - `'register'`: registering it — an applicant only the organisation its token names, the oversight
   *   roles any.
   * A refused read or act answers the same 404 as a resource that does not exist (`organisationId`
   * undefined), so nothing leaks; a refused registration is a 403 naming the token's organisation:
   * nothing exists yet to hide, and the applicant is told which organisation it may register.
   * `what` names the resource as the 404 says it, e.g. `Dossier d-1`.
   */
  ownOrganisation(caller: Caller, organisationId: string | undefined, what: string, access: OrganisationAccess = 'read'): void {
    if (organisationId === undefined) throw notFound(what);
    if (access === 'act-as') {
      if (caller.organisation !== organisationId) throw notFound(what);
      return;
    }
    const scope = applicantScope(caller);
    if (scope === undefined || scope === organisationId) return;
    if (access === 'register') {
      throw forbidden(`your token is for organisation ${caller.organisation}: an applicant can only register its own organisation, not ${organisationId}`);
    }
    throw notFound(what);
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

  /**
   * The roles `caller` holds on this call: those of its token that the call's team names it under
   * (admin: every role of its token — admins are global, and audited by the auth plugin).
   */
  teamRolesOn(caller: Caller, call: TeamedCall | null | undefined): Role[] {
    if (!call) return [];
    if (caller.roles.includes('admin')) return caller.roles;
    return caller.roles.filter((role) => (call.team?.[role as TeamRole] ?? []).includes(caller.userId));
  },

  /**
   * THE rule of every staff route touching a call, in every service: the caller must be on the
   * call's team under one of `roles` (admin always passes). Anyone else gets the same 404 as a call
   * that does not exist (`call` null) — `what` names the resource the route was asked for, e.g.
   * `Call c-1` or `Dossier d-1` — so nothing leaks about calls of other teams.
   */
  onCallTeam(caller: Caller, call: TeamedCall | null | undefined, what: string, roles: readonly Role[] = TEAM_AND_ADMIN): void {
    if (!call) throw notFound(what);
    const held = policies.teamRolesOn(caller, call);
    if (!held.some((role) => role === 'admin' || roles.includes(role))) throw notFound(what);
  },

  /** The filter that confines a list or a lookup to what the caller may see: its organisation for an applicant, nothing for staff. */
  organisationFilter(caller: Caller, field = 'organisationId'): Record<string, string> {
    const scope = applicantScope(caller);
    return scope === undefined ? {} : { [field]: scope };
  },
};
