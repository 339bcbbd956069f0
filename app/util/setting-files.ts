// The files settings name (DATA_DIR, certificate and key files) and the error a bad one raises:
// one line that names the setting. A leaf: it imports nothing of the application.
import { accessSync, constants, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { errorCode, errorMessage } from './errors.js';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const reasonOf = (err: unknown) => errorCode(err) || errorMessage(err);

export function readSettingFile(setting: string, file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`${setting} "${file}" cannot be read (${reasonOf(err)})`);
  }
}

/**
 * Creates DATA_DIR when missing and checks that it is a writable directory. Walks up by itself:
 * mkdirSync's recursive mode never returns for a path under /proc.
 */
export function ensureDataDir(dir: string): void {
  const path = resolve(dir);
  try {
    if (!existsSync(path)) {
      const parent = dirname(path);
      if (parent !== path) ensureDataDir(parent);
      mkdirSync(path);
    }
    if (!statSync(path).isDirectory()) throw Object.assign(new Error(), { code: 'not a directory' });
    accessSync(path, constants.W_OK);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`DATA_DIR "${dir}" cannot be used: ${path} (${reasonOf(err)})`);
  }
}
