export { registerBankDetailsRoutes as registerBankDetails } from './bank-details.routes';
