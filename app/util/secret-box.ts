// AES-256-GCM for secrets at rest. The key comes from SECRET_KEY, SECRET_KEY_FILE, or a file
// generated in DATA_DIR on first start.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, ensureDataDir, readSettingFile } from './setting-files.js';
import { errorMessage } from './errors.js';

const VERSION = 'v1';
const IV_BYTES = 12;
const IVS_PER_DRAW = 256;

/**
 * Random IVs drawn from the CSPRNG 256 at a time: a draw of 12 bytes cost more than the encryption
 * itself (OpenSSL's RAND_bytes per call). A used IV is never handed out again (each draw is a new
 * buffer), and they are as random as before.
 */
class IvSource {
  private drawn = Buffer.alloc(0);
  private next = 0;

  take(): Buffer {
    if (this.next + IV_BYTES > this.drawn.length) {
      this.drawn = randomBytes(IV_BYTES * IVS_PER_DRAW);
      this.next = 0;
    }
    this.next += IV_BYTES;
    return this.drawn.subarray(this.next - IV_BYTES, this.next);
  }
}

const ivs = new IvSource();

export class SecretBox {
  private openedCount = 0;

  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('the secret key must be 32 bytes');
  }

  seal(plain: string): string {
    const iv = ivs.take();
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return [VERSION, iv.toString('base64'), cipher.getAuthTag().toString('base64'), data.toString('base64')].join(':');
  }

  /** How many secrets this box decrypted (paths that do not use a secret must not open it). */
  get opened(): number {
    return this.openedCount;
  }

  open(sealed: string): string {
    this.openedCount++;
    const [version, iv, tag, data] = sealed.split(':');
    if (version !== VERSION || !iv || !tag || data === undefined) throw new Error('not a sealed secret');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64'));
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64')), decipher.final()]).toString('utf8');
  }

  sealJson(value: unknown): string {
    return this.seal(JSON.stringify(value));
  }

  openJson<T>(sealed: string | null | undefined, fallback: T): T {
    if (!sealed) return fallback;
    const value: T = JSON.parse(this.open(sealed)); // sealed by sealJson from a T
    return value;
  }
}

export function parseKey(text: string): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  if (key.length !== 32) throw new Error('the secret key must be 64 hex characters or 32 bytes in base64');
  return key;
}

/** Parses a configured key; a bad one is named, never shown. */
function settingKey(source: string, text: string): Buffer {
  try {
    return parseKey(text);
  } catch (err) {
    throw new ConfigError(`${source}: ${errorMessage(err)}`);
  }
}

export interface KeySource {
  SECRET_KEY?: string;
  SECRET_KEY_FILE?: string;
  DATA_DIR: string;
}

/** Loads the key; creates DATA_DIR/secret.key when none is configured (`generated` tells the caller to warn). */
export function loadSecretKey(src: KeySource, opts: { generate?: boolean } = {}): { key: Buffer; generated?: string } {
  if (src.SECRET_KEY) return { key: settingKey('SECRET_KEY', src.SECRET_KEY) };
  if (src.SECRET_KEY_FILE)
    return {
      key: settingKey(
        `SECRET_KEY_FILE "${src.SECRET_KEY_FILE}"`,
        readSettingFile('SECRET_KEY_FILE', src.SECRET_KEY_FILE),
      ),
    };
  const file = join(src.DATA_DIR, 'secret.key');
  if (existsSync(file)) return { key: settingKey(`DATA_DIR's key file "${file}"`, readSettingFile('DATA_DIR', file)) };
  if (opts.generate === false)
    throw new ConfigError(
      `no secret key: set SECRET_KEY or SECRET_KEY_FILE to the endpoint's, or DATA_DIR to a directory holding secret.key`,
    );
  ensureDataDir(src.DATA_DIR);
  const key = randomBytes(32);
  writeFileSync(file, `${key.toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  return { key, generated: file };
}
