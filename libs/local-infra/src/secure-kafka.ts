import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatKafkaStorage, kafkaBrokerArgs, renderKafkaConfig } from './kafka';
import { ADMIN_USER, brokerAnswers, BROKER_USER, saslBrokerConfig, scramUsersFormatArgs } from './kafka-sasl';
import { logTail, spawnDetached, stopProcess, waitFor } from './processes';
import { provisionKafka } from './provision';
import type { Log } from './service';
import { requireJava, run } from './toolchain';

export interface SecureKafkaOptions {
  /** Its own directory: certificates, configuration, data, log and pid file (the caller deletes it). */
  home: string;
  /** The SASL_SSL client listener, on 127.0.0.1. */
  port: number;
  /** The KRaft controller listener (PLAINTEXT, on 127.0.0.1 only). */
  controllerPort: number;
  /** SCRAM-SHA-512 users (name → password) created when the storage is formatted. */
  users: Record<string, string>;
  /** Clients must also present a certificate signed by the broker's CA (mutual TLS). */
  requireClientCertificate?: boolean;
  /**
   * ACLs on (KRaft's StandardAuthorizer): what no ACL allows is denied, except to the super users
   * `broker` and `admin`. The caller grants the rest as `admin` (`provisionBroker` of @aap/messaging).
   */
  authorize?: boolean;
  log?: Log;
}

export interface SecureKafka {
  brokers: string;
  /** The administrator's SCRAM-SHA-512 credentials (a super user when `authorize` is on). */
  admin: { username: string; password: string };
  /** PEM files: the throw-away CA that signed the broker's certificate, and a client certificate and key it signed. */
  caFile: string;
  clientCertFile: string;
  clientKeyFile: string;
  /** The log of the broker (stdout of its JVM). */
  logFile: string;
  stop(): Promise<void>;
}

/**
 * A single-node KRaft broker whose only client listener is SASL_SSL with SCRAM-SHA-512, for tests of
 * the services' KAFKA_SSL and KAFKA_SASL settings against a real broker. It runs beside the local
 * broker (its own ports and directory; the provisioned jars and the server.properties template are
 * shared), with a CA and certificates made by openssl at each start and valid for a day.
 */
export async function startSecureKafka(options: SecureKafkaOptions): Promise<SecureKafka> {
  const log = options.log ?? ((line: string) => console.log(`[secure kafka] ${line}`));
  const java = requireJava();
  const libs = await provisionKafka(log);
  const dataDir = join(options.home, 'data');
  await mkdir(dataDir, { recursive: true });
  const pki = await makeCertificates(join(options.home, 'pki'));

  const brokerPassword = randomBytes(16).toString('hex');
  const admin = { username: ADMIN_USER, password: randomBytes(16).toString('hex') };
  const users = { ...options.users, [BROKER_USER]: brokerPassword, [ADMIN_USER]: admin.password };
  const config = join(options.home, 'server.properties');
  const secure = [
    ...saslBrokerConfig({ protocol: 'SASL_SSL', port: options.port, controllerPort: options.controllerPort, brokerPassword, authorize: options.authorize ?? false }),
    // PEM stores (KIP-651): the key and its chain in one file, the CA in the other.
    'ssl.keystore.type=PEM',
    `ssl.keystore.location=${pki.brokerKeystore}`,
    'ssl.truststore.type=PEM',
    `ssl.truststore.location=${pki.caFile}`,
    // Listener-prefixed: on a SASL_SSL listener the broker-wide `ssl.client.auth` is ignored (KIP-684).
    `listener.name.sasl_ssl.ssl.client.auth=${options.requireClientCertificate ? 'required' : 'none'}`,
  ];
  const template = await renderKafkaConfig({ port: options.port, controllerPort: options.controllerPort, dataDir });
  await writeFile(config, `${template}\n# SASL_SSL (libs/local-infra/src/secure-kafka.ts)\n${secure.join('\n')}\n`);
  await formatKafkaStorage({ java, libs, config, dataDir, log, extraArgs: scramUsersFormatArgs(users) });

  const logFile = join(options.home, 'kafka.log');
  const pidFile = join(options.home, 'kafka.pid');
  const child = await spawnDetached(java, kafkaBrokerArgs(libs, config), { logFile, pidFile });
  const brokers = `127.0.0.1:${options.port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) await stopProcess(child.pid!, 20_000);
    await rm(pidFile, { force: true });
    log(`SASL_SSL Kafka on ${brokers} stopped`);
  };

  const ssl = { ca: [await readFile(pki.caFile, 'utf8')], cert: await readFile(pki.clientCertFile, 'utf8'), key: await readFile(pki.clientKeyFile, 'utf8') };
  const answers = async () => {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`SASL_SSL Kafka exited during startup; last lines of ${logFile}:\n${await logTail(logFile)}`);
    return brokerAnswers({ brokers, ssl, sasl: { mechanism: 'scram-sha-512', ...admin } });
  };
  try {
    if (!(await waitFor(answers, { timeoutMs: 60_000 }))) throw new Error(`SASL_SSL Kafka did not answer on ${brokers} within 60 s; last lines of ${logFile}:\n${await logTail(logFile)}`);
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
  log(`SASL_SSL Kafka started on ${brokers} (pid ${child.pid})`);
  return { brokers, admin, caFile: pki.caFile, clientCertFile: pki.clientCertFile, clientKeyFile: pki.clientKeyFile, logFile, stop };
}

/** A throw-away CA, a broker certificate for 127.0.0.1 and a client certificate, all signed by it (PEM, unencrypted PKCS#8 keys). */
async function makeCertificates(directory: string) {
  await mkdir(directory, { recursive: true });
  const file = (name: string) => join(directory, name);
  const openssl = (...args: string[]) => run('openssl', args);
  const days = ['-days', '1'];
  await openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', file('ca.key'), '-out', file('ca.pem'), ...days, '-subj', '/CN=aap-test-kafka-ca');
  const signed = async (name: string, subject: string, extensions: string) => {
    await openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', file(`${name}.key`), '-out', file(`${name}.csr`), '-subj', subject);
    await writeFile(file(`${name}.ext`), `${extensions}\n`);
    await openssl('x509', '-req', '-in', file(`${name}.csr`), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial', '-out', file(`${name}.pem`), ...days, '-extfile', file(`${name}.ext`));
  };
  // The clients connect to 127.0.0.1 and check it against the certificate's subjectAltName.
  await signed('broker', '/CN=127.0.0.1', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth');
  await signed('client', '/CN=aap-test-client', 'extendedKeyUsage=clientAuth');
  const brokerKeystore = file('broker-keystore.pem');
  await writeFile(brokerKeystore, (await Promise.all(['broker.key', 'broker.pem', 'ca.pem'].map((name) => readFile(file(name), 'utf8')))).join(''));
  return { caFile: file('ca.pem'), clientCertFile: file('client.pem'), clientKeyFile: file('client.key'), brokerKeystore };
}
