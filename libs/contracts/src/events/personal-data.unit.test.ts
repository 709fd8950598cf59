import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { catalogue } from '../index';

/**
 * Which events may carry personal data, and which consumer needs it: an event that gains a contact,
 * an e-mail address, a person's name or bank details fails here until this table says who needs it.
 * (Events already on a topic with fields since removed are still read: dossier-reference.unit.test.ts.)
 */
const MAY_CARRY: Record<string, { fields: string[]; neededBy: string }> = {
  'organisation.registered.v1': { fields: ['organisation.contacts'], neededBy: 'notification: its directory of the addresses it writes to' },
  'organisation.contacts-updated.v1': { fields: ['organisation.contacts'], neededBy: 'notification: its directory of the addresses it writes to' },
  'evaluation.reviewers-assigned.v1': { fields: ['reviewers[].name', 'reviewers[].email'], neededBy: 'notification: the e-mail to each reviewer assigned' },
  'evaluation.review-due-soon.v1': { fields: ['name', 'email'], neededBy: 'notification: the reminder e-mail to the reviewer' },
  'award.bank-details-submitted.v1': { fields: ['iban', 'bic'], neededBy: 'the award history and the beneficiary’s timeline (IBAN masked)' },
  'award.bank-details-validated.v1': { fields: ['iban'], neededBy: 'the award history and the beneficiary’s timeline (IBAN masked)' },
  'tranche.released.v1': { fields: ['iban'], neededBy: 'funding-award payments: the account paid (IBAN masked)' },
};

/** Keys that hold personal data wherever they are; `name` only beside an e-mail (a person, not an organisation or a call). */
const PERSONAL_KEYS = new Set(['contacts', 'email', 'phone', 'telephone', 'iban', 'bic', 'holder']);

type JsonSchema = { properties?: Record<string, JsonSchema>; items?: JsonSchema; anyOf?: JsonSchema[]; oneOf?: JsonSchema[]; allOf?: JsonSchema[] };

function personalFields(schema: JsonSchema, path = ''): string[] {
  const found: string[] = [];
  const properties = schema.properties ?? {};
  for (const [key, property] of Object.entries(properties)) {
    const at = path ? `${path}.${key}` : key;
    if (PERSONAL_KEYS.has(key) || (key === 'name' && 'email' in properties)) found.push(at);
    else found.push(...personalFields(property, at));
  }
  if (schema.items) found.push(...personalFields(schema.items, `${path}[]`));
  for (const branch of [...(schema.anyOf ?? []), ...(schema.oneOf ?? []), ...(schema.allOf ?? [])]) found.push(...personalFields(branch, path));
  return [...new Set(found)];
}

describe('personal data in events', () => {
  it('only the events of the table carry personal data, each only the fields a consumer needs', () => {
    const carried = Object.fromEntries(
      catalogue
        .all()
        .map((definition) => [definition.type, personalFields(z.toJSONSchema(definition.schema, { io: 'output', unrepresentable: 'any' }) as JsonSchema).sort()] as const)
        .filter(([, fields]) => fields.length > 0),
    );
    expect(carried).toEqual(Object.fromEntries(Object.entries(MAY_CARRY).map(([type, { fields }]) => [type, [...fields].sort()])));
  });
});
