import { isIP } from 'node:net';
import type { LookupAddress } from 'node:dns';
import { describe, expect, it } from 'vitest';
import { TargetAllowList } from './target-address';
import { TargetRefusedError, WebhookTargetPolicy, type HostResolver } from './target-policy';

const names: Record<string, string[]> = {
  'hooks.example.fr': ['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c'],
  'internal.test': ['127.0.0.1'],
  'mixed.test': ['93.184.215.14', '10.1.2.3'],
  'metadata.test': ['169.254.169.254'],
  'receivers.test': ['127.0.0.1'],
};
const resolve: HostResolver = async (hostname) => {
  const addresses = names[hostname];
  if (!addresses) throw Object.assign(new Error(`${hostname} not found`), { code: 'ENOTFOUND' });
  return addresses.map((address) => ({ address, family: isIP(address) }));
};
const policy = (options: { requireHttps?: boolean; allowed?: string[] } = {}) =>
  new WebhookTargetPolicy({ allowList: new TargetAllowList(options.allowed ?? []), requireHttps: options.requireHttps ?? false, resolve, resolveTimeoutMs: 1_000 });

describe('WebhookTargetPolicy at registration', () => {
  it('given a name resolving to public addresses only, when registering, then it is accepted', async () => {
    expect(await policy().refusalsOf(new URL('https://hooks.example.fr/aap'))).toEqual([]);
  });

  it.each([
    ['http://internal.test/', 'internal.test resolves to a loopback address'],
    ['http://INTERNAL.test./', 'INTERNAL.test. resolves to a loopback address'.toLowerCase()],
    ['http://mixed.test/', 'mixed.test resolves to a private address'],
    ['http://metadata.test/latest', 'metadata.test resolves to a link-local address'],
    ['http://localhost:27017/', 'localhost is a loopback name'],
    ['http://api.localhost/', 'api.localhost is a loopback name'],
    ['http://127.0.0.1:3004/health/ready', '127.0.0.1 is a loopback address (127.0.0.1)'],
    ['http://[::ffff:7f00:1]/', 'is a loopback (embedded IPv4 127.0.0.1) address'],
  ])('given %s, when registering, then it is refused by webhook-target-public: %s', async (url, detail) => {
    const refusals = await policy().refusalsOf(new URL(url));
    expect(refusals).toEqual([expect.objectContaining({ rule: 'webhook-target-public', detail: expect.stringContaining(detail) })]);
  });

  it('given a name, when refused, then the detail does not echo the internal address it resolved to', async () => {
    const [refusal] = await policy().refusalsOf(new URL('http://mixed.test/'));
    expect(refusal!.detail).not.toContain('10.1.2.3');
  });

  it('given a name that does not resolve, when registering, then it is refused by webhook-target-resolvable', async () => {
    expect(await policy().refusalsOf(new URL('https://nowhere.test/'))).toEqual([expect.objectContaining({ rule: 'webhook-target-resolvable' })]);
  });

  it('given production, when registering an http URL, then webhook-target-https refuses it (and a private target is named too)', async () => {
    expect(await policy({ requireHttps: true }).refusalsOf(new URL('https://hooks.example.fr/'))).toEqual([]);
    expect((await policy({ requireHttps: true }).refusalsOf(new URL('http://internal.test/'))).map((r) => r.rule)).toEqual(['webhook-target-https', 'webhook-target-public']);
  });

  it('given the operator allow-list, when registering an allow-listed name or address, then it is admitted', async () => {
    const allowing = policy({ allowed: ['receivers.test', '10.0.0.0/8'] });
    expect(await allowing.refusalsOf(new URL('http://receivers.test:4000/hook'))).toEqual([]);
    expect(await allowing.refusalsOf(new URL('http://10.9.8.7/hook'))).toEqual([]);
    expect(await allowing.refusalsOf(new URL('http://mixed.test/'))).toEqual([]); // 10.1.2.3 is in 10.0.0.0/8
    expect((await allowing.refusalsOf(new URL('http://127.0.0.1/'))).map((r) => r.rule)).toEqual(['webhook-target-public']);
  });
});

describe('WebhookTargetPolicy at connection: the lookup the HTTP request resolves through', () => {
  const lookup = (target: WebhookTargetPolicy, hostname: string, all: boolean) =>
    new Promise<{ error: Error | null; addresses: string | LookupAddress[] }>((done) =>
      target.lookup(hostname, { all }, (error, addresses) => done({ error, addresses })),
    );

  it('given a public name, when connecting, then it returns the checked addresses (one, or all for family selection)', async () => {
    expect(await lookup(policy(), 'hooks.example.fr', false)).toEqual({ error: null, addresses: '93.184.215.14' });
    expect((await lookup(policy(), 'hooks.example.fr', true)).addresses).toHaveLength(2);
  });

  it('given a name resolving to a non-public address, when connecting, then the lookup fails with the refusal and no address', async () => {
    const { error } = await lookup(policy(), 'internal.test', true);
    expect(error).toBeInstanceOf(TargetRefusedError);
    expect((error as TargetRefusedError).refusal.reason).toBe('refused: loopback address');
  });

  it('given a literal address (Node does not look those up), when connecting, then it is checked before', () => {
    expect(policy().refusalBeforeConnect(new URL('http://[::1]:8080/'))).toMatchObject({ reason: 'refused: loopback address' });
    expect(policy().refusalBeforeConnect(new URL('http://hooks.example.fr/'))).toBeUndefined();
    expect(policy({ requireHttps: true }).refusalBeforeConnect(new URL('http://hooks.example.fr/'))).toMatchObject({ reason: 'refused: https required' });
  });
});
