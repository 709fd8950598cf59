import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { z } from 'zod';
import { pino } from 'pino';
import { createHttpServer, type HttpServer } from './server';
import { controlCharacterErrors } from './control-characters';
import { PROBLEM_CONTENT_TYPE } from './problem';
import { DEVELOPMENT_JWT_SECRET } from './dev-tokens';

describe('controlCharacterErrors (which request strings hold control characters)', () => {
  it.each([
    ['NUL', '\u0000', 'U+0000'],
    ['bell', 'a\u0007b', 'U+0007'],
    ['vertical tab', 'a\u000Bb', 'U+000B'],
    ['escape', '\u001B[31mred', 'U+001B'],
    ['DEL', 'x\u007F', 'U+007F'],
  ])('given a string with %s, then it names the field and the character', (_name, value, code) => {
    expect(controlCharacterErrors({ body: { title: value } })).toEqual([
      { in: 'body', name: 'title', pointer: '#/title', detail: expect.stringContaining(code) },
    ]);
  });

  it('given tab, line feed, carriage return and any other text, then nothing is refused', () => {
    expect(controlCharacterErrors({ body: { summary: 'line 1\r\nline 2\tindented — é ✓ 😀 \u0085' }, query: { q: 'ok' }, params: { id: 'd-1' } })).toEqual([]);
  });

  it('for any text: refused exactly when it holds a C0 control other than tab, LF, CR, or DEL', () => {
    const refused = (text: string) => [...text].some((char) => (char < ' ' && !'\t\n\r'.includes(char)) || char === '\u007F');
    fc.assert(
      // Half the characters ASCII (controls are 33 of 128), half any code point.
      fc.property(fc.string({ unit: fc.oneof(fc.integer({ min: 0, max: 0x7f }).map((code) => String.fromCharCode(code)), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })), maxLength: 20 }), (text) => {
        expect(controlCharacterErrors({ body: { text } }).length).toBe(refused(text) ? 1 : 0);
      }),
      { numRuns: 2_000 },
    );
  });

  it('given nested objects, arrays, the query and the path, then each failing string is named where it is', () => {
    const errors = controlCharacterErrors({
      body: { budget: { lines: [{ label: 'ok' }, { label: 'bad\u0000' }] }, count: 3, flag: true, none: null },
      query: { search: '\u0001' },
      params: { dossierId: 'd\u0000' },
    });
    expect(errors.map(({ in: where, name, pointer }) => ({ where, name, pointer }))).toEqual([
      { where: 'body', name: 'budget.lines.1.label', pointer: '#/budget/lines/1/label' },
      { where: 'query', name: 'search', pointer: '#/search' },
      { where: 'params', name: 'dossierId', pointer: '#/dossierId' },
    ]);
  });

  it('given a key holding a control character, then the key is named; a bare string body is the body', () => {
    expect(controlCharacterErrors({ body: { 'a\u0000': 1 } })[0]).toMatchObject({ in: 'body', detail: expect.stringMatching(/^its name holds/) });
    expect(controlCharacterErrors({ body: '\u0000' })).toEqual([{ in: 'body', name: 'body', pointer: '#', detail: expect.any(String) }]);
  });

  it('given a buffer, a stream or a cycle, then binary data is not read and the walk ends', () => {
    const cyclic: Record<string, unknown> = { value: 'fine' };
    cyclic.self = cyclic;
    const stream = { pipe: () => undefined, name: '\u0000' };
    expect(controlCharacterErrors({ body: { file: Buffer.from([0, 1, 2]), stream, cyclic } })).toEqual([]);
  });
});

describe('a service refusing control characters on every route', () => {
  let app: HttpServer;

  beforeAll(async () => {
    app = await createHttpServer({ service: 'test', logger: pino({ level: 'silent' }), readiness: [], auth: { jwtSecret: DEVELOPMENT_JWT_SECRET } });
    const PUBLIC = { access: { public: true } } as const;
    app.post(
      '/dossiers/:id',
      { config: PUBLIC, schema: { params: z.object({ id: z.string() }), querystring: z.object({ note: z.string().optional() }), body: z.object({ title: z.string() }) } },
      async (request) => ({ title: request.body.title }),
    );
    await app.ready();
  });
  afterAll(() => app.close());

  const post = (url: string, body: unknown) => app.inject({ method: 'POST', url, payload: body as object });

  it('given a NUL in a JSON body field, then 400 problem+json naming the field', async () => {
    const answer = await post('/dossiers/d-1', { title: 'Projet\u0000' });
    expect(answer.statusCode).toBe(400);
    expect(answer.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(answer.json()).toMatchObject({
      type: 'https://aap.anct.gouv.fr/problems/validation',
      status: 400,
      errors: [{ in: 'body', name: 'title', pointer: '#/title', detail: expect.stringContaining('U+0000') }],
    });
  });

  it('given control characters in the query and the path, then 400 naming each', async () => {
    const answer = await post('/dossiers/d%00?note=%07', { title: 'fine' });
    expect(answer.statusCode).toBe(400);
    expect(answer.json().errors.map((error: { in: string; name: string }) => `${error.in}:${error.name}`)).toEqual(['query:note', 'params:id']);
  });

  it('given tab and new lines, then the request is served', async () => {
    const answer = await post('/dossiers/d-1?note=a%09b', { title: 'Projet\n\tsuite\r\n' });
    expect(answer.statusCode).toBe(200);
    expect(answer.json()).toEqual({ title: 'Projet\n\tsuite\r\n' });
  });
});
