import type { ServiceContext } from '@aap/service-runtime';
import type { Admissibility } from '../admissibility';
import type { CallCopies } from '@aap/service-runtime/call-copies';
import type { Evaluations } from '../evaluations';
import { registerComplementHandlers } from './complement.handlers';
import { registerComplementRoutes } from './complement.routes';

/** Complement requests (route) and the applicant's answers (dossier.resubmitted). */
export function registerComplements(context: ServiceContext, deps: { evaluations: Evaluations; calls: CallCopies; admissibility: Admissibility }): void {
  registerComplementRoutes(context, deps.evaluations);
  registerComplementHandlers(context, deps.evaluations, deps.calls, deps.admissibility.admit);
}
