// What the APS package holds: APP-META.xml (version and release from package.json), the type
// schemas from schemas/, and the UI, images and translations from aps-package/.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { projectRoot, schemasDir } from '../../app/util/paths.js';
import { translationFiles } from './i18n.js';
import { APP_LIST, renderAppList } from './manifest.js';
import { renderUiTypes, UI_TYPES_ENTRY } from '../codegen/ui-types.js';

export const packageDir = join(projectRoot, 'aps-package');

export interface PackageInfo {
  name: string;
  version: string;
  release: string;
  /** The `packaged` stamp: UTC, ISO 8601 without fraction. */
  packaged: string;
}

/**
 * When the sources were made, so that two builds of one commit give the same bytes:
 * SOURCE_DATE_EPOCH, else the last commit's time, else now.
 */
function sourceDate(): Date {
  const epoch = Number(process.env.SOURCE_DATE_EPOCH);
  if (Number.isInteger(epoch) && epoch > 0) return new Date(epoch * 1000);
  try {
    const committed = execFileSync('git', ['log', '-1', '--format=%ct'], {
      cwd: projectRoot,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    if (Number(committed) > 0) return new Date(Number(committed) * 1000);
  } catch {
    /* not a git checkout */
  }
  return new Date();
}

let info: PackageInfo | undefined;
export function packageInfo(): PackageInfo {
  if (info) return info;
  const pkg = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as {
    version: string;
    aps?: { release?: string };
  };
  const packaged = sourceDate()
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z');
  info = { name: 'OX-App-Suite', version: pkg.version, release: pkg.aps?.release ?? '1', packaged };
  return info;
}

export function renderMeta(meta: PackageInfo = packageInfo()): string {
  return readFileSync(join(packageDir, 'APP-META.xml'), 'utf8')
    .replaceAll('{{version}}', meta.version)
    .replaceAll('{{release}}', meta.release)
    .replaceAll('{{packaged}}', meta.packaged);
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
  for (const file of readdirSync(schemasDir)
    .filter((f) => f.endsWith('.schema'))
    .sort()) {
    entries.set(`schemas/${file}`, readFileSync(join(schemasDir, file)));
  }
  for (const sub of ['ui', 'images', 'i18n']) {
    for (const file of walk(join(packageDir, sub)).sort())
      entries.set(relative(packageDir, file).split('\\').join('/'), readFileSync(file));
  }
  // Written from the schemas at package time, whatever the checked-in copy says.
  entries.set(UI_TYPES_ENTRY, Buffer.from(renderUiTypes()));
  for (const [name, data] of translationFiles(entries)) entries.set(name, data);
  const sorted = new Map(
    [...entries].sort(([a], [b]) => (a === 'APP-META.xml' ? -1 : b === 'APP-META.xml' ? 1 : a < b ? -1 : 1)),
  );
  return withAppList(sorted);
}

/** The entries with a fresh APP-LIST.xml (after any change to them). */
export function withAppList(entries: Map<string, Buffer>): Map<string, Buffer> {
  const out = new Map([...entries].filter(([name]) => name !== APP_LIST));
  out.set(APP_LIST, Buffer.from(renderAppList(out)));
  return out;
}

export function zipName(info: PackageInfo = packageInfo()): string {
  return `${info.name}-${info.version}-${info.release}.app.zip`;
}
