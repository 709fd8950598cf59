import type { FastifyError } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { HttpProblem, invalidRequest, type Problem, type ProblemError } from './problem';

const PROBLEM_BASE = 'https://aap.anct.gouv.fr/problems/';
const locations = { body: 'body', querystring: 'query', params: 'params', headers: 'headers' } as const;

/** Seconds a client should wait before retrying when the database does not answer. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

/**
 * Fastify's and its plugins' own client errors, each as the problem it means. Anything else with a 4xx
 * status keeps that status; anything without one is a 500.
 */
const FRAMEWORK_PROBLEMS: Record<string, { status: number; slug: string; title: string }> = {
  'invalid-json': { status: 400, slug: 'invalid-json', title: 'The body is not valid JSON' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, slug: 'invalid-json', title: 'The body is not valid JSON' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, slug: 'unsupported-media-type', title: 'Unsupported media type' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, slug: 'invalid-content-length', title: 'The content-length does not match the body' },
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, slug: 'body-too-large', title: 'The request body is too large' },
  FST_ERR_BAD_URL: { status: 400, slug: 'bad-url', title: 'The URL is malformed' },
  FST_ERR_MAX_PARAM_LENGTH: { status: 414, slug: 'uri-too-long', title: 'A path parameter is too long' },
  FST_ERR_ASYNC_CONSTRAINT: { status: 400, slug: 'bad-request', title: 'The request cannot be routed' },
  // @fastify/multipart
  FST_INVALID_MULTIPART_CONTENT_TYPE: { status: 415, slug: 'unsupported-media-type', title: 'The request is not multipart/form-data' },
  FST_REQ_FILE_TOO_LARGE: { status: 413, slug: 'body-too-large', title: 'The file is too large' },
  FST_PARTS_LIMIT: { status: 413, slug: 'body-too-large', title: 'Too many parts in the multipart body' },
  FST_FILES_LIMIT: { status: 413, slug: 'body-too-large', title: 'Too many files in the multipart body' },
  FST_FIELDS_LIMIT: { status: 413, slug: 'body-too-large', title: 'Too many fields in the multipart body' },
  FST_PROTO_VIOLATION: { status: 400, slug: 'invalid-multipart', title: 'A multipart field name is not allowed' },
  FST_INVALID_JSON_FIELD_ERROR: { status: 400, slug: 'invalid-multipart', title: 'A multipart field is not the JSON it declares' },
  // a file part whose body ends before its closing boundary (truncated upload)
  ERR_STREAM_PREMATURE_CLOSE: { status: 400, slug: 'invalid-multipart', title: 'The body ended before the multipart form was complete' },
};

/** busboy (under @fastify/multipart) throws plain errors for a body that is not well-formed multipart. */
const MALFORMED_MULTIPART = /^(Multipart: Boundary not found|Boundary required|Malformed part header|Unexpected end of (form|multipart data))|terminated early due to unexpected end of multipart data/;

/** Errors of the MongoDB driver and of mongoose that mean "the database does not answer now", not "this request is wrong". */
const DATABASE_UNAVAILABLE = new Set([
  'MongoServerSelectionError',
  'MongooseServerSelectionError',
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoNotConnectedError',
  'MongoPoolClearedError',
  'MongoTopologyClosedError',
  'MongoWaitQueueTimeoutError',
]);

/**
 * FerretDB answers (it is up) but its PostgreSQL is not: every command fails with InternalError
 * (code 1) quoting its PostgreSQL driver (pgx): "failed to connect to `user=…`" (refused), SQLSTATE
 * 57P01–57P03 (shutting down, crashed, starting up or recovering), class 08 (connection lost) or a
 * connection cut under a query. Messages seen with FerretDB 1.24 when PostgreSQL is killed and restarted.
 */
const FERRETDB_STORAGE_DOWN = /failed to connect to `|\(SQLSTATE (08[0-9A-Z]{3}|57P0[123])\)|conn closed|unexpected EOF|connection reset by peer|broken pipe/;

/** Which part of the store does not answer: the database itself, or the PostgreSQL behind FerretDB. */
export type DatabasePart = 'database' | 'postgresql';

/** The part of the store an error says is down, or undefined when the error means something else (this request is wrong, a bug). */
export function unavailablePartOf(error: unknown): DatabasePart | undefined {
  for (let cause = error as { name?: string; message?: string; code?: unknown; cause?: unknown } | undefined, depth = 0; cause && depth < 5; cause = cause.cause as typeof cause, depth++) {
    if (cause.name && DATABASE_UNAVAILABLE.has(cause.name)) return 'database';
    // mongoose without a connection (bufferCommands: false) or with buffering timed out
    if (cause.name === 'MongooseError' && /before initial connection is complete|buffering timed out|Connection was force closed|Client must be connected/.test(cause.message ?? '')) return 'database';
    if (cause.name === 'MongoServerError' && cause.code === 1 && FERRETDB_STORAGE_DOWN.test(cause.message ?? '')) return 'postgresql';
  }
  return undefined;
}

/** For the database's readiness check: the part behind it that is down, when its error tells (FerretDB's PostgreSQL). */
export function partBehindDatabase(error: unknown): 'postgresql' | undefined {
  return unavailablePartOf(error) === 'postgresql' ? 'postgresql' : undefined;
}

export function isDatabaseUnavailable(error: unknown): boolean {
  return unavailablePartOf(error) !== undefined;
}

/** The 503 answering a request the store could not serve (the error handler's and the database deadline's). */
export function databaseUnavailable(instance: string, part: DatabasePart = 'database'): { problem: Problem; headers: Record<string, string> } {
  const what = part === 'postgresql' ? 'the database storage (PostgreSQL) does not answer' : 'the database does not answer';
  return {
    problem: {
      type: `${PROBLEM_BASE}service-unavailable`,
      title: 'Service temporarily unavailable',
      status: 503,
      detail: `${what}; retry in ${DATABASE_RETRY_AFTER_SECONDS} s`,
      instance,
    },
    headers: { 'retry-after': String(DATABASE_RETRY_AFTER_SECONDS) },
  };
}

/** Fastify's messages quote the offending input: keep the answer short whatever was sent. */
const MAX_DETAIL_LENGTH = 200;
const shortened = (message: string) => (message.length > MAX_DETAIL_LENGTH ? `${message.slice(0, MAX_DETAIL_LENGTH)}…` : message);

/** The problem answering an error, and the headers that go with it (Retry-After on 503). */
export function problemOf(error: FastifyError, instance: string): { problem: Problem; headers?: Record<string, string>; unexpected?: boolean } {
  if (error instanceof HttpProblem) return { problem: error.toProblem(instance) };
  if (hasZodFastifySchemaValidationErrors(error)) {
    const where = locations[(error.validationContext ?? 'body') as keyof typeof locations] ?? 'body';
    const errors: ProblemError[] = error.validation.flatMap((issue) => {
      const path = issue.instancePath.replace(/^\//, '');
      const unknownKeys = issue.keyword === 'unrecognized_keys' ? ((issue.params as { keys?: string[] }).keys ?? []) : [];
      if (unknownKeys.length) {
        // One entry per unknown member, so `?number=…` names `number` and is not silently ignored.
        return unknownKeys.map((key) => {
          const member = path ? `${path}/${key}` : key;
          return {
            in: where,
            name: member.split('/').join('.'),
            pointer: `#/${member}`,
            detail: where === 'query' ? 'is not a parameter of this route' : 'is not a field of this request',
          };
        });
      }
      return [
        {
          in: where,
          name: path.split('/').join('.') || where,
          pointer: path ? `#/${path}` : '#', // RFC 6901: '#' is the whole document, '#/' a member named ''
          detail: issue.message ?? 'is invalid',
        },
      ];
    });
    return { problem: invalidRequest(errors).toProblem(instance) };
  }
  const unavailable = unavailablePartOf(error);
  if (unavailable) return databaseUnavailable(instance, unavailable);
  const known = error.code ? FRAMEWORK_PROBLEMS[error.code] : undefined;
  const malformedMultipart = !known && MALFORMED_MULTIPART.test(error.message ?? '');
  const mapped = known ?? (malformedMultipart ? { status: 400, slug: 'invalid-multipart', title: 'The body is not well-formed multipart/form-data' } : undefined);
  if (mapped) return { problem: { type: `${PROBLEM_BASE}${mapped.slug}`, title: mapped.title, status: mapped.status, detail: shortened(error.message), instance } };
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    return { problem: { type: `${PROBLEM_BASE}bad-request`, title: 'Bad request', status: error.statusCode, detail: shortened(error.message), instance } };
  }
  return { problem: { type: 'about:blank', title: 'Internal server error', status: 500, instance }, unexpected: true };
}
