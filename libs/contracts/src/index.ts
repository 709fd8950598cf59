import { EventCatalogue } from './catalogue';
import { diagnosticsEvents } from './events/diagnostics';
import { callEvents } from './events/calls';
import { dossierEvents, submissionOwnDossierEvents, supersededDossierEvents } from './events/dossiers';
import { organisationEvents } from './events/organisations';
import { evaluationEvents } from './events/evaluation';
import { awardEvents } from './events/awards';

export * from './services';
export * from './topics';
export * from './catalogue';
export * from './envelope';
export * from './vocabulary';
export * from './events/diagnostics';
export * from './events/calls';
export * from './events/dossiers';
export * from './events/organisations';
export * from './events/evaluation';
export * from './events/awards';
export { buildAsyncApiDocument } from './asyncapi';

/** Every event the platform publishes. Add a new event module's list here. */
export const catalogue = new EventCatalogue([...diagnosticsEvents, ...callEvents, ...dossierEvents, ...submissionOwnDossierEvents, ...supersededDossierEvents, ...organisationEvents, ...evaluationEvents, ...awardEvents]);
export * from './decision';
export * from './lifecycle';
export * from './call-eligibility';
