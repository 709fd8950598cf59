export * from './wait-for';
export * from './test-env';
export * from './service-process';
export * from './http-client';
export * from './event-publisher';
export * from './stores';
export * from './zipkin-receiver';
export * from './clock';
