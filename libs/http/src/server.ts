import Fastify, { LogController, type FastifyInstance, type FastifyError, type FastifyReply, type FastifyRequest } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import helmet, { type FastifyHelmetOptions } from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import { z } from 'zod';
import {
  isResponseSerializationError,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { Logger } from '@aap/observability';
import { HttpProblem, sendProblem } from './problem';
import { tracingPlugin } from './tracing';
import { registerHealthRoutes, type ReadinessCheck } from './health';
import { authPlugin, type AuthOptions } from './auth';
import { problemOf } from './errors';
import { admissionPlugin, type AdmissionOptions } from './admission';
import { controlCharacterErrors, controlCharacterProblem } from './control-characters';
import { documentRoute, OPENAPI_SCHEMAS } from './openapi';

export type HttpServer = FastifyInstance<any, any, any, Logger, ZodTypeProvider>;

export interface HttpServerOptions {
  service: string;
  version?: string;
  description?: string;
  logger: Logger;
  readiness: ReadinessCheck[];
  auth: AuthOptions;
  /** Requests a minute per caller (token subject, else IP); 0 or unset: no limit. */
  rateLimitPerMinute?: number;
  /** Longest a request may take to arrive and be answered before its connection is closed (30 s by default). */
  requestTimeoutMs?: number;
  /** In-flight and event-loop limits beyond which a request is refused with 503 (none when unset). */
  admission?: AdmissionOptions;
}

/** A path parameter longer than this is refused (400), not silently unroutable. */
const MAX_PARAM_LENGTH = 200;

/**
 * Query objects are strict: an unknown parameter (`?number=…` on a route that has no such filter) is a
 * 400 naming it, instead of being ignored and answering as if nothing had been asked.
 */
const strictQueryValidatorCompiler: typeof validatorCompiler = (route) =>
  validatorCompiler({ ...route, schema: route.httpPart === 'querystring' && route.schema instanceof z.ZodObject ? route.schema.strict() : route.schema });

/**
 * The security headers helmet sets with these options, worked out once. They are the same on every
 * answer, but @fastify/helmet builds helmet's middleware again (options parsed, CSP directives
 * validated and joined) for every request; a route still overrides one with `reply.header`.
 */
async function helmetHeaders(options: FastifyHelmetOptions): Promise<Record<string, string>> {
  const probe = Fastify();
  await probe.register(helmet, options);
  let headers: Record<string, string> = {};
  // In a handler the raw response holds what helmet's hooks set, and nothing of fastify's own yet.
  probe.get('/', async (_request, reply) => {
    headers = Object.fromEntries(Object.entries(reply.raw.getHeaders()).map(([name, value]) => [name, String(value)]));
    return '';
  });
  await probe.inject({ method: 'GET', url: '/' });
  await probe.close();
  if (Object.keys(headers).length === 0) throw new Error('helmet set no header');
  return headers;
}

/**
 * One line per request, when it is answered (method, path, status, time), instead of fastify's two
 * (incoming, completed): each line is serialised and written, on every request.
 */
class OneLinePerRequest extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const fields = { req: { method: request.method, url: request.url, remoteAddress: request.ip }, res: { statusCode: reply.statusCode }, responseTime: reply.elapsedTime };
    if (error) reply.log.error({ ...fields, err: error }, 'request errored');
    else reply.log.info(fields, 'request completed');
  }
}

/**
 * The fastify instance every service starts from: zod type provider (the same schemas validate
 * requests and produce the OpenAPI document at /openapi.json and /docs), RFC 9457 problem+json
 * errors with one entry per failing field, security headers, admission control (503 under overload),
 * rate limiting per caller, request timeouts, request tracing, and /health/live + /health/ready.
 */
export async function createHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  const app = Fastify({
    loggerInstance: options.logger,
    requestIdHeader: 'x-request-id',
    requestTimeout: options.requestTimeoutMs ?? 30_000,
    logController: new OneLinePerRequest(),
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    // Errors raised before routing (a URL that does not decode) get the same problem+json as any other.
    frameworkErrors: (error, request, reply) => {
      sendProblem(reply, problemOf(error, request.url).problem);
    },
  }).withTypeProvider<ZodTypeProvider>();

  // An empty body with a JSON content type (curl -X POST -H 'content-type: application/json') is "no
  // body", not a syntax error: commands without a payload (submit, publish) accept it.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    if (body === '') return done(null, undefined);
    try {
      done(null, JSON.parse(body as string));
    } catch (error) {
      done(Object.assign(new Error(`the body is not valid JSON: ${(error as Error).message}`), { statusCode: 400, code: 'invalid-json' }), undefined);
    }
  });

  // Every route, before its schema: a control character (NUL…) in any string of the body, the query or
  // the path is a 400 naming the field, never a write the database refuses halfway (500).
  app.addHook('preValidation', (request, _reply, done) => {
    const errors = controlCharacterErrors({ body: request.body, query: request.query, params: request.params });
    done(errors.length ? controlCharacterProblem(errors) : undefined);
  });
  app.setValidatorCompiler(strictQueryValidatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // A route without a query schema takes no query parameter at all (the documentation's own routes aside).
  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/docs') && !route.schema?.querystring) route.schema = { ...route.schema, querystring: z.object({}) };
  });
  await app.register(tracingPlugin);
  const securityHeaders = await helmetHeaders({
    // /docs sets its own policy (swagger-ui's staticCSP: hashes of its inline code); plain http on localhost must keep working.
    contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
  });
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(securityHeaders);
    done();
  });
  // After the span and the security headers (a refusal is traced and served like any answer), before
  // authentication: refusing must cost less than serving.
  if (options.admission) await app.register(admissionPlugin, options.admission);
  // Before any route is added: its onRoute hook refuses routes that do not declare their access.
  await app.register(authPlugin, options.auth);
  if (options.rateLimitPerMinute) {
    // After authentication (hooks run in registration order), so a caller is counted by its token's subject.
    await app.register(rateLimit, {
      max: options.rateLimitPerMinute,
      timeWindow: 60_000,
      keyGenerator: (request) => (request.caller ? `sub:${request.caller.userId}` : `ip:${request.ip}`),
      errorResponseBuilder: (_request, context) =>
        new HttpProblem(429, 'too-many-requests', 'Too many requests', `at most ${context.max} requests a minute per caller; retry in ${context.after}`),
    });
  }

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: `AAP ${options.service} service`,
        version: options.version ?? '0.1.0',
        description: options.description,
      },
      // The document is served by the service it describes: a client resolves paths against where it fetched it.
      servers: [{ url: '/' }],
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
        schemas: OPENAPI_SCHEMAS,
      },
    },
    transform: documentRoute(Boolean(options.rateLimitPerMinute)),
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    staticCSP: true,
    transformStaticCSP: (policy) => policy.replace(/\s*upgrade-insecure-requests;?/, ''),
  });
  app.get('/openapi.json', { schema: { hide: true }, config: { access: { public: true } } }, async () => app.swagger());

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (isResponseSerializationError(error)) {
      request.log.error({ err: error, issues: error.cause.issues }, 'response does not match its schema');
    }
    const { problem, headers, unexpected } = problemOf(error, request.url);
    if (unexpected && !isResponseSerializationError(error)) request.log.error({ err: error }, 'request failed');
    if (problem.status === 503) request.log.warn({ err: error }, 'database unavailable');
    if (headers) reply.headers(headers);
    return sendProblem(reply, problem);
  });

  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, {
      type: 'https://aap.anct.gouv.fr/problems/not-found',
      title: 'Not found',
      status: 404,
      detail: `No route ${request.method} ${request.url.split('?')[0]}`,
      instance: request.url,
    }),
  );

  registerHealthRoutes(app, options.readiness);
  return app;
}
