/** The four deployable services. Each owns its data and publishes on its own topics. */
export const SERVICE_NAMES = ['submission', 'evaluation', 'funding-award', 'notification'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];
