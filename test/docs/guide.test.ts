import t from 'tap';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const guide = readFileSync('docs/deployment-guide.md', 'utf8');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

t.test('the guide explains every global setting', async (t) => {
  const app = JSON.parse(readFileSync('schemas/app.schema', 'utf8'));
  const settings = Object.keys(app.properties);
  t.ok(settings.length >= 15);
  for (const s of settings) t.match(guide, new RegExp(`^\\| [^\\n]*\`${s}\`[^\\n]* \\| \\S`, 'm'), `setting ${s}`);
});

t.test('the guide lists every error the code can answer with', async (t) => {
  const codes = new Set<string>();
  for (const file of sources('app')) {
    const src = readFileSync(file, 'utf8');
    for (const m of src.matchAll(/(?:apsError|new ApsError|errorBody)\(\s*[^,]+,\s*'(\w+)'/g)) codes.add(m[1]);
  }
  for (const m of readFileSync('app/plugins/error-handler.ts', 'utf8').matchAll(/\[\s*'(\w+)',\s*'[^']*',?\s*\]/g))
    codes.add(m[1]);
  const catalogue = readFileSync('app/resources/shared/errors.ts', 'utf8').match(/^ {2}(\w+):\s+'/gm) ?? [];
  for (const c of catalogue) codes.add(c.trim().replace(/:\s+'$/, ''));
  t.ok(codes.size >= 25, `found ${codes.size} codes`);
  for (const code of codes) t.match(guide, new RegExp(`\\| \`${code}\` \\| \\d{3} \\|`), `error ${code}`);
});

t.test('the README links the guide and gives the two quick-start commands', async (t) => {
  const readme = readFileSync('README.md', 'utf8');
  t.match(readme, /docs\/deployment-guide\.md/);
  t.match(readme, /^npm start/m);
  t.match(readme, /^npm test/m);
});
