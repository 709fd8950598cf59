import { describe, expect, it } from 'vitest';
import { consumerGroupId, deadLetterTopicName, eventTopicName } from './topics';

describe('topic naming convention', () => {
  it('given a prefix and a logical topic, when naming the event topic, then it is <prefix>.<producer>.<aggregate>', () => {
    expect(eventTopicName('aap', { producer: 'submission', aggregate: 'dossier' })).toBe('aap.submission.dossier');
    expect(eventTopicName('test-42', { producer: 'funding-award', aggregate: 'award' })).toBe('test-42.funding-award.award');
  });

  it('given a prefix and a consuming service, when naming its dead-letter topic, then it is <prefix>.<consumer>.dlq', () => {
    expect(deadLetterTopicName('aap', 'evaluation')).toBe('aap.evaluation.dlq');
    expect(deadLetterTopicName('ci-7', 'notification')).toBe('ci-7.notification.dlq');
  });

  it('given a prefix and a consuming service, when naming its consumer group, then it is <prefix>.<consumer>', () => {
    expect(consumerGroupId('aap', 'notification')).toBe('aap.notification');
    expect(consumerGroupId('ci-7', 'funding-award')).toBe('ci-7.funding-award');
  });

  it('given two prefixes, when naming the same topics, then environments never share a name', () => {
    const topic = { producer: 'submission', aggregate: 'probe' } as const;
    expect(eventTopicName('a', topic)).not.toBe(eventTopicName('b', topic));
    expect(deadLetterTopicName('a', 'submission')).not.toBe(deadLetterTopicName('b', 'submission'));
    expect(consumerGroupId('a', 'submission')).not.toBe(consumerGroupId('b', 'submission'));
  });
});
