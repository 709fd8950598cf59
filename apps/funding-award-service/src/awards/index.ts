import { applicantScope, notFound, policies, type Caller, type OrganisationAccess, type Role } from '@aap/http';
import { acceptedOrThrow, type CommandHandler, type ServiceContext } from '@aap/service-runtime';
import type { Copies } from '../copies';
import { isPreGrant, type AwardDecision, type AwardState } from './award';
import { registerAwardHandlers } from './award.handlers';
import { registerAwardRoutes } from './award.routes';
import { awardStore } from './award.store';
import { toView, type AwardView } from './award.views';

/**
 * Who acts on an award, as routes declare it: the beneficiary acts as its organisation; finance and
 * the programme managers on the awards of the calls whose team names them under that role; `reader`
 * reads (the beneficiary its own, the call's managers and finance officers theirs).
 */
export const AWARD_ACTORS = {
  beneficiary: { roles: ['applicant'], access: 'act-as' },
  finance: { roles: ['finance'], access: 'read' },
  // The programme manager countersigns agreements and grants a start-deadline extension.
  manager: { roles: ['programme-manager'], access: 'read' },
  reader: { roles: ['finance', 'programme-manager'], access: 'read' },
} as const satisfies Record<string, { roles: readonly Role[]; access: OrganisationAccess }>;
export type AwardActor = keyof typeof AWARD_ACTORS;

/** The awards as the other slices use them: every command through the one command handler, and a read by id. */
export interface Awards {
  commands: CommandHandler<AwardState>;
  /** An award by id; null when there is none (a dossier withdrawn before its acceptance has none). */
  load(awardId: string): Promise<AwardState | null>;
  /** The award the caller reads (`AWARD_ACTORS.reader`), else the 404 of a missing one. */
  readable(caller: Caller, awardId: string): Promise<AwardState>;
  /** The ids of the awards that lapse on `day` (YYYY-MM-DD) if nothing happened first. */
  lapsingOn(day: string): Promise<string[]>;
  /** Start-up upgrades of award documents written by earlier versions (`runUpgrades`). */
  upgrades: Record<string, () => Promise<void>>;
  /**
   * A route's command on an award: `decide` runs on the stored award once the caller passed the
   * organisation rule (another organisation's award answers the same 404 as a missing one), with the
   * caller's id and the instant; a refusal is its problem (422 naming each rule, 409 on a status),
   * the answer the award as stored. `decide` may first do what the decision needs stored before it is
   * recorded (the agreement's PDF), and runs again on a lost race.
   */
  command(caller: Caller, awardId: string, actor: AwardActor, decide: (award: AwardState, by: string, now: Date) => AwardDecision | Promise<AwardDecision>): Promise<AwardView>;
}

/**
 * THE rule of every route touching one award: the beneficiary its own organisation's
 * (`policies.ownOrganisation`); staff the awards of their calls, on the call's team under the actor's
 * roles (`policies.onCallTeam`, the team of the service's call copy; admin always). Every refusal is the
 * 404 of a missing award, so nothing leaks about other organisations or other calls.
 */
async function reachedAward(caller: Caller, award: AwardState, actor: AwardActor, calls: Copies['calls']): Promise<AwardState> {
  const what = `Award ${award.awardId}`;
  if (isPreGrant(award)) throw notFound(what);
  const { roles, access } = AWARD_ACTORS[actor];
  policies.ownOrganisation(caller, award.organisationId, what, access);
  // The beneficiary acts as its organisation; an applicant reads its own: neither is on a team.
  if (access === 'act-as' || applicantScope(caller) !== undefined) return award;
  policies.onCallTeam(caller, await calls.get(award.callId), what, roles);
  return award;
}

/** The awards slice; `copies` (the calls and dossiers as submitted) name each award's beneficiary, project and call. */
export function registerAwards(context: ServiceContext, copies: Copies): Awards {
  const store = awardStore(context);
  const commands = context.commands(store);
  const awards: Awards = {
    commands,
    load: async (awardId) => {
      const award = await store.load(awardId);
      return award && !isPreGrant(award) ? award : null;
    },
    async readable(caller, awardId) {
      const award = await store.load(awardId);
      if (!award) throw notFound(`Award ${awardId}`);
      return reachedAward(caller, award, 'reader', copies.calls);
    },
    lapsingOn: (day) => store.lapsingOn(day),
    upgrades: { 'award-deadline-days': () => store.upgradeDeadlineDays() },
    async command(caller, awardId, actor, decide) {
      const handled = await commands.handleExisting(awardId, async (award) => decide(await reachedAward(caller, award, actor, copies.calls), caller.userId, context.clock()));
      if (!handled) throw notFound(`Award ${awardId}`);
      acceptedOrThrow(handled.decision, 'award');
      return toView(handled.after!);
    },
  };
  registerAwardHandlers(context, awards.commands, copies);
  registerAwardRoutes(context, awards);
  return awards;
}

export { AWARD_READERS, awardParams } from './award.routes';
export { refusalOf } from './award.handlers';
export { awardView, type AwardView } from './award.views';
export * from './award';
