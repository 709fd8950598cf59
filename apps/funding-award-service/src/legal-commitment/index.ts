export { registerLegalCommitmentRoutes as registerLegalCommitment } from './legal-commitment.routes';
