import { notFound, policies, type Caller, type OrganisationAccess, type Role } from '@aap/http';
import { acceptedOrThrow, type CommandHandler, type ServiceContext } from '@aap/service-runtime';
import type { Copies } from '../copies';
import { isPreGrant, type AwardDecision, type AwardState } from './award';
import { registerAwardHandlers } from './award.handlers';
import { registerAwardRoutes } from './award.routes';
import { awardStore } from './award.store';
import { toView, type AwardView } from './award.views';

/** Who acts on an award, as routes declare it: the beneficiary acts as its organisation; finance on every award. */
export const AWARD_ACTORS = {
  beneficiary: { roles: ['applicant'], access: 'act-as' },
  finance: { roles: ['finance'], access: 'read' },
  // The programme manager countersigns agreements and grants a start-deadline extension.
  manager: { roles: ['programme-manager'], access: 'read' },
} as const satisfies Record<string, { roles: readonly Role[]; access: OrganisationAccess }>;
export type AwardActor = keyof typeof AWARD_ACTORS;

/** The awards as the other slices use them: every command through the one command handler, and a read by id. */
export interface Awards {
  commands: CommandHandler<AwardState>;
  /** An award by id; null when there is none (a dossier withdrawn before its acceptance has none). */
  load(awardId: string): Promise<AwardState | null>;
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

function ownedAward(caller: Caller, award: AwardState, actor: AwardActor): AwardState {
  if (isPreGrant(award)) throw notFound(`Award ${award.awardId}`);
  policies.ownOrganisation(caller, award.organisationId, `Award ${award.awardId}`, AWARD_ACTORS[actor].access);
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
    lapsingOn: (day) => store.lapsingOn(day),
    upgrades: { 'award-deadline-days': () => store.upgradeDeadlineDays() },
    async command(caller, awardId, actor, decide) {
      const handled = await commands.handleExisting(awardId, (award) => decide(ownedAward(caller, award, actor), caller.userId, context.clock()));
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
