import { beforeAll, describe, expect, it } from 'vitest';
import type { RunningService, ServiceModule } from '@aap/service-runtime';
import { service as submission } from '@aap/submission-service';
import { service as evaluation } from '@aap/evaluation-service';
import { service as fundingAward } from '@aap/funding-award-service';
import { service as notification } from '@aap/notification-service';
import { httpClient, useTestEnvironment } from '@aap/test-harness';

const env = useTestEnvironment();

type JsonSchema = Record<string, any>;

/** Formats whose validation fixes the length (a UUID is always 36 characters). */
const FIXED_LENGTH_FORMATS = new Set(['uuid']);

/**
 * Every string without maxLength and every array without maxItems reachable from a schema; enums,
 * constants and fixed-length formats are bounded by what they accept.
 */
function unboundedIn(schema: JsonSchema | undefined, at: string, components: Record<string, JsonSchema>, seen = new Set<JsonSchema>()): string[] {
  if (!schema || typeof schema !== 'object' || seen.has(schema)) return [];
  seen.add(schema);
  if (typeof schema.$ref === 'string') return unboundedIn(components[schema.$ref.split('/').pop()!], at, components, seen);
  const found: string[] = [];
  const types: string[] = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  const bounded = schema.enum !== undefined || schema.const !== undefined || FIXED_LENGTH_FORMATS.has(schema.format);
  if (types.includes('string') && !bounded && schema.maxLength === undefined) found.push(`${at} (string without maxLength)`);
  if (types.includes('array') && schema.maxItems === undefined) found.push(`${at} (array without maxItems)`);
  for (const [name, property] of Object.entries<JsonSchema>(schema.properties ?? {})) found.push(...unboundedIn(property, `${at}/${name}`, components, seen));
  if (schema.items) found.push(...unboundedIn(schema.items, `${at}/*`, components, seen));
  for (const [index, item] of (schema.prefixItems ?? []).entries()) found.push(...unboundedIn(item, `${at}/${index}`, components, seen));
  if (schema.additionalProperties && typeof schema.additionalProperties === 'object') {
    found.push(...unboundedIn(schema.additionalProperties, `${at}/{key}`, components, seen));
  }
  if (schema.propertyNames) found.push(...unboundedIn(schema.propertyNames, `${at}/{key name}`, components, seen));
  for (const keyword of ['anyOf', 'oneOf', 'allOf'] as const) {
    for (const branch of schema[keyword] ?? []) found.push(...unboundedIn(branch, at, components, seen));
  }
  return found;
}

/** Each request input of each operation of an OpenAPI document that has no maximum. */
function unboundedRequestInputs(document: JsonSchema): string[] {
  const components: Record<string, JsonSchema> = document.components?.schemas ?? {};
  const found: string[] = [];
  for (const [path, operations] of Object.entries<JsonSchema>(document.paths ?? {})) {
    for (const [method, operation] of Object.entries<JsonSchema>(operations)) {
      const where = `${method.toUpperCase()} ${path}`;
      for (const parameter of operation.parameters ?? []) {
        found.push(...unboundedIn(parameter.schema, `${where} ${parameter.in}:${parameter.name}`, components));
      }
      for (const [mediaType, content] of Object.entries<JsonSchema>(operation.requestBody?.content ?? {})) {
        found.push(...unboundedIn(content.schema, `${where} body(${mediaType}):#`, components));
      }
    }
  }
  return found;
}

describe('every string and array of every request has a maximum (OpenAPI of each service)', () => {
  const modules: ServiceModule[] = [submission, evaluation, fundingAward, notification];
  const documents = new Map<string, JsonSchema>();

  beforeAll(async () => {
    const services: RunningService[] = await Promise.all(modules.map((module) => env.startService(module)));
    for (const service of services) documents.set(service.name, (await httpClient(service.url).anonymous().get('/openapi.json')).body);
  });

  it.each(modules.map((module) => module.name))('%s: no request string without maxLength, no request array without maxItems', (name) => {
    const document = documents.get(name)!;
    expect(Object.keys(document.paths ?? {}).length).toBeGreaterThan(0);
    expect(unboundedRequestInputs(document)).toEqual([]);
  });

  it('the check itself finds an unbounded string, array and nested member', () => {
    const document = {
      paths: {
        '/things': {
          post: {
            parameters: [{ in: 'query', name: 'q', schema: { type: 'string' } }],
            requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/Thing' } } } },
          },
        },
      },
      components: {
        schemas: {
          Thing: {
            type: 'object',
            properties: {
              tags: { type: 'array', items: { type: 'string', maxLength: 10 } },
              kind: { type: 'string', enum: ['a', 'b'] },
              nested: { anyOf: [{ type: 'object', properties: { note: { type: ['string', 'null'] } } }, { type: 'null' }] },
            },
          },
        },
      },
    };
    expect(unboundedRequestInputs(document)).toEqual([
      'POST /things query:q (string without maxLength)',
      'POST /things body(application/json):#/tags (array without maxItems)',
      'POST /things body(application/json):#/nested/note (string without maxLength)',
    ]);
  });
});
