// `npm start`'s prestart: compiles app/ (what ships) into dist/ only when a source is newer than
// the last build, so a start costs no compile. In a production install (dev dependencies pruned,
// see the deployment guide) an up-to-date dist/ starts as it is.
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const root = process.argv[2] ?? process.cwd();
const stamp = join(root, 'dist', '.build-stamp');
const SOURCES = ['app', 'tsconfig.json', 'tsconfig.build.json', 'package.json'];

function newest(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))));
}

const built = existsSync(stamp) ? statSync(stamp).mtimeMs : 0;
if (built && SOURCES.every((s) => newest(join(root, s)) <= built)) {
  console.log('dist/ is up to date');
  process.exit(0);
}
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
if (!existsSync(tsc)) {
  console.error(built
    ? 'dist/ is older than the sources and TypeScript is not installed: run `npm ci && npm run build` (see docs/deployment-guide.md)'
    : 'dist/ is missing and TypeScript is not installed: run `npm ci && npm run build` first (see docs/deployment-guide.md)');
  process.exit(1);
}
console.log('compiling into dist/');
const started = Date.now();
execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
writeFileSync(stamp, `${new Date().toISOString()}\n`);
console.log(`compiled in ${((Date.now() - started) / 1000).toFixed(1)} s`);
