import { BlockList, isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

// Checked with the other settings at start-up (config.ts).
export { allowListEntryProblem } from '../config';

/**
 * Which IP addresses a webhook may reach: public unicast only. Ranges come from ipaddr.js (its IANA
 * special-purpose registry), so loopback, private (RFC 1918, fc00::/7), link-local, CGNAT,
 * multicast, unspecified, broadcast, reserved and documentation addresses are all refused; an
 * address that embeds an IPv4 one (IPv4-mapped, NAT64) is judged by the embedded address.
 */
export type AddressVerdict = { public: true; address: string } | { public: false; address: string; range: string };

/** What ipaddr.js calls a range → the words of a refusal. */
const RANGE_NAMES: Record<string, string> = {
  unspecified: 'unspecified',
  broadcast: 'broadcast',
  multicast: 'multicast',
  linkLocal: 'link-local',
  loopback: 'loopback',
  carrierGradeNat: 'carrier-grade NAT',
  private: 'private',
  uniqueLocal: 'private',
  reserved: 'reserved or documentation',
  benchmarking: 'reserved or documentation',
  deprecatedSiteLocal: 'site-local',
};

/** IPv4-compatible IPv6 (::a.b.c.d, deprecated): ipaddr.js calls it unicast, the kernel routes it to the IPv4 address. */
const IPV4_COMPATIBLE = ipaddr.parseCIDR('::/96');

function embeddedIPv4(address: ipaddr.IPv6): ipaddr.IPv4 | undefined {
  const range = address.range();
  if (range === 'ipv4Mapped' || range === 'rfc6052' || (range === 'unicast' && address.match(IPV4_COMPATIBLE))) {
    return new ipaddr.IPv4(address.toByteArray().slice(-4));
  }
  return undefined;
}

/**
 * IPv6 text in the WHATWG parser's canonical form: ipaddr.js reads a dotted tail (`::8.8.8.8`) as
 * IPv4-mapped, while the URL parser and the kernel read it as `::808:808`.
 */
function canonicalIPv6(text: string): string {
  return new URL(`http://[${text}]/`).hostname.slice(1, -1);
}

/** The verdict on one IP address (text as Node's resolver or the WHATWG URL parser gives it). */
export function classifyAddress(text: string): AddressVerdict {
  const bare = text.replace(/^\[|\]$/g, '');
  if (isIP(bare) === 0) return { public: false, address: bare, range: 'not an IP address' };
  const parsed = ipaddr.parse(isIP(bare) === 6 ? canonicalIPv6(bare) : bare);
  const address = parsed.toString();
  if (parsed.kind() === 'ipv6') {
    const v6 = parsed as ipaddr.IPv6;
    const embedded = embeddedIPv4(v6);
    if (embedded) {
      const inner = classifyAddress(embedded.toString());
      if (!inner.public) return { public: false, address, range: `${inner.range} (embedded IPv4 ${inner.address})` };
      // A public IPv4 reached through mapping or NAT64 is that public host; the deprecated ::/96 form is refused outright.
      if (v6.range() === 'ipv4Mapped' || v6.range() === 'rfc6052') return { public: true, address };
      return { public: false, address, range: 'IPv4-compatible (deprecated)' };
    }
  }
  const range = parsed.range();
  if (range === 'unicast') return { public: true, address };
  return { public: false, address, range: RANGE_NAMES[range] ?? `special-purpose (${range})` };
}

/**
 * The operator's allow-list (WEBHOOK_ALLOWED_HOSTS): host names (exact, case- and trailing-dot
 * insensitive) and IP addresses or CIDR blocks. An allow-listed name may resolve to anything; an
 * address is admitted when it falls in an allow-listed block.
 */
export class TargetAllowList {
  private readonly names = new Set<string>();
  private readonly blocks = new BlockList();

  constructor(entries: readonly string[]) {
    for (const entry of entries) {
      const [base, prefix] = entry.split('/');
      const family = isIP(base ?? '');
      if (family) {
        const type = family === 4 ? 'ipv4' : 'ipv6';
        this.blocks.addSubnet(base!, prefix === undefined ? (family === 4 ? 32 : 128) : Number(prefix), type);
      } else {
        this.names.add(normaliseHostname(entry));
      }
    }
  }

  admitsName(hostname: string): boolean {
    return this.names.has(normaliseHostname(hostname));
  }

  admitsAddress(address: string): boolean {
    const bare = address.replace(/^\[|\]$/g, '');
    const family = isIP(bare);
    return family !== 0 && this.blocks.check(bare, family === 4 ? 'ipv4' : 'ipv6');
  }
}

/** Lower case, without the brackets of an IPv6 literal or the trailing dots of a fully-qualified name. */
export function normaliseHostname(hostname: string): string {
  return hostname.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.+$/, '');
}

