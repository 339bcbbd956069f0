// The house's size rules for hand-written code in app/: a file holds at most 300 lines and a
// function (a declaration, method, arrow or function expression) at most 80, so handlers stay
// small enough to import, test and read on their own. `npm run sizes` lists the largest.
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { appSources } from './count-casts.js';

export const MAX_FILE_LINES = 300;
export const MAX_FUNCTION_LINES = 80;

export interface Size {
  file: string;
  /** The function's name, or `<file>` for the whole file. */
  name: string;
  line: number;
  lines: number;
}

function nameOf(node: ts.Node, source: ts.SourceFile): string {
  const named = node as ts.Node & { name?: ts.Node };
  if (named.name) return named.name.getText(source);
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent)) return parent.name.getText(source);
  return '(anonymous)';
}

function sizesIn(root: string, file: string): Size[] {
  const text = readFileSync(join(root, file), 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const lineOf = (pos: number) => source.getLineAndCharacterOfPosition(pos).line;
  const found: Size[] = [
    { file, name: '<file>', line: 1, lines: text.split('\n').length - (text.endsWith('\n') ? 1 : 0) },
  ];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const start = lineOf(node.getStart(source));
      found.push({ file, name: nameOf(node, source), line: start + 1, lines: lineOf(node.getEnd()) - start + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** Every file and function of app/'s hand-written code with its length in lines. */
export function appSizes(root = '.'): Size[] {
  return appSources(root).flatMap((f) => sizesIn(root, f));
}

/** What breaks the size rules. */
export function oversized(root = '.'): Size[] {
  return appSizes(root).filter((s) => s.lines > (s.name === '<file>' ? MAX_FILE_LINES : MAX_FUNCTION_LINES));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const all = appSizes().sort((a, b) => b.lines - a.lines);
  const show = (s: Size) =>
    console.log(`${String(s.lines).padStart(5)}  ${relative('.', s.file)}:${s.line}  ${s.name}`);
  console.log('largest files:');
  all
    .filter((s) => s.name === '<file>')
    .slice(0, 10)
    .forEach(show);
  console.log('largest functions:');
  all
    .filter((s) => s.name !== '<file>')
    .slice(0, 10)
    .forEach(show);
  const over = oversized();
  console.log(`${over.length} over the limits (files ${MAX_FILE_LINES}, functions ${MAX_FUNCTION_LINES} lines)`);
}
