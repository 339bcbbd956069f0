// The import structure: every import in app/ points down a layer (or within its own), the APS
// protocol layer knows nothing of OX, the OX client nothing of APS or the ledger, util/ is a leaf,
// and neither the product nor its tools import test code; type assertions stay few and explained.
import t from 'tap';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/** Layer of each folder of app/ (files directly in app/ are the top, config.ts just above util). */
const LAYER: Record<string, number> = { util: 0, config: 1, store: 2, ox: 2, aps: 3, sso: 3, services: 4, plugins: 5, routes: 5, top: 6 };
/** Same-rank folders that must still not know each other. */
const FORBIDDEN: Array<[string, string]> = [['ox', 'store'], ['store', 'ox'], ['aps', 'ox'], ['aps', 'sso'], ['sso', 'aps'], ['ox', 'aps'], ['plugins', 'routes']];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const full = join(dir, n);
    return statSync(full).isDirectory() ? files(full) : full.endsWith('.ts') ? [full] : [];
  });
}

const imports = (file: string) => [...readFileSync(file, 'utf8').matchAll(/(?:from|import\()\s*'(\.[^']+)'/g)].map((m) => resolve(dirname(file), m[1]));

function layerOf(path: string): string {
  const rel = relative(resolve('app'), path).split('/');
  if (rel.length === 1) return rel[0].startsWith('config.') ? 'config' : 'top';
  return rel[0];
}

t.test('every import in app/ points down a layer or within its own', async (t) => {
  const upward: string[] = [];
  for (const file of files('app')) {
    const from = layerOf(resolve(file));
    for (const target of imports(file)) {
      if (!target.startsWith(resolve('app'))) {
        upward.push(`${file} imports ${relative('.', target)}, outside the product`);
        continue;
      }
      const to = layerOf(target);
      if (LAYER[to] > LAYER[from] || FORBIDDEN.some(([a, b]) => a === from && b === to)) upward.push(`${file} (${from}) imports ${relative('.', target)} (${to})`);
    }
  }
  t.same(upward, [], 'no upward or sideways import');
  t.ok(Object.keys(LAYER).every((l) => l === 'top' || l === 'config' || statSync(join('app', l)).isDirectory()), 'every layer is a folder of app/');
});

t.test('tools and scripts never import tests', async (t) => {
  const intoTests = [...files('tools'), ...files('scripts')].flatMap((f) => imports(f).filter((i) => i.startsWith(resolve('test'))).map((i) => `${f} imports ${relative('.', i)}`));
  t.same(intoTests, []);
});

t.test('type and non-null assertions in app/: fewer than 20, each with its reason', async (t) => {
  const { appAssertions } = await import('../scripts/count-casts.js');
  const all = appAssertions();
  t.ok(all.length > 0 && all.length < 20, `${all.length} assertions (npm run casts -- --list)`);
  t.same(all.filter((a) => !a.explained).map((a) => `${a.file}:${a.line} ${a.text}`), [], 'each says why on its line or just above');
});
