export * from './journey-probe';
