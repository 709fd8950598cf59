export { registerCallCopies, type CallCopies } from './call.projection';
