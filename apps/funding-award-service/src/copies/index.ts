import type { ServiceContext } from '@aap/service-runtime';
import { registerCallCopies, type CallCopies } from '@aap/service-runtime/call-copies';
import { registerDossierCopies, type DossierCopies } from './dossier-copies';

/** The service's copies of other services' state, kept from their events: every call, and each dossier as submitted. */
export interface Copies {
  calls: CallCopies;
  dossiers: DossierCopies;
}

export const registerCopies = (context: ServiceContext): Copies => ({ calls: registerCallCopies(context), dossiers: registerDossierCopies(context) });

export { dossierCopyOf, type DossierCopy, type DossierCopies } from './dossier-copies';
