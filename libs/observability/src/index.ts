export * from './telemetry';
export * from './logger';
export * from './propagation';
export * from './metrics';
