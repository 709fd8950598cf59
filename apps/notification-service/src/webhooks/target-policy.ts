import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP, type LookupFunction } from 'node:net';
import { classifyAddress, normaliseHostname, type TargetAllowList } from './target-address';

/**
 * Where a webhook may be sent (SSRF): checked at registration on the URL, and again at delivery on
 * the addresses actually connected to — the HTTP request resolves the name through `lookup` below,
 * which refuses before the socket connects, so a name that resolved to a public address at
 * registration and to an internal one later (DNS rebinding) reaches nothing.
 */
export interface ResolvedAddress {
  address: string;
  family: number;
}

/** Every address of a host name (injectable: tests make names resolve where they need). */
export type HostResolver = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolver: HostResolver = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

export const TARGET_RULES = {
  /** The target is, or resolves to, an address that is not public unicast. */
  public: 'webhook-target-public',
  /** Production sends only over TLS. */
  https: 'webhook-target-https',
  /** The host name does not resolve. */
  resolvable: 'webhook-target-resolvable',
} as const;

export interface TargetRefusal {
  rule: (typeof TARGET_RULES)[keyof typeof TARGET_RULES];
  /** For the registering caller: names the URL's host and what it is. */
  detail: string;
  /** For the delivery log: short, names no address a resolver returned. */
  reason: string;
}

/** Raised inside the connection's lookup; the request fails with it. */
export class TargetRefusedError extends Error {
  override name = 'TargetRefusedError';
  constructor(readonly refusal: TargetRefusal) {
    super(refusal.detail);
  }
}

export interface TargetPolicyOptions {
  allowList: TargetAllowList;
  requireHttps: boolean;
  resolve: HostResolver;
  resolveTimeoutMs: number;
}

/** RFC 6761: these names are loopback whatever a resolver says. */
const LOOPBACK_NAME = /(^|\.)localhost$/;

export class WebhookTargetPolicy {
  constructor(private readonly options: TargetPolicyOptions) {}

  /** Registration: why this URL may not receive webhooks (empty: it may). */
  async refusalsOf(url: URL): Promise<TargetRefusal[]> {
    const refusals: TargetRefusal[] = [];
    const https = this.httpsRefusal(url);
    if (https) refusals.push(https);
    const host = await this.judgeHost(url.hostname);
    if ('refusal' in host) refusals.push(host.refusal);
    return refusals;
  }

  /** Delivery, before connecting: the scheme, and a literal IP host (Node does not call `lookup` for those). */
  refusalBeforeConnect(url: URL): TargetRefusal | undefined {
    const https = this.httpsRefusal(url);
    if (https) return https;
    const hostname = normaliseHostname(url.hostname);
    return isIP(hostname) ? this.judgeAddresses(url.hostname, [hostname], true) : undefined;
  }

  /** For `http.request({ lookup })`: resolves, refuses any non-public address, and connects to exactly what it checked. */
  readonly lookup: LookupFunction = (hostname, options, callback) => {
    this.judgeHost(hostname).then(
      (verdict) => {
        if ('refusal' in verdict) return callback(new TargetRefusedError(verdict.refusal), '', 0);
        const wanted = verdict.addresses.filter((a) => !options.family || a.family === options.family);
        if (wanted.length === 0) return callback(Object.assign(new Error(`${hostname} has no address of family ${options.family}`), { code: 'ENOTFOUND' }), '', 0);
        if (options.all) return callback(null, wanted);
        callback(null, wanted[0]!.address, wanted[0]!.family);
      },
      (error: Error) => callback(error as NodeJS.ErrnoException, '', 0),
    );
  };

  private httpsRefusal(url: URL): TargetRefusal | undefined {
    if (!this.options.requireHttps || url.protocol === 'https:') return undefined;
    return { rule: TARGET_RULES.https, detail: `${url.protocol.slice(0, -1)} is refused: webhooks are sent over https only`, reason: 'refused: https required' };
  }

  private async judgeHost(rawHostname: string): Promise<{ addresses: ResolvedAddress[] } | { refusal: TargetRefusal }> {
    const hostname = normaliseHostname(rawHostname);
    const family = isIP(hostname);
    if (family) {
      const refusal = this.judgeAddresses(rawHostname, [hostname], true);
      return refusal ? { refusal } : { addresses: [{ address: hostname, family }] };
    }
    if (LOOPBACK_NAME.test(hostname) && !this.options.allowList.admitsName(hostname)) {
      return { refusal: { rule: TARGET_RULES.public, detail: `${rawHostname} is a loopback name`, reason: 'refused: loopback address' } };
    }
    let addresses: ResolvedAddress[];
    try {
      addresses = await this.resolve(hostname);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      return { refusal: { rule: TARGET_RULES.resolvable, detail: `${rawHostname} does not resolve (${code})`, reason: `DNS: ${code}` } };
    }
    if (addresses.length === 0) return { refusal: { rule: TARGET_RULES.resolvable, detail: `${rawHostname} has no address`, reason: 'DNS: no address' } };
    if (this.options.allowList.admitsName(hostname)) return { addresses };
    const refusal = this.judgeAddresses(rawHostname, addresses.map((a) => a.address), false);
    return refusal ? { refusal } : { addresses };
  }

  /** The first address that is neither public nor allow-listed; `literal`: the caller typed it, so naming it tells nothing new. */
  private judgeAddresses(hostname: string, addresses: string[], literal: boolean): TargetRefusal | undefined {
    for (const address of addresses) {
      if (this.options.allowList.admitsAddress(address)) continue;
      const verdict = classifyAddress(address);
      if (verdict.public) continue;
      return {
        rule: TARGET_RULES.public,
        // A name's resolved address is not echoed: that would turn registration into an internal DNS oracle.
        detail: literal ? `${hostname} is a ${verdict.range} address (${verdict.address}), not a public one` : `${hostname} resolves to a ${verdict.range} address, not a public one`,
        reason: `refused: ${verdict.range} address`,
      };
    }
    return undefined;
  }

  private async resolve(hostname: string): Promise<ResolvedAddress[]> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(Object.assign(new Error(`resolving ${hostname} timed out`), { code: 'ETIMEOUT' })), this.options.resolveTimeoutMs);
    });
    try {
      return await Promise.race([this.options.resolve(hostname), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
