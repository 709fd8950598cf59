import type { ServiceContext } from '@aap/service-runtime';
import type { Awards } from '../awards';
import { registerDeadlineJob } from './deadlines.job';
import { registerExecutionRoutes } from './execution.routes';

/** Execution: the declared start and the start-deadline extension (routes), the deadlines applied by a scheduled job. */
export async function registerExecution(context: ServiceContext, awards: Awards): Promise<void> {
  registerExecutionRoutes(context, awards);
  await registerDeadlineJob(context, awards);
}
