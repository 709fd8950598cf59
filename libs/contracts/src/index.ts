import { EventCatalogue } from './catalogue';
import { diagnosticsEvents } from './events/diagnostics';

export * from './services';
export * from './topics';
export * from './catalogue';
export * from './envelope';
export * from './events/diagnostics';
export { buildAsyncApiDocument } from './asyncapi';

/** Every event the platform publishes. Add a new event module's list here. */
export const catalogue = new EventCatalogue([...diagnosticsEvents]);
