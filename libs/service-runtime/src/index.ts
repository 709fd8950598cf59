export * from './service';
export * from './main';
export * from './aggregate';
export * from './projection';
export * from './guarded-write';
export * from './command-handler';
export * from './local-copies';
export * from './upgrades';
export { isDuplicateKey } from '@aap/messaging';
