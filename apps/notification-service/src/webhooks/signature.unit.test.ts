import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateSecret, sign, signatureHeaders, verify } from './signature';

describe('webhook signatures (Standard Webhooks scheme)', () => {
  const body = JSON.stringify({ specversion: '1.0', id: 'evt-1', type: 'dossier.accepted.v1', data: { dossierId: 'd-1' } });
  const now = new Date('2026-03-01T10:00:00Z');

  it('signs "<id>.<timestamp>.<body>" with HMAC-SHA256 keyed by the base64-decoded secret', () => {
    const key = Buffer.from('0123456789abcdef0123456789abcdef');
    const secret = `whsec_${key.toString('base64')}`;
    const expected = createHmac('sha256', key).update(`msg_1.1772359200.${body}`).digest('base64');
    expect(sign(secret, 'msg_1', 1772359200, body)).toBe(`v1,${expected}`);
  });

  it('matches the reference vector of the Standard Webhooks specification', () => {
    // From github.com/standard-webhooks/standard-webhooks (libraries' shared test vector).
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const signature = sign(secret, 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}');
    expect(signature).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('generates a fresh 32-byte secret each time', () => {
    const a = generateSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(generateSecret()).not.toBe(a);
  });

  it('accepts what it signed, within the tolerance', () => {
    const secret = generateSecret();
    const headers = signatureHeaders(secret, 'evt-1', body, now);
    expect(headers['webhook-timestamp']).toBe('1772359200');
    expect(verify(secret, headers, body, { now: new Date(now.getTime() + 299_000) })).toEqual({ ok: true });
  });

  it('refuses a wrong secret, a modified body, a stale or future timestamp, and missing headers', () => {
    const secret = generateSecret();
    const headers = signatureHeaders(secret, 'evt-1', body, now);
    expect(verify(generateSecret(), headers, body, { now })).toEqual({ ok: false, reason: 'bad-signature' });
    expect(verify(secret, headers, body.replace('d-1', 'd-2'), { now })).toEqual({ ok: false, reason: 'bad-signature' });
    expect(verify(secret, { ...headers, 'webhook-id': 'evt-2' }, body, { now })).toEqual({ ok: false, reason: 'bad-signature' });
    expect(verify(secret, headers, body, { now: new Date(now.getTime() + 301_000) })).toEqual({ ok: false, reason: 'stale-timestamp' });
    expect(verify(secret, headers, body, { now: new Date(now.getTime() - 301_000) })).toEqual({ ok: false, reason: 'stale-timestamp' });
    expect(verify(secret, { ...headers, 'webhook-signature': undefined }, body, { now })).toEqual({ ok: false, reason: 'missing-headers' });
  });

  it('accepts when one of several space-separated signatures is valid (secret rotation)', () => {
    const secret = generateSecret();
    const headers = signatureHeaders(secret, 'evt-1', body, now);
    const rotated = { ...headers, 'webhook-signature': `${sign(generateSecret(), 'evt-1', 1772359200, body)} ${headers['webhook-signature']}` };
    expect(verify(secret, rotated, body, { now })).toEqual({ ok: true });
  });
});
