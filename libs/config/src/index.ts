export * from './load-config';
export * from './service-env';
export * from './kafka-env';
export * from './clock-env';
export * from './metrics-env';
