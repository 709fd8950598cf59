export * from './problem';
export * from './server';
export * from './health';
