import kafkajs, { type Admin, type AclEntry } from 'kafkajs';
import {
  catalogue, consumerGroupId, deadLetterTopicName, eventTopicName, SERVICE_NAMES, type LogicalTopic, type ServiceName,
} from '@aap/contracts';
import type { Logger } from '@aap/observability';
import { ensureTopics, warnUnderPartitioned, type TopicToEnsure } from './kafka-client';

// kafkajs is CommonJS and Node's ESM loader does not see these enums as named exports.
const { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } = kafkajs;

/**
 * What each service consumes, by producer and aggregate: the source of its READ grants on the broker.
 * A service subscribing to a topic missing here does not start (`assertConsumesDeclared`), since the
 * broker would refuse it anyway once the ACLs are on. What a service produces comes from the catalogue.
 */
export const SERVICE_CONSUMES: Readonly<Record<ServiceName, readonly LogicalTopic[]>> = {
  submission: [
    // Its own dossier events: the staff lists' index (dossier-index) is kept from them.
    { producer: 'submission', aggregate: 'dossier' },
    { producer: 'evaluation', aggregate: 'dossier' },
    { producer: 'evaluation', aggregate: 'evaluation' },
  ],
  evaluation: [
    { producer: 'submission', aggregate: 'call' },
    { producer: 'submission', aggregate: 'dossier' },
    { producer: 'submission', aggregate: 'probe' },
    { producer: 'evaluation', aggregate: 'dossier' },
    { producer: 'evaluation', aggregate: 'evaluation' },
    { producer: 'funding-award', aggregate: 'award' },
  ],
  'funding-award': [
    { producer: 'submission', aggregate: 'call' },
    { producer: 'submission', aggregate: 'dossier' },
    { producer: 'evaluation', aggregate: 'dossier' },
    { producer: 'evaluation', aggregate: 'probe' },
    { producer: 'funding-award', aggregate: 'award' },
  ],
  notification: [
    { producer: 'submission', aggregate: 'call' },
    { producer: 'submission', aggregate: 'dossier' },
    { producer: 'submission', aggregate: 'organisation' },
    { producer: 'evaluation', aggregate: 'dossier' },
    { producer: 'evaluation', aggregate: 'evaluation' },
    { producer: 'funding-award', aggregate: 'award' },
    { producer: 'funding-award', aggregate: 'probe' },
  ],
};

/** The topics one service touches on the broker: what it produces (catalogue), its dead letters, what it consumes. */
export function serviceTopics(prefix: string, service: ServiceName): { produces: string[]; consumes: string[] } {
  const produced = catalogue.topics().filter((topic) => topic.producer === service);
  return {
    produces: [...produced.map((topic) => eventTopicName(prefix, topic)), deadLetterTopicName(prefix, service)],
    consumes: SERVICE_CONSUMES[service].map((topic) => eventTopicName(prefix, topic)),
  };
}

/** Topics to create, each event topic with the partitions the catalogue declares for it (`TOPIC_PARTITIONS`), the others at the default. */
export function withDeclaredPartitions(prefix: string, names: readonly string[]): TopicToEnsure[] {
  const declared = new Map(catalogue.topics().flatMap((topic) => (topic.partitions ? [[eventTopicName(prefix, topic), topic.partitions] as const] : [])));
  return names.map((topic) => (declared.has(topic) ? { topic, partitions: declared.get(topic)! } : topic));
}

/** Throws when `subscribed` holds a topic `service` is not declared to consume (SERVICE_CONSUMES). */
export function assertConsumesDeclared(prefix: string, service: ServiceName, subscribed: readonly string[]): void {
  const declared = new Set(serviceTopics(prefix, service).consumes);
  const undeclared = subscribed.filter((topic) => !declared.has(topic));
  if (undeclared.length > 0) {
    throw new Error(`${service} consumes ${undeclared.join(', ')}, which SERVICE_CONSUMES (libs/messaging/src/kafka-acls.ts) does not grant it: add it there, the broker's ACLs are made from it`);
  }
}

/**
 * Consumer groups a service reads a topic again with, from its start, besides its own group (a read
 * model rebuilt from the topic): named, so the broker grants them by their exact name. A replay never
 * commits an offset, so the group holds nothing between two replays.
 */
export const SERVICE_REPLAY_GROUPS: Readonly<Partial<Record<ServiceName, readonly string[]>>> = {
  submission: ['dossier-index-rebuild'],
};

/** The consumer group of one of a service's replays (SERVICE_REPLAY_GROUPS). */
export const replayGroupId = (prefix: string, service: ServiceName, replay: string) => `${consumerGroupId(prefix, service)}.${replay}`;

/** One ALLOW grant, in the broker's words (`kafka-acls.sh --allow-principal … --operation … --topic|--group …`). */
export interface BrokerGrant {
  principal: `User:${string}`;
  resource: 'topic' | 'group';
  name: string;
  /** Always the exact name: a prefix would also grant a future topic or group whose name starts alike. */
  pattern: 'literal';
  operation: 'READ' | 'WRITE' | 'DESCRIBE';
}

/** The SCRAM user a service authenticates as: its name. */
export const servicePrincipal = (service: ServiceName): `User:${string}` => `User:${service}`;

/**
 * Every grant of the four services on topics with `prefix` (pure; the broker denies whatever is not
 * granted, `allow.everyone.if.no.acl.found=false`): WRITE and DESCRIBE on the topics a service
 * produces and on its dead-letter topic (an idempotent producer needs no IDEMPOTENT_WRITE when it may
 * WRITE some topic, KIP-679), READ and DESCRIBE on the topics it consumes, READ on its consumer group and its replay groups.
 * No CREATE: the administrator creates the topics (`provisionBroker`), a service only checks them.
 */
export function brokerGrants(prefix: string): BrokerGrant[] {
  return SERVICE_NAMES.flatMap((service) => {
    const principal = servicePrincipal(service);
    const { produces, consumes } = serviceTopics(prefix, service);
    const onTopics = (topics: string[], operations: BrokerGrant['operation'][]) =>
      topics.flatMap((name) => operations.map((operation): BrokerGrant => ({ principal, resource: 'topic', name, pattern: 'literal', operation })));
    const grants: BrokerGrant[] = [
      ...onTopics(produces, ['WRITE', 'DESCRIBE']),
      ...onTopics(consumes, ['READ', 'DESCRIBE']),
      { principal, resource: 'group', name: consumerGroupId(prefix, service), pattern: 'literal', operation: 'READ' },
      ...(SERVICE_REPLAY_GROUPS[service] ?? []).map((replay): BrokerGrant => ({ principal, resource: 'group', name: replayGroupId(prefix, service, replay), pattern: 'literal', operation: 'READ' })),
    ];
    // A topic a service both produces and consumes (its own, e.g. evaluation's dossiers) is described once.
    return [...new Map(grants.map((grant) => [`${grant.resource} ${grant.name} ${grant.operation}`, grant])).values()];
  });
}

function aclEntryOf(grant: BrokerGrant): AclEntry {
  return {
    principal: grant.principal,
    host: '*',
    resourceType: grant.resource === 'topic' ? AclResourceTypes.TOPIC : AclResourceTypes.GROUP,
    resourceName: grant.name,
    resourcePatternType: ResourcePatternTypes.LITERAL,
    operation: AclOperationTypes[grant.operation],
    permissionType: AclPermissionTypes.ALLOW,
  };
}

/**
 * What an administrator (a super user of the broker) does before the services start on a broker with
 * ACLs: creates every topic of the catalogue and every dead-letter topic, then grants `brokerGrants`.
 * Both are idempotent (existing topics and ACLs stay as they are), so it runs at every start.
 */
export async function provisionBroker(
  admin: Admin,
  options: { prefix: string; partitions: number; replicationFactor: number; timeoutMs?: number; logger?: Logger },
): Promise<void> {
  const topics = [
    ...catalogue.topics().map((topic) => eventTopicName(options.prefix, topic)),
    ...SERVICE_NAMES.map((service) => deadLetterTopicName(options.prefix, service)),
  ];
  const underPartitioned = await ensureTopics(admin, withDeclaredPartitions(options.prefix, topics), { partitions: options.partitions, replicationFactor: options.replicationFactor });
  if (options.logger) warnUnderPartitioned(options.logger, underPartitioned);
  const acl = brokerGrants(options.prefix).map(aclEntryOf);
  await admin.createAcls({ acl });
  // The controller accepted them; the broker authorizes with them once its metadata has caught up,
  // which DescribeAcls (answered from the broker's authorizer) shows.
  const deadline = Date.now() + (options.timeoutMs ?? 15_000);
  for (;;) {
    const { resources } = await admin.describeAcls({
      resourceType: AclResourceTypes.ANY,
      resourcePatternType: ResourcePatternTypes.ANY,
      operation: AclOperationTypes.ANY,
      permissionType: AclPermissionTypes.ANY,
    });
    const present = new Set(resources.flatMap((resource) => resource.acls.map((entry) => `${resource.resourceType} ${resource.resourceName} ${entry.principal} ${entry.operation}`)));
    if (acl.every((entry) => present.has(`${entry.resourceType} ${entry.resourceName} ${entry.principal} ${entry.operation}`))) return;
    if (Date.now() > deadline) throw new Error(`the broker does not apply the services' ACLs after ${options.timeoutMs ?? 15_000} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
