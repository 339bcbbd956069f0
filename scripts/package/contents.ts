// What the APS package holds: APP-META.xml (version and release from package.json), the type
// schemas from schemas/, and the UI, images and translations from aps-package/.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { projectRoot, schemasDir } from '../../app/util/paths.js';

export const packageDir = join(projectRoot, 'aps-package');

export interface PackageInfo {
  name: string;
  version: string;
  release: string;
}

export function packageInfo(): PackageInfo {
  const pkg = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { version: string; aps?: { release?: string } };
  return { name: 'OX-App-Suite', version: pkg.version, release: pkg.aps?.release ?? '1' };
}

export function renderMeta(info: PackageInfo = packageInfo()): string {
  return readFileSync(join(packageDir, 'APP-META.xml'), 'utf8').replaceAll('{{version}}', info.version).replaceAll('{{release}}', info.release);
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? walk(full) : [full];
  });
}

/** Package path → file contents, in a stable order. */
export function packageEntries(): Map<string, Buffer> {
  const entries = new Map<string, Buffer>();
  entries.set('APP-META.xml', Buffer.from(renderMeta()));
  for (const file of readdirSync(schemasDir).filter((f) => f.endsWith('.schema')).sort()) {
    entries.set(`schemas/${file}`, readFileSync(join(schemasDir, file)));
  }
  for (const sub of ['ui', 'images', 'i18n']) {
    for (const file of walk(join(packageDir, sub)).sort()) entries.set(relative(packageDir, file).split('\\').join('/'), readFileSync(file));
  }
  return new Map([...entries].sort(([a], [b]) => (a === 'APP-META.xml' ? -1 : b === 'APP-META.xml' ? 1 : a < b ? -1 : 1)));
}

export function zipName(info: PackageInfo = packageInfo()): string {
  return `${info.name}-${info.version}-${info.release}.app.zip`;
}
