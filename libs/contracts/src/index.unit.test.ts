import { describe, expect, it } from 'vitest';
import { catalogue, diagnosticsEvents, ProbeLaunched, SERVICE_NAMES, sourceOf } from './index';

describe('the platform catalogue', () => {
  it('given the event modules, when building the catalogue, then every event is registered under its wire type', () => {
    for (const definition of diagnosticsEvents) expect(catalogue.get(definition.type)).toBe(definition);
    expect(catalogue.get('probe.launched.v1')).toBe(ProbeLaunched);
  });

  it('given every event, when checking ownership, then its producer is a known service and owns its topic', () => {
    for (const definition of catalogue.all()) {
      expect(SERVICE_NAMES).toContain(definition.producer);
      expect(definition.topic.producer).toBe(definition.producer);
    }
  });

  it('given the catalogue, when listing topics, then there is one per producing service and aggregate', () => {
    expect(catalogue.topics()).toEqual(
      expect.arrayContaining([
        { producer: 'submission', aggregate: 'probe' },
        { producer: 'evaluation', aggregate: 'probe' },
        { producer: 'funding-award', aggregate: 'probe' },
        { producer: 'submission', aggregate: 'call' },
        // The dossier topics carry the partitions the catalogue declares for them (TOPIC_PARTITIONS).
        { producer: 'submission', aggregate: 'dossier', partitions: 6 },
        { producer: 'evaluation', aggregate: 'dossier', partitions: 6 },
      ]),
    );
    const names = catalogue.topics().map((t) => `${t.producer}.${t.aggregate}`);
    expect(new Set(names).size).toBe(names.length);
  });

  it('given a service name, when building the CloudEvents source, then it is /aap/<service>', () => {
    expect(sourceOf('funding-award')).toBe('/aap/funding-award');
  });
});
