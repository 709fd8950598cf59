import { beforeAll, describe, expect, it } from 'vitest';
import { createConfig, lintFromString, type NormalizedProblem } from '@redocly/openapi-core';
import type { ServiceModule } from '@aap/service-runtime';
import { useTestEnvironment } from '@aap/test-harness';
import { service as evaluation } from '@aap/evaluation-service';
import { service as fundingAward } from '@aap/funding-award-service';
import { service as notification } from '@aap/notification-service';
import { service as submission } from '@aap/submission-service';

/**
 * The OpenAPI document each service serves is what the portal's client is generated from (issue 18):
 * redocly's recommended rules find nothing in it (no error, no warning), and every operation has a
 * name (operationId), says how it is authenticated (security, empty when public) and documents its
 * 4xx answers, so a generated client knows every answer it can get.
 */
const env = useTestEnvironment();
const SERVICES: ServiceModule[] = [submission, evaluation, fundingAward, notification];
const documents = new Map<string, string>();

const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace']);

interface Operation {
  operationId?: string;
  security?: unknown[];
  responses?: Record<string, unknown>;
}

const operationsOf = (source: string) =>
  Object.entries((JSON.parse(source) as { paths: Record<string, Record<string, Operation>> }).paths).flatMap(([path, methods]) =>
    Object.entries(methods)
      .filter(([method]) => HTTP_METHODS.has(method))
      .map(([method, operation]) => ({ route: `${method.toUpperCase()} ${path}`, ...operation })),
  );

const findingLine = ({ ruleId, severity, message, location }: NormalizedProblem) => `${severity} ${ruleId} at ${location[0]?.pointer ?? '?'}: ${message}`;

beforeAll(async () => {
  for (const module of SERVICES) {
    const running = await env.startService(module);
    documents.set(module.name, await (await fetch(`${running.url}/openapi.json`)).text());
    await running.stop();
  }
});

describe.each(SERVICES.map((module) => module.name))('the OpenAPI document of the %s service', (name) => {
  it("passes redocly's recommended rules without an error or a warning", async () => {
    const config = await createConfig({
      extends: ['recommended'],
      // The services' APIs are not published for reuse under any licence (private, internal to the platform): nothing to name.
      rules: { 'info-license': 'off' },
    });
    const findings = await lintFromString({ source: documents.get(name)!, absoluteRef: `${name}.openapi.json`, config });
    expect(findings.map(findingLine)).toEqual([]);
  });

  it('names every operation, says how it is authenticated and documents its 4xx answers', () => {
    const operations = operationsOf(documents.get(name)!);
    expect(operations.length).toBeGreaterThan(0);
    const lacking = operations.flatMap(({ route, operationId, security, responses }) => [
      ...(operationId ? [] : [`${route}: no operationId`]),
      ...(security ? [] : [`${route}: no security`]),
      ...(Object.keys(responses ?? {}).some((status) => /^4\d\d$/.test(status)) ? [] : [`${route}: no 4xx answer`]),
    ]);
    expect(lacking).toEqual([]);
  });
});
