import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { pino } from 'pino';
import { createHttpServer } from './server';
import { DEVELOPMENT_JWT_SECRET } from './dev-tokens';
import { COMMAND_REFUSALS, problemStatusesOf } from './openapi';

describe('the error answers an operation documents', () => {
  it('follow from its access, its path, its rate limit and what it declares', () => {
    expect(problemStatusesOf({ url: '/calls', config: { access: { public: true } } }, true)).toEqual([400, 429, 503]);
    expect(problemStatusesOf({ url: '/calls/:callId/publish', config: { access: { roles: ['programme-manager'] }, problems: COMMAND_REFUSALS } }, true)).toEqual([
      400, 401, 403, 404, 409, 422, 429, 503,
    ]);
    expect(problemStatusesOf({ url: '/calls', config: { access: { roles: ['programme-manager'] } }, schema: { body: {} } }, true)).toEqual([400, 401, 403, 413, 415, 429, 503]);
    expect(problemStatusesOf({ url: '/calls', config: { access: { roles: ['admin'] } } }, false)).toEqual([400, 401, 403, 503]);
    // Probes are never rate-limited nor refused by admission control.
    expect(problemStatusesOf({ url: '/health/live', config: { access: { public: true }, rateLimit: false } as never }, true)).toEqual([400]);
  });

  it('appear in the document as problem+json, with the security of the route, the route itself unchanged', async () => {
    const app = await createHttpServer({ service: 'test', logger: pino({ level: 'silent' }), readiness: [], auth: { jwtSecret: DEVELOPMENT_JWT_SECRET }, rateLimitPerMinute: 10 });
    app.post('/things/:thingId', { config: { access: { roles: ['admin'] }, problems: [409] }, schema: { operationId: 'touchThing', response: { 200: z.object({}) } } }, async () => ({}));
    app.get('/open', { config: { access: { public: true } }, schema: { operationId: 'readOpen' } }, async () => ({}));
    await app.ready();
    const document = app.swagger() as unknown as { paths: Record<string, Record<string, { security: unknown[]; responses: Record<string, { content?: Record<string, unknown> }> }>> };
    const touch = document.paths['/things/{thingId}']!.post!;
    expect(Object.keys(touch.responses)).toEqual(['200', '400', '401', '403', '404', '409', '429', '503']);
    expect(Object.keys(touch.responses['409']!.content!)).toEqual(['application/problem+json']);
    expect(touch.security).toEqual([{ bearer: [] }]);
    expect(document.paths['/open']!.get!.security).toEqual([]);
    await app.close();
  });
});
