import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { parseSecretKey } from '../config';

// Parsed with the other settings (config.ts), used here to open the box.
export { parseSecretKey };

/**
 * Webhook secrets at rest: AES-256-GCM under WEBHOOK_SECRET_KEY (the HMAC needs the secret itself,
 * so it is encrypted, not hashed). The subscription id is the associated data: a ciphertext copied
 * onto another subscription does not decrypt. Stored as `v1.<iv>.<tag>.<ciphertext>` (base64url).
 */
const VERSION = 'v1';

/**
 * Outside production only, when no key is configured: a key anyone can derive from this file. It
 * protects nothing and is refused in production (config.ts), where WEBHOOK_SECRET_KEY is required.
 */
export const DEVELOPMENT_SECRET_KEY = createHash('sha256').update('aap-notification development webhook secret key').digest();


export class SecretBox {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('the webhook secret key must be 32 bytes');
  }

  seal(secret: string, subscriptionId: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv).setAAD(Buffer.from(subscriptionId, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    return [VERSION, iv, cipher.getAuthTag(), ciphertext].map((part) => (typeof part === 'string' ? part : part.toString('base64url'))).join('.');
  }

  /** Throws when the key is not the one that sealed it, or the value was tampered with. */
  open(sealed: string, subscriptionId: string): string {
    const [version, iv, tag, ciphertext] = sealed.split('.');
    if (version !== VERSION || !iv || !tag || ciphertext === undefined) throw new Error('not a sealed webhook secret');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'))
      .setAAD(Buffer.from(subscriptionId, 'utf8'))
      .setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
  }
}
