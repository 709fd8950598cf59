export * from './kafka-client';
export * from './cloudevents';
export * from './outbox';
export * from './outbox-relay';
export * from './event-consumer';
export * from './crash-points';
export * from './document-locks';
