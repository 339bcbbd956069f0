// The import structure: every import in app/ points down a layer (or within its own), the APS
// protocol layer knows nothing of OX, the OX client nothing of APS or the ledger, util/ is a leaf,
// each APS type's folder under resources/ imports only resources/shared (a new type is one new
// folder), and the product never imports the developer tools or the tests. Type assertions stay
// few and explained, and files and functions stay small.
import t from 'tap';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/** Layer of each folder of app/ (files directly in app/ are the top, config.ts just above util). */
const LAYER: Record<string, number> = {
  util: 0,
  config: 1,
  store: 2,
  ox: 2,
  aps: 3,
  sso: 3,
  resources: 4,
  ops: 5,
  plugins: 6,
  routes: 6,
  cli: 7,
  top: 7,
};
/** Same-rank or lower folders that must still not know each other. */
const FORBIDDEN: Array<[string, string]> = [
  ['ox', 'store'],
  ['store', 'ox'],
  ['aps', 'ox'],
  ['aps', 'sso'],
  ['sso', 'aps'],
  ['ox', 'aps'],
  ['plugins', 'routes'],
  ['cli', 'plugins'],
  ['cli', 'routes'],
  ['cli', 'top'],
  ['top', 'cli'],
];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const full = join(dir, n);
    return statSync(full).isDirectory() ? files(full) : full.endsWith('.ts') ? [full] : [];
  });
}

const imports = (file: string) =>
  [...readFileSync(file, 'utf8').matchAll(/(?:from|import\()\s*'(\.[^']+)'/g)].map((m) => resolve(dirname(file), m[1]));

function layerOf(path: string): string {
  const rel = relative(resolve('app'), path).split('/');
  if (rel.length === 1) return rel[0].startsWith('config.') ? 'config' : 'top';
  return rel[0];
}

/** The room of a file under app/resources/: `shared` or its APS type's folder. */
function resourceRoom(path: string): string | undefined {
  const rel = relative(resolve('app', 'resources'), path).split('/');
  return rel.length > 1 && !rel[0].startsWith('..') ? rel[0] : undefined;
}

/** What is wrong with one import of app/, if anything. */
function importProblem(file: string, target: string): string | undefined {
  if (!target.startsWith(resolve('app'))) return `${file} imports ${relative('.', target)}, outside the product`;
  const from = layerOf(resolve(file));
  const to = layerOf(target);
  if (LAYER[to] > LAYER[from] || FORBIDDEN.some(([a, b]) => a === from && b === to))
    return `${file} (${from}) imports ${relative('.', target)} (${to})`;
  const [roomFrom, roomTo] = [resourceRoom(resolve(file)), resourceRoom(target)];
  if (roomFrom && roomTo && roomTo !== 'shared' && roomTo !== roomFrom)
    return `${file} (resources/${roomFrom}) imports ${relative('.', target)} (resources/${roomTo})`;
  return undefined;
}

t.test('every import in app/ points down a layer or within its own', async (t) => {
  const problems = files('app').flatMap((file) =>
    imports(file)
      .map((target) => importProblem(file, target))
      .filter((p) => p !== undefined),
  );
  t.same(problems, [], 'no upward or sideways import');
  t.ok(
    Object.keys(LAYER).every((l) => l === 'top' || l === 'config' || statSync(join('app', l)).isDirectory()),
    'every layer is a folder of app/',
  );
  t.ok(statSync(join('app', 'resources', 'shared')).isDirectory(), 'the shared resource helpers have their folder');
});

t.test('the rules catch what they are for', async (t) => {
  const at = (path: string) => resolve('app', path);
  t.ok(
    importProblem('app/resources/mailboxes/service.ts', at('resources/contexts/service.ts')),
    'a type folder importing another',
  );
  t.ok(
    importProblem('app/resources/shared/records.ts', at('resources/mailboxes/service.ts')),
    'shared importing a type folder',
  );
  t.ok(importProblem('app/resources/mailboxes/service.ts', at('ops/reconcile.ts')), 'a type importing an operation');
  t.ok(importProblem('app/cli/ox-aps.ts', resolve('scripts/demo.ts')), 'the product importing a developer tool');
  t.ok(importProblem('app/ox/ox-client.ts', at('aps/types.ts')), 'the OX client importing the APS layer');
  t.notOk(
    importProblem('app/resources/mailboxes/service.ts', at('resources/shared/records.ts')),
    'a type importing the shared helpers',
  );
  t.notOk(importProblem('app/ops/reconcile.ts', at('resources/contexts/service.ts')), 'an operation importing a type');
});

t.test('the developer tools never import tests', async (t) => {
  const intoTests = files('scripts').flatMap((f) =>
    imports(f)
      .filter((i) => i.startsWith(resolve('test')))
      .map((i) => `${f} imports ${relative('.', i)}`),
  );
  t.same(intoTests, []);
});

t.test('type and non-null assertions in app/: fewer than 20, each with its reason', async (t) => {
  const { appAssertions } = await import('../scripts/lint/count-casts.js');
  const all = appAssertions();
  t.ok(all.length > 0 && all.length < 20, `${all.length} assertions (npm run casts -- --list)`);
  t.same(
    all.filter((a) => !a.explained).map((a) => `${a.file}:${a.line} ${a.text}`),
    [],
    'each says why on its line or just above',
  );
});

t.test('hand-written files in app/ hold at most 300 lines and functions at most 80', async (t) => {
  const { oversized } = await import('../scripts/lint/sizes.js');
  t.same(
    oversized().map((s) => `${s.file}:${s.line} ${s.name} (${s.lines} lines)`),
    [],
    'npm run sizes lists the largest',
  );
});
