import type { ServiceContext } from '@aap/service-runtime';
import type { ApplicantSnapshot, CallSnapshot, DossierSnapshot } from '@aap/contracts';
import type { DossierModel } from './dossier.model';
import { registerDraftRoutes } from './draft.routes';
import { registerLifecycleRoutes } from './lifecycle.routes';
import { registerDecisionHandlers } from './decision.handlers';
import { registerQueryRoutes } from './query.routes';
import { scheduleDraftReminders } from './reminders';

export { dossierModel, type DossierModel, type DossierDocument } from './dossier.model';

/** What the dossier slice needs from the other slices of the service (structural: no import cycle). */
export interface DossierDependencies {
  Dossier: DossierModel;
  calls: { get(callId: string): Promise<CallSnapshot | null> };
  organisations: { get(organisationId: string): Promise<ApplicantSnapshot | null> };
  attachments: { listForDossier(dossierId: string): Promise<DossierSnapshot['attachments']> };
}

export function registerDossiers(context: ServiceContext, deps: DossierDependencies): void {
  context.outbox.track(deps.Dossier);
  registerDraftRoutes(context, deps);
  registerLifecycleRoutes(context, deps);
  registerQueryRoutes(context, deps);
  registerDecisionHandlers(context, deps);
  scheduleDraftReminders(context, deps);
}
