export { registerRecoveryRoutes as registerRecoveries } from './recovery.routes';
