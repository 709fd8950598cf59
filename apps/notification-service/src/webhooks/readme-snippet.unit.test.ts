import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSecret, sign, signatureHeaders } from './signature';

/** The verification snippet of the README, run as written against what the service sends. */
describe('the README verification snippet', () => {
  let verifyAapWebhook: (secret: string, headers: Record<string, string | undefined>, rawBody: string) => unknown;
  let directory: string;

  beforeAll(async () => {
    const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
    const snippet = /### Verifying a delivery[\s\S]*?```js\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(snippet).toBeDefined();
    directory = await mkdtemp(join(tmpdir(), 'aap-snippet-'));
    const file = join(directory, 'verify.mjs');
    await writeFile(file, snippet!);
    ({ verifyAapWebhook } = await import(/* @vite-ignore */ pathToFileURL(file).href));
  });

  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  const body = JSON.stringify({ specversion: '1.0', id: 'evt-1', type: 'dossier.accepted.v1', data: { grantCents: 12_000_000 } });

  it('accepts a delivery signed by the service and returns the CloudEvent', () => {
    const secret = generateSecret();
    expect(verifyAapWebhook(secret, signatureHeaders(secret, 'evt-1', body), body)).toMatchObject({ id: 'evt-1', type: 'dossier.accepted.v1' });
  });

  it('rejects a wrong signature: another secret, a modified body, another id', () => {
    const secret = generateSecret();
    const headers = signatureHeaders(secret, 'evt-1', body);
    expect(() => verifyAapWebhook(generateSecret(), headers, body)).toThrow('wrong signature');
    expect(() => verifyAapWebhook(secret, headers, body.replace('12000000', '99000000'))).toThrow('wrong signature');
    expect(() => verifyAapWebhook(secret, { ...headers, 'webhook-id': 'evt-2' }, body)).toThrow('wrong signature');
  });

  it('rejects a stale timestamp (a replayed request) and missing headers', () => {
    const secret = generateSecret();
    const old = Math.floor(Date.now() / 1000) - 301;
    const replayed = { 'webhook-id': 'evt-1', 'webhook-timestamp': String(old), 'webhook-signature': sign(secret, 'evt-1', old, body) };
    expect(() => verifyAapWebhook(secret, replayed, body)).toThrow('possible replay');
    expect(() => verifyAapWebhook(secret, { 'webhook-id': 'evt-1' }, body)).toThrow('missing webhook headers');
  });
});
