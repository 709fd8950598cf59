export { registerExecutionRoutes as registerExecution } from './execution.routes';
