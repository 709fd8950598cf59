import type { CommandHandler, ServiceContext } from '@aap/service-runtime';
import type { AwardState } from './award';
import { registerAwardHandlers } from './award.handlers';
import { registerAwardRoutes } from './award.routes';
import { awardStore } from './award.store';

/** The awards as the other slices use them: every command through the one command handler, and a read by id. */
export interface Awards {
  commands: CommandHandler<AwardState>;
  load(awardId: string): Promise<AwardState | null>;
}

export function registerAwards(context: ServiceContext): Awards {
  const store = awardStore(context);
  const awards: Awards = { commands: context.commands(store), load: (awardId) => store.load(awardId) };
  registerAwardHandlers(context, awards.commands);
  registerAwardRoutes(context, awards);
  return awards;
}

export * from './award';
