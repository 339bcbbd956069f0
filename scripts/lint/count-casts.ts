// Type assertions (`x as T`, not `as const`) and non-null assertions (`x!`) in app/: each must say
// why on its line or just above, and there are fewer than 20 (test/house.test.ts holds the line).
// `npm run casts` prints them by file; `-- --list` prints each with its line.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';

/** Generated from the schemas (`npm run types`): not hand-written code. */
const GENERATED = 'app/aps/generated/';

export interface Assertion {
  file: string;
  line: number;
  kind: 'as' | '!';
  text: string;
  /** A comment on the line or in the three lines above it. */
  explained: boolean;
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

function assertionsIn(file: string): Assertion[] {
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: Assertion[] = [];
  const visit = (node: ts.Node): void => {
    const isAs = ts.isAsExpression(node) || ts.isTypeAssertionExpression(node);
    const isConst = isAs && ts.isTypeReferenceNode(node.type) && node.type.getText(source) === 'const';
    // `x as unknown as T` is one assertion.
    const inner = isAs && (ts.isAsExpression(node.parent) || ts.isTypeAssertionExpression(node.parent));
    if ((isAs && !isConst && !inner) || ts.isNonNullExpression(node)) {
      const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const explained = lines.slice(Math.max(0, line - 3), line + 1).some((l) => /\/\/|\/\*\*|^\s*\*/.test(l));
      found.push({
        file,
        line: line + 1,
        kind: isAs ? 'as' : '!',
        text: node.getText(source).replace(/\s+/g, ' ').slice(0, 100),
        explained,
      });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** app/'s hand-written TypeScript files, relative to root. */
export function appSources(root = '.'): string[] {
  return sources(join(root, 'app'))
    .map((f) => relative(root, f))
    .filter((f) => !f.startsWith(GENERATED));
}

export function appAssertions(root = '.'): Assertion[] {
  return appSources(root).flatMap((f) => assertionsIn(join(root, f)));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const all = appAssertions();
  if (process.argv.includes('--list')) {
    for (const a of all)
      console.log(`${a.file}:${a.line}  ${a.kind}  ${a.explained ? '' : '(no reason given)  '}${a.text}`);
  }
  const byFile = new Map<string, number>();
  for (const a of all) byFile.set(a.file, (byFile.get(a.file) ?? 0) + 1);
  for (const [file, n] of [...byFile].sort((a, b) => b[1] - a[1])) console.log(`${String(n).padStart(4)}  ${file}`);
  console.log(
    `type assertions: ${all.filter((a) => a.kind === 'as').length}, non-null assertions: ${all.filter((a) => a.kind === '!').length}`,
  );
}
