/** The e-mail channel of the delivery queue (SMTP). */
export { emailChannel } from './email-channel';
