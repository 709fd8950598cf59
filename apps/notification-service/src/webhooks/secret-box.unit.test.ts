import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseSecretKey, SecretBox } from './secret-box';
import { generateSecret } from './signature';

describe('SecretBox: webhook secrets encrypted at rest (AES-256-GCM)', () => {
  const key = randomBytes(32);
  const box = new SecretBox(key);

  it('given a secret, when sealed then opened for the same subscription, then it comes back; the sealed text does not contain it', () => {
    const secret = generateSecret();
    const sealed = box.seal(secret, 'sub-1');
    expect(sealed).toMatch(/^v1\./);
    expect(sealed).not.toContain(secret.slice('whsec_'.length, 20));
    expect(box.open(sealed, 'sub-1')).toBe(secret);
    expect(box.seal(secret, 'sub-1')).not.toBe(sealed); // a fresh IV each time
  });

  it('given a sealed secret, when opened for another subscription, with another key, or altered, then it fails', () => {
    const sealed = box.seal(generateSecret(), 'sub-1');
    expect(() => box.open(sealed, 'sub-2')).toThrow();
    expect(() => new SecretBox(randomBytes(32)).open(sealed, 'sub-1')).toThrow();
    const [version, iv, tag, ciphertext] = sealed.split('.');
    const flipped = Buffer.from(ciphertext!, 'base64url');
    flipped[0] = flipped[0]! ^ 1;
    const altered = `${version}.${iv}.${tag}.${flipped.toString('base64url')}`;
    expect(() => box.open(altered, 'sub-1')).toThrow();
    expect(() => box.open('whsec_plain', 'sub-1')).toThrow('not a sealed webhook secret');
  });

  it('given WEBHOOK_SECRET_KEY as hex or base64, when parsed, then only 32 bytes are accepted', () => {
    expect(parseSecretKey(key.toString('hex'))).toEqual(key);
    expect(parseSecretKey(key.toString('base64'))).toEqual(key);
    expect(parseSecretKey(key.toString('base64url'))).toEqual(key);
    expect(parseSecretKey(randomBytes(16).toString('base64'))).toBeUndefined();
    expect(parseSecretKey('change-me')).toBeUndefined();
  });
});
