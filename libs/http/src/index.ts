export * from './problem';
export * from './server';
export * from './health';
export * from './auth';
export * from './dev-tokens';
export * from './pagination';
export * from './csv';
export * from './policies';
