import { describe, expect, it } from 'vitest';
import { catalogue, eventTopicName, SERVICE_NAMES, TOPIC_PARTITIONS } from '@aap/contracts';
import { assertConsumesDeclared, brokerGrants, SERVICE_CONSUMES, withDeclaredPartitions, type BrokerGrant } from './kafka-acls';

const grantsOf = (service: string, filter: Partial<BrokerGrant> = {}) =>
  brokerGrants('aap').filter((grant) => grant.principal === `User:${service}` && Object.entries(filter).every(([key, value]) => grant[key as keyof BrokerGrant] === value));
const names = (grants: BrokerGrant[]) => grants.map((grant) => grant.name).sort();

describe('brokerGrants: the ACLs of the four services, made from the catalogue and SERVICE_CONSUMES', () => {
  it('notification writes only its dead letters and reads the topics it consumes, its group alone', () => {
    expect(names(grantsOf('notification', { operation: 'WRITE' }))).toEqual(['aap.notification.dlq']);
    expect(names(grantsOf('notification', { operation: 'READ', resource: 'topic' }))).toEqual([
      'aap.evaluation.dossier', 'aap.evaluation.evaluation', 'aap.funding-award.award', 'aap.funding-award.probe',
      'aap.submission.call', 'aap.submission.dossier', 'aap.submission.organisation',
    ]);
    expect(grantsOf('notification', { resource: 'group' })).toEqual([{ principal: 'User:notification', resource: 'group', name: 'aap.notification', pattern: 'literal', operation: 'READ' }]);
  });

  it('each service writes exactly the topics whose events it produces in the catalogue, plus its own dead-letter topic', () => {
    for (const service of SERVICE_NAMES) {
      const produced = catalogue.topics().filter((topic) => topic.producer === service).map((topic) => eventTopicName('aap', topic));
      expect(names(grantsOf(service, { operation: 'WRITE' })), service).toEqual([...produced, `aap.${service}.dlq`].sort());
    }
  });

  it('evaluation topics are written by evaluation alone: another principal publishing there is refused by the broker', () => {
    const writers = brokerGrants('aap').filter((grant) => grant.operation === 'WRITE' && grant.name.startsWith('aap.evaluation.'));
    expect(new Set(writers.map((grant) => grant.principal))).toEqual(new Set(['User:evaluation']));
  });

  it('every topic a service reads or writes it may also describe (metadata), and nothing else: no CREATE, no cluster grant, literal names under the prefix only', () => {
    for (const service of SERVICE_NAMES) {
      const used = grantsOf(service, { resource: 'topic' }).filter((grant) => grant.operation !== 'DESCRIBE');
      expect(names(grantsOf(service, { operation: 'DESCRIBE' })), service).toEqual([...new Set(names(used))].sort());
    }
    const grants = brokerGrants('staging');
    expect(new Set(grants.map((grant) => grant.operation))).toEqual(new Set(['READ', 'WRITE', 'DESCRIBE']));
    expect(grants.every((grant) => grant.pattern === 'literal' && grant.name.startsWith('staging.'))).toBe(true);
  });

  it('every declared consumed topic is a topic of the catalogue', () => {
    const known = new Set(catalogue.topics().map((topic) => eventTopicName('aap', topic)));
    for (const service of SERVICE_NAMES) for (const topic of SERVICE_CONSUMES[service]) expect(known.has(eventTopicName('aap', topic)), `${service} ← ${topic.producer}.${topic.aggregate}`).toBe(true);
  });

  it('a service subscribing to a topic it is not granted is refused at start, naming the topic', () => {
    expect(() => assertConsumesDeclared('aap', 'submission', ['aap.evaluation.dossier'])).not.toThrow();
    expect(() => assertConsumesDeclared('aap', 'submission', ['aap.evaluation.dossier', 'aap.funding-award.award'])).toThrow(
      /submission consumes aap\.funding-award\.award, which SERVICE_CONSUMES .* does not grant it/,
    );
  });
});

describe('withDeclaredPartitions: the topics to create, with the partitions the catalogue declares', () => {
  it('gives an event topic declared in TOPIC_PARTITIONS its partitions, and leaves the others (dead letters, undeclared topics) at the default', () => {
    expect(withDeclaredPartitions('aap', ['aap.submission.dossier', 'aap.submission.call', 'aap.notification.dlq'])).toEqual([
      { topic: 'aap.submission.dossier', partitions: TOPIC_PARTITIONS['submission.dossier'] },
      'aap.submission.call',
      'aap.notification.dlq',
    ]);
  });

  it('declares partitions only for topics of the catalogue, each at least the default of 3', () => {
    const topics = new Set(catalogue.topics().map((topic) => `${topic.producer}.${topic.aggregate}`));
    for (const [topic, partitions] of Object.entries(TOPIC_PARTITIONS)) {
      expect(topics.has(topic), topic).toBe(true);
      expect(partitions).toBeGreaterThanOrEqual(3);
    }
    expect(catalogue.topics().find((topic) => topic.producer === 'submission' && topic.aggregate === 'dossier')?.partitions).toBe(TOPIC_PARTITIONS['submission.dossier']);
  });
});
