/**
 * Encryption at rest for secrets (kubeconfigs): AES-256-GCM with a random 96-bit nonce per message.
 * Sealed form: `v1:<base64(nonce | tag | ciphertext)>`, so the format can change later.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

const VERSION = 'v1';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export class SecretBox {
  private readonly key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== 32) throw new Error(`encryption key must be 32 bytes, got ${key.length}`);
    this.key = Buffer.from(key);
  }

  seal(plaintext: string): string {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce);
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `${VERSION}:${Buffer.concat([nonce, cipher.getAuthTag(), body]).toString('base64')}`;
  }

  open(sealed: string): string {
    const [version, payload] = sealed.split(':', 2);
    if (version !== VERSION || !payload) throw new Error('sealed secret has an unknown format');
    const raw = Buffer.from(payload, 'base64');
    const nonce = raw.subarray(0, NONCE_BYTES);
    const tag = raw.subarray(NONCE_BYTES, NONCE_BYTES + TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', this.key, nonce);
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([
        decipher.update(raw.subarray(NONCE_BYTES + TAG_BYTES)),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      throw new Error(
        'sealed secret could not be decrypted: wrong LWS_ENCRYPTION_KEY or tampered data',
      );
    }
  }
}

/** Parses LWS_ENCRYPTION_KEY: 32 bytes as 64 hex digits or as base64. */
export function parseEncryptionKey(value: string): Buffer {
  const trimmed = value.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, 'hex');
  const decoded = Buffer.from(trimmed, 'base64');
  if (decoded.length === 32 && /^[A-Za-z0-9+/=_-]+$/.test(trimmed)) return decoded;
  throw new Error(
    'LWS_ENCRYPTION_KEY must be 32 bytes, given as 64 hex digits or as base64 (openssl rand -base64 32)',
  );
}

/**
 * The key from LWS_ENCRYPTION_KEY, or else a development key kept in `devKeyPath` (created on first
 * use). `warn` is called once when the development key is used, never with the key itself.
 */
export function loadEncryptionKey(
  envValue: string | undefined,
  devKeyPath: string,
  warn: (message: string) => void,
): Buffer {
  if (envValue !== undefined && envValue.trim() !== '') return parseEncryptionKey(envValue);
  let created = false;
  if (!existsSync(devKeyPath)) {
    mkdirSync(dirname(devKeyPath), { recursive: true });
    try {
      writeFileSync(devKeyPath, randomBytes(32).toString('hex') + '\n', {
        mode: 0o600,
        flag: 'wx',
      });
      created = true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  warn(
    `LWS_ENCRYPTION_KEY is not set: kubeconfigs are encrypted with a development key ${created ? 'generated into' : 'read from'} ${devKeyPath}. Set LWS_ENCRYPTION_KEY (32 bytes, hex or base64) in production.`,
  );
  return parseEncryptionKey(readFileSync(devKeyPath, 'utf8'));
}
