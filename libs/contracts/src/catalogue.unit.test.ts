import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineEvent, EventCatalogue } from './catalogue';

const thing = z.object({ thingId: z.string(), size: z.number().int() });

function thingEvent(overrides: Partial<Parameters<typeof defineEvent<typeof thing>>[0]> = {}) {
  return defineEvent({
    name: 'thing.created',
    version: 1,
    producer: 'submission',
    aggregate: 'thing',
    schema: thing,
    aggregateId: (data) => data.thingId,
    description: 'A thing was created.',
    ...overrides,
  });
}

describe('defineEvent', () => {
  it('given a name and a version, when defining, then the wire type is <name>.v<version>', () => {
    expect(thingEvent().type).toBe('thing.created.v1');
    expect(thingEvent({ version: 12 }).type).toBe('thing.created.v12');
  });

  it('given a spec, when defining, then the logical topic is (producer, aggregate) and the rest is kept', () => {
    const event = thingEvent({ producer: 'evaluation', aggregate: 'widget' });

    expect(event).toMatchObject({
      name: 'thing.created',
      version: 1,
      producer: 'evaluation',
      topic: { producer: 'evaluation', aggregate: 'widget' },
      schema: thing,
      description: 'A thing was created.',
    });
    expect(event.aggregateId({ thingId: 't-1', size: 3 })).toBe('t-1');
  });

  it.each(['thing.created', 'dossier.submitted', 'probe.reached-funding-award', 'call-for-projects.opened'])(
    'given the well-formed name %j, when defining, then it is accepted',
    (name) => {
      expect(() => thingEvent({ name })).not.toThrow();
    },
  );

  it.each(['thing', 'Thing.created', 'thing.Created', 'thing.created.again', 'thing_x.created', 'thing.created2', '.created', 'thing.', '-thing.created', ''])(
    'given the malformed name %j, when defining, then it is refused with the naming rule',
    (name) => {
      expect(() => thingEvent({ name })).toThrow(`Event name "${name}" must read <aggregate>.<fact>, lower-case with dashes`);
    },
  );
});

describe('EventCatalogue', () => {
  const created = thingEvent();
  const resized = thingEvent({ name: 'thing.resized' });
  const createdV2 = thingEvent({ version: 2 });
  const widgetMade = thingEvent({ name: 'widget.made', aggregate: 'widget' });
  const evaluated = thingEvent({ name: 'thing.evaluated', producer: 'evaluation' });

  it('given definitions, when looking one up by wire type, then it is found; an unknown type gives undefined', () => {
    const catalogue = new EventCatalogue([created, createdV2]);

    expect(catalogue.get('thing.created.v1')).toBe(created);
    expect(catalogue.get('thing.created.v2')).toBe(createdV2);
    expect(catalogue.get('thing.created')).toBeUndefined();
    expect(catalogue.get('thing.created.v3')).toBeUndefined();
  });

  it('given definitions, when listing all, then they come back in catalogue order', () => {
    expect(new EventCatalogue([resized, created, widgetMade]).all()).toEqual([resized, created, widgetMade]);
  });

  it('given two definitions of one wire type, when building the catalogue, then it is refused', () => {
    expect(() => new EventCatalogue([created, resized, thingEvent()])).toThrow('Event type thing.created.v1 is defined twice');
  });

  it('given two versions of one event, when building the catalogue, then both are accepted', () => {
    expect(new EventCatalogue([created, createdV2]).all()).toHaveLength(2);
  });

  it('given several events on shared topics, when listing topics, then each (producer, aggregate) appears once, in first-seen order', () => {
    const catalogue = new EventCatalogue([created, widgetMade, resized, evaluated, createdV2]);

    expect(catalogue.topics()).toEqual([
      { producer: 'submission', aggregate: 'thing' },
      { producer: 'submission', aggregate: 'widget' },
      { producer: 'evaluation', aggregate: 'thing' },
    ]);
  });

  it('given an empty catalogue, when listing, then there is nothing', () => {
    const catalogue = new EventCatalogue([]);
    expect(catalogue.all()).toEqual([]);
    expect(catalogue.topics()).toEqual([]);
  });
});
