import Fastify, { type FastifyInstance, type FastifyError } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import {
  hasZodFastifySchemaValidationErrors,
  isResponseSerializationError,
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { Logger } from '@aap/observability';
import { HttpProblem, sendProblem, type ProblemError } from './problem';
import { tracingPlugin } from './tracing';
import { registerHealthRoutes, type ReadinessCheck } from './health';
import { authPlugin, type AuthOptions } from './auth';

export type HttpServer = FastifyInstance<any, any, any, Logger, ZodTypeProvider>;

export interface HttpServerOptions {
  service: string;
  version?: string;
  description?: string;
  logger: Logger;
  readiness: ReadinessCheck[];
  auth: AuthOptions;
}

const locations = { body: 'body', querystring: 'query', params: 'params', headers: 'headers' } as const;

/**
 * The fastify instance every service starts from: zod type provider (the same schemas validate
 * requests and produce the OpenAPI document at /openapi.json and /docs), RFC 9457 problem+json
 * errors with one entry per failing field, request tracing, and /health/live + /health/ready.
 */
export async function createHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  const app = Fastify({
    loggerInstance: options.logger,
    requestIdHeader: 'x-request-id',
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

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  await app.register(tracingPlugin);
  // Before any route is added: its onRoute hook refuses routes that do not declare their access.
  await app.register(authPlugin, options.auth);

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: `AAP ${options.service} service`,
        version: options.version ?? '0.1.0',
        description: options.description,
      },
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      },
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true }, config: { access: { public: true } } }, async () => app.swagger());

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof HttpProblem) return sendProblem(reply, error.toProblem(request.url));
    if (hasZodFastifySchemaValidationErrors(error)) {
      const where = locations[(error.validationContext ?? 'body') as keyof typeof locations] ?? 'body';
      const errors: ProblemError[] = error.validation.map((issue) => {
        const path = issue.instancePath.replace(/^\//, '');
        return {
          in: where,
          name: path.split('/').join('.') || where,
          pointer: path ? `#/${path}` : '#', // RFC 6901: '#' is the whole document, '#/' a member named ''
          detail: issue.message ?? 'is invalid',
        };
      });
      return sendProblem(reply, {
        type: 'https://aap.anct.gouv.fr/problems/validation',
        title: 'The request is invalid',
        status: 400,
        detail: `${errors.length} field(s) failed validation`,
        instance: request.url,
        errors,
      });
    }
    if (isResponseSerializationError(error)) {
      request.log.error({ err: error, issues: error.cause.issues }, 'response does not match its schema');
    }
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    return sendProblem(reply, {
      type: status >= 500 ? 'about:blank' : `https://aap.anct.gouv.fr/problems/${error.code ?? 'bad-request'}`,
      title: status >= 500 ? 'Internal server error' : error.message,
      status,
      instance: request.url,
      ...(status < 500 ? { detail: error.message } : {}),
    });
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
