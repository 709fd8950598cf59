import type { ServiceContext } from '@aap/service-runtime';
import type { Awards } from '../awards';
import { agreementDocuments } from './agreement-documents';
import { registerAgreementRoutes } from './agreement.routes';

/** The agreement (convention): its PDF versions stored, issued, signed and countersigned over HTTP. */
export function registerAgreements(context: ServiceContext, awards: Awards): void {
  registerAgreementRoutes(context, awards, agreementDocuments(context));
}
