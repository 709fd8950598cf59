export { registerTrancheRoutes as registerTranches } from './tranche.routes';
