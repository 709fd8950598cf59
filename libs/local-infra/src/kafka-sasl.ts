import { Kafka, logLevel, type SASLOptions } from 'kafkajs';
import type { ConnectionOptions } from 'node:tls';

/** The broker's own user: the controller listener's (SASL PLAIN) and the inter-broker one's (SCRAM). A super user. */
export const BROKER_USER = 'broker';
/** The administrator's SCRAM user (topics, ACLs, the dead-letter tool): the other super user. */
export const ADMIN_USER = 'admin';

/**
 * Ready means the broker serves metadata, not merely that the port accepts connections: one attempt,
 * no retries (the caller polls), as the given client (TLS and SASL when the listener wants them).
 */
export async function brokerAnswers(client: { brokers: string; ssl?: ConnectionOptions; sasl?: SASLOptions }): Promise<boolean> {
  const admin = new Kafka({
    clientId: 'aap-infra-probe',
    brokers: [client.brokers],
    ...(client.ssl ? { ssl: client.ssl } : {}),
    ...(client.sasl ? { sasl: client.sasl } : {}),
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1_000,
    requestTimeout: 2_000,
    retry: { retries: 0 },
  }).admin();
  try {
    await admin.connect();
    await admin.describeCluster();
    return true;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/**
 * The lines that make a single-node KRaft broker's only client listener `protocol` with SCRAM-SHA-512
 * and, with `authorize`, deny whatever its ACLs do not allow. Appended to the rendered template: a
 * Java properties key given twice takes its last value, so they override its listeners.
 *
 * The controller listener (127.0.0.1) authenticates too, with SASL PLAIN as `broker` (KRaft cannot use
 * SCRAM there: SCRAM credentials live in the metadata the controller serves): an anonymous one would
 * have to be a super user, and anyone on the host could then change the ACLs through it (KIP-919).
 */
export function saslBrokerConfig(options: {
  protocol: 'SASL_SSL' | 'SASL_PLAINTEXT';
  port: number;
  controllerPort: number;
  brokerPassword: string;
  authorize: boolean;
}): string[] {
  const listener = options.protocol.toLowerCase();
  const credentials = `username="${BROKER_USER}" password="${options.brokerPassword}"`;
  return [
    `listeners=${options.protocol}://127.0.0.1:${options.port},CONTROLLER://127.0.0.1:${options.controllerPort}`,
    `advertised.listeners=${options.protocol}://127.0.0.1:${options.port}`,
    `inter.broker.listener.name=${options.protocol}`,
    `listener.security.protocol.map=CONTROLLER:SASL_PLAINTEXT,${options.protocol}:${options.protocol}`,
    'sasl.enabled.mechanisms=SCRAM-SHA-512',
    'sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512',
    `listener.name.${listener}.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required ${credentials};`,
    'listener.name.controller.sasl.enabled.mechanisms=PLAIN',
    'sasl.mechanism.controller.protocol=PLAIN',
    `listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required ${credentials} user_${BROKER_USER}="${options.brokerPassword}";`,
    ...(options.authorize
      ? [
          'authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer',
          'allow.everyone.if.no.acl.found=false',
          `super.users=User:${BROKER_USER};User:${ADMIN_USER}`,
        ]
      : []),
  ];
}

/** `kafka-storage format` arguments creating these SCRAM-SHA-512 users (KRaft keeps them in the cluster metadata). */
export function scramUsersFormatArgs(users: Record<string, string>): string[] {
  return Object.entries(users).flatMap(([name, password]) => ['--add-scram', `SCRAM-SHA-512=[name=${name},password=${password}]`]);
}
