/**
 * npm run kafka:provision — what the broker's administrator runs before the services start on a broker
 * with ACLs (docker compose runs it as the one-shot `kafka-provision`; `npm start` does the same itself):
 * creates every topic of the catalogue and every dead-letter topic, and grants each service its ACLs
 * (libs/messaging/src/kafka-acls.ts). Idempotent: run it again after a release that adds a topic or a
 * consumer. It connects as the administrator (a super user of the broker) given by KAFKA_BROKERS,
 * KAFKA_SSL*, KAFKA_SASL_* (KAFKA_SASL_PASSWORD_FILE for a mounted secret), and reads
 * KAFKA_TOPIC_PREFIX, KAFKA_TOPIC_PARTITIONS and KAFKA_REPLICATION_FACTOR as the services do.
 * `--print`: the grants, one `kafka-acls.sh` line each, without connecting.
 */
import { z } from 'zod';
import { commaList, ConfigurationError, kafkaSecurityOf, loadConfig, messagingEnvShape, refineMessagingEnv } from '@aap/config';
import { brokerGrants, createKafka, provisionBroker } from '@aap/messaging';
import { createLogger } from '@aap/observability';

const schema = z
  .object({
    KAFKA_BROKERS: commaList.default(['127.0.0.1:9092']),
    KAFKA_TOPIC_PREFIX: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and - only').default('aap'),
    KAFKA_TOPIC_PARTITIONS: z.coerce.number().int().positive().default(3),
    KAFKA_REPLICATION_FACTOR: z.coerce.number().int().min(-1).default(-1),
    NODE_ENV: z.string().optional(),
    ...messagingEnvShape,
  })
  .superRefine(refineMessagingEnv);

async function main(): Promise<void> {
  const config = loadConfig('kafka-provision', schema);
  if (process.argv.includes('--print')) {
    for (const grant of brokerGrants(config.KAFKA_TOPIC_PREFIX)) {
      console.log(`kafka-acls.sh --add --allow-principal ${grant.principal} --operation ${grant.operation} --${grant.resource} ${grant.name} --resource-pattern-type ${grant.pattern}`);
    }
    return;
  }
  const logger = createLogger({ service: 'kafka-provision', level: 'warn' });
  const admin = createKafka({ clientId: 'aap-kafka-provision', brokers: config.KAFKA_BROKERS, logger, ...kafkaSecurityOf(config) }).admin();
  await admin.connect();
  try {
    await provisionBroker(admin, { prefix: config.KAFKA_TOPIC_PREFIX, partitions: config.KAFKA_TOPIC_PARTITIONS, replicationFactor: config.KAFKA_REPLICATION_FACTOR, logger });
  } finally {
    await admin.disconnect();
  }
  console.log(`[kafka-provision] topics and ACLs of the ${config.KAFKA_TOPIC_PREFIX} services in place on ${config.KAFKA_BROKERS.join(',')}`);
}

main().catch((error) => {
  console.error(`[kafka-provision] ${error instanceof ConfigurationError ? error.message : (error as Error).stack}`);
  process.exit(1);
});
