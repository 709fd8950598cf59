import http from 'node:http';
import https from 'node:https';
import { DeliveryError } from '../deliveries';
import { TargetRefusedError, type WebhookTargetPolicy } from './target-policy';

export interface WebhookRequestOptions {
  targets: WebhookTargetPolicy;
  timeoutMs: number;
  /** Bytes of the answer read at most (the body is never shown nor stored: it is drained so the receiver is not cut mid-write, then dropped). */
  maxResponseBytes: number;
}

/** Short reasons for the delivery log, by Node's error code. */
const NETWORK_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'DNS: host not found',
  EAI_AGAIN: 'DNS: temporary failure',
  EPIPE: 'connection closed',
  HPE_HEADER_OVERFLOW: 'answer headers too large',
};

function reasonOf(error: Error & { code?: string }): string {
  if (error instanceof TargetRefusedError) return error.refusal.reason;
  const code = error.code ?? '';
  if (NETWORK_REASONS[code]) return NETWORK_REASONS[code]!;
  if (code.startsWith('ERR_TLS') || /CERT|SSL/.test(code)) return `TLS: ${code}`;
  if (code.startsWith('HPE_')) return 'invalid HTTP answer';
  return code ? `network error (${code})` : 'network error';
}

/**
 * POSTs one delivery. The whole exchange (resolution, connection, answer) is bounded by `timeoutMs`;
 * the host is resolved through the target policy's `lookup` (see target-policy.ts); redirects are
 * answers, never followed. Resolves with the 2xx status; throws a DeliveryError whose message is the
 * short reason the subscriber reads (`HTTP 500`, `timeout`, `refused: loopback address`).
 */
export function postWebhook(url: URL, headers: Record<string, string>, body: string, options: WebhookRequestOptions): Promise<{ statusCode: number }> {
  const refusal = options.targets.refusalBeforeConnect(url);
  if (refusal) return Promise.reject(new DeliveryError(refusal.reason));
  const transport = url.protocol === 'https:' ? https : http;

  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.destroy();
      outcome();
    };
    const request = transport.request(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        lookup: options.targets.lookup,
        agent: false, // one connection per delivery: nothing pooled survives a rebinding
        maxHeaderSize: 16 * 1024,
      },
      (response) => {
        const statusCode = response.statusCode ?? 0;
        const done = () =>
          settle(() => {
            if (statusCode >= 200 && statusCode < 300) return resolve({ statusCode });
            const redirect = statusCode >= 300 && statusCode < 400 ? ' (redirects are not followed)' : '';
            reject(new DeliveryError(`HTTP ${statusCode}${redirect}`, { statusCode }));
          });
        let read = 0;
        response.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read >= options.maxResponseBytes) done();
        });
        response.on('end', done);
        response.on('error', done);
      },
    );
    const timer = setTimeout(() => settle(() => reject(new DeliveryError('timeout'))), options.timeoutMs);
    request.on('error', (error) => settle(() => reject(new DeliveryError(reasonOf(error)))));
    request.end(body);
  });
}
