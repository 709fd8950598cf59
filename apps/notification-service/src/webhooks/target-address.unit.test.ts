import { describe, expect, it } from 'vitest';
import { allowListEntryProblem, classifyAddress, normaliseHostname, TargetAllowList } from './target-address';

describe('classifyAddress: only public unicast addresses may receive webhooks', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['::1', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.5.4', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['fc00::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['fe80::1', 'link-local'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['100.127.255.254', 'carrier-grade NAT'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['ff02::1', 'multicast'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['::', 'unspecified'],
    ['255.255.255.255', 'broadcast'],
    ['240.0.0.1', 'reserved or documentation'],
    ['192.0.2.10', 'reserved or documentation'],
    ['198.51.100.7', 'reserved or documentation'],
    ['203.0.113.9', 'reserved or documentation'],
    ['198.18.0.1', 'reserved or documentation'],
    ['2001:db8::1', 'reserved or documentation'],
    ['fec0::1', 'site-local'],
  ])('given %s, when classified, then it is refused as %s', (address, range) => {
    expect(classifyAddress(address)).toMatchObject({ public: false, range });
  });

  it.each([
    ['::ffff:127.0.0.1', 'loopback (embedded IPv4 127.0.0.1)'],
    ['::ffff:7f00:1', 'loopback (embedded IPv4 127.0.0.1)'],
    ['[::ffff:7f00:1]', 'loopback (embedded IPv4 127.0.0.1)'],
    ['::ffff:10.1.2.3', 'private (embedded IPv4 10.1.2.3)'],
    ['::ffff:169.254.169.254', 'link-local (embedded IPv4 169.254.169.254)'],
    ['64:ff9b::7f00:1', 'loopback (embedded IPv4 127.0.0.1)'],
    ['64:ff9b::a9fe:a9fe', 'link-local (embedded IPv4 169.254.169.254)'],
    ['::7f00:1', 'loopback (embedded IPv4 127.0.0.1)'],
    ['::8.8.8.8', 'IPv4-compatible (deprecated)'],
  ])('given %s, an IPv6 form of an IPv4 address, when classified, then it is judged by the embedded address: %s', (address, range) => {
    expect(classifyAddress(address)).toMatchObject({ public: false, range });
  });

  it.each(['8.8.8.8', '93.184.215.14', '2606:4700:4700::1111', '2a01:e0a::1', '::ffff:8.8.8.8', '64:ff9b::808:808'])('given the public address %s, when classified, then it is public', (address) => {
    expect(classifyAddress(address)).toMatchObject({ public: true });
  });

  it('given something that is not an IP address, when classified, then it is refused', () => {
    expect(classifyAddress('localhost')).toMatchObject({ public: false, range: 'not an IP address' });
    expect(classifyAddress('127.1')).toMatchObject({ public: false, range: 'not an IP address' });
  });
});

describe('the WHATWG URL parser normalises every IPv4 notation before the check', () => {
  it.each([
    ['http://2130706433/', '127.0.0.1'],
    ['http://0x7f000001/', '127.0.0.1'],
    ['http://0x7f.1/', '127.0.0.1'],
    ['http://0177.0.0.1/', '127.0.0.1'],
    ['http://0177.1/', '127.0.0.1'],
    ['http://127.1/', '127.0.0.1'],
    ['http://0/', '0.0.0.0'],
    ['http://0xA9FEA9FE/', '169.254.169.254'],
    ['http://[::ffff:127.0.0.1]/', '[::ffff:7f00:1]'],
    ['http://[0:0:0:0:0:ffff:7f00:0001]/', '[::ffff:7f00:1]'],
    ['http://LOCALHOST./', 'localhost.'],
  ])('given %s, when parsed, then the host is %s and is refused', (url, hostname) => {
    const parsed = new URL(url);
    expect(parsed.hostname).toBe(hostname);
    if (hostname !== 'localhost.') expect(classifyAddress(parsed.hostname).public).toBe(false);
  });
});

describe('TargetAllowList', () => {
  const allowList = new TargetAllowList(['127.0.0.1', '10.20.0.0/16', 'fd00::/8', 'Hooks.Internal.example.']);

  it('given allow-listed addresses and blocks, when checked, then they and only they are admitted', () => {
    expect(allowList.admitsAddress('127.0.0.1')).toBe(true);
    expect(allowList.admitsAddress('127.0.0.2')).toBe(false);
    expect(allowList.admitsAddress('10.20.3.4')).toBe(true);
    expect(allowList.admitsAddress('10.21.0.1')).toBe(false);
    expect(allowList.admitsAddress('[fd00::5]')).toBe(true);
    expect(allowList.admitsAddress('not-an-address')).toBe(false);
  });

  it('given an allow-listed name, when checked in any case and with a trailing dot, then it is admitted', () => {
    expect(allowList.admitsName('hooks.internal.example')).toBe(true);
    expect(allowList.admitsName('HOOKS.internal.EXAMPLE.')).toBe(true);
    expect(allowList.admitsName('other.internal.example')).toBe(false);
  });

  it('given the entries of WEBHOOK_ALLOWED_HOSTS, when checked at start-up, then malformed ones are named', () => {
    expect(['127.0.0.1', '10.0.0.0/8', '::1/128', 'receivers.test'].map(allowListEntryProblem)).toEqual([undefined, undefined, undefined, undefined]);
    expect(allowListEntryProblem('10.0.0.0/33')).toMatch('not a CIDR block');
    expect(allowListEntryProblem('hooks/8')).toMatch('not a CIDR block');
    expect(allowListEntryProblem('http://x')).toMatch('neither a host name nor an IP address');
  });

  it('normalises host names: lower case, no brackets, no trailing dots', () => {
    expect(normaliseHostname('LocalHost..')).toBe('localhost');
    expect(normaliseHostname('[::1]')).toBe('::1');
  });
});
