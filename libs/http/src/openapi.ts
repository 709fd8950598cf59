import type { RouteOptions } from 'fastify';
import type { OpenAPIV3_2, SwaggerTransform } from '@fastify/swagger';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { isAdmissionExempt } from './admission';
import { PROBLEM_CONTENT_TYPE, type Problem } from './problem';

/** The error answers a route can document, each with what it means to a client. */
const PROBLEM_ANSWERS = {
  400: 'The request is invalid: one entry per failing field of the path, the query, the body or the headers',
  401: 'No valid bearer token',
  403: 'The token’s roles may not do this',
  404: 'What the path names does not exist, or is not the caller’s to see',
  409: 'The current state does not allow this (or a concurrent change won): read again before retrying',
  413: 'The body or the file is too large',
  415: 'The body or the file is not of a type this operation accepts',
  422: 'The request breaks one or more business rules: one entry per rule',
  429: 'Too many requests from this caller: retry after the delay the detail gives',
  503: 'The service is overloaded or its database does not answer: retry after Retry-After',
} as const;

export type ProblemStatus = keyof typeof PROBLEM_ANSWERS;

/** What a command decided on the current state may answer: 409 on the wrong status or a lost race, 422 on a broken rule. */
export const COMMAND_REFUSALS = [409, 422] as const satisfies readonly ProblemStatus[];

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The error answers of this route beyond those every route of its kind has (see `problemStatusesOf`); documentation only. */
    problems?: readonly ProblemStatus[];
  }
}

/** RFC 9457 problem details, the schema of every error answer (typed as problem.ts's `Problem`, so the two cannot drift apart). */
const problemSchema: z.ZodType<Problem> = z.looseObject({
  type: z.string().describe('URI naming the kind of problem, e.g. https://aap.anct.gouv.fr/problems/validation'),
  title: z.string(),
  status: z.number().int(),
  detail: z.string().optional(),
  instance: z.string().optional(),
  errors: z
    .array(
      z.object({
        pointer: z.string().optional().describe('JSON pointer to the failing member (RFC 6901 fragment)'),
        in: z.enum(['body', 'query', 'params', 'headers', 'rule']).optional(),
        name: z.string().describe('Stable machine name of the field or rule'),
        detail: z.string(),
      }),
    )
    .optional()
    .describe('One entry per failing field or rule'),
});

const { $schema: _dialect, ...problemJsonSchema } = z.toJSONSchema(problemSchema, { io: 'output' });
/** The document's components.schemas: the Problem every error answer refers to (one schema, not one copy per answer). */
export const OPENAPI_SCHEMAS = { Problem: problemJsonSchema } as NonNullable<OpenAPIV3_2.Document['components']>['schemas'];
const problemAnswer = (status: ProblemStatus) => ({ description: PROBLEM_ANSWERS[status], content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: '#/components/schemas/Problem' } } } });

/**
 * A success answer that is a file (a download, an export): the document says its media types. A buffer
 * or a stream is never serialised, and typed `unknown` the schema lets the handler send either.
 */
export const fileAnswer = (mediaTypes: string | readonly string[], description: string): { description: string; content: Record<string, { schema: z.ZodType<unknown> }> } => ({
  description,
  content: Object.fromEntries([mediaTypes].flat().map((mediaType) => [mediaType, { schema: z.string().meta({ format: 'binary' }) }])),
});

/** The success answer of an operation that answers nothing (204); typed `unknown` so the handler sends no body. */
export const noContentAnswer = (description: string): z.ZodType<unknown> => z.null().describe(description);

/**
 * The error answers a route can give, from what every route of its kind answers and what it declares
 * (`config.problems`): 400 everywhere (every route refuses an unknown query parameter or a control
 * character), 401/403 behind roles, 404 with an id in the path, 413/415 with a body (too large, not
 * JSON), 429 where the rate limit applies, 503 wherever admission control and the database deadline
 * apply (everywhere but the health probes).
 */
export function problemStatusesOf(route: Pick<RouteOptions, 'url' | 'config' | 'schema'>, rateLimited: boolean): ProblemStatus[] {
  const access = route.config?.access;
  const statuses = new Set<ProblemStatus>([400, ...(route.config?.problems ?? [])]);
  if (access && 'roles' in access) [401, 403].forEach((status) => statuses.add(status as ProblemStatus));
  if (route.schema?.body) [413, 415].forEach((status) => statuses.add(status as ProblemStatus));
  if (route.url.includes(':')) statuses.add(404);
  if (rateLimited && (route.config as { rateLimit?: unknown } | undefined)?.rateLimit !== false) statuses.add(429);
  if (!isAdmissionExempt(route.url)) statuses.add(503);
  return [...statuses].sort((a, b) => a - b);
}

/**
 * The document's view of a route, on top of the zod schemas' (jsonSchemaTransform): its error answers
 * as problem+json and its security (the bearer token behind roles, none when public). Documentation
 * only: the route's own schema is not touched, so no answer is serialised differently.
 */
export function documentRoute(rateLimited: boolean): SwaggerTransform {
  return (document) => {
    const { route } = document;
    const documented = jsonSchemaTransform(document as never);
    if (documented.schema.hide) return documented;
    const access = route.config?.access;
    const responses: Record<string, unknown> = { ...(documented.schema.response as Record<string, unknown> | undefined) };
    for (const status of problemStatusesOf(route, rateLimited)) responses[status] ??= problemAnswer(status);
    return { url: documented.url, schema: { ...documented.schema, response: responses, security: access && 'roles' in access ? [{ bearer: [] }] : [] } };
  };
}
