// The documented rules of the control panels (../shared/spec/ux1.md) that can be seen in the
// package's files, each one problem line per breach. Sections of the spec are named in brackets.
import { posix } from 'node:path';
import type { ViewDecl } from './navigation.js';

const APSC_METHODS = new Set([
  'gotoView',
  'showPopup',
  'buttonState',
  'cancelProcessing',
  'showLoading',
  'hideLoading',
  'displayMessage',
  'removeMessage',
  'removeAllMessages',
  'next',
  'prev',
  'externalHttpRequest',
]);
const STORE_PROPS = new Set(['target', 'apsType', 'baseQuery', 'idProperty']);
const VIEW_BASES = /\bdeclare\(\s*(View|MainView|ViewPlugin)\b/;
const BIZ = 'http://www.aps-standard.org/core/package#biz';
const UX1_VIEW_MODULES = ['aps/View', 'aps/biz/MainView', 'aps/_View'];

const deps = (source: string): string[] => {
  const list = /\b(?:define|require)\(\s*\[([^\]]*)\]/.exec(source)?.[1] ?? '';
  return [...list.matchAll(/['"]([^'"]+)['"]/g)].map((m) => m[1]);
};

/** The text of the balanced {...} or (...) that opens at `start`. */
function balanced(source: string, start: number): string {
  const open = source[start];
  const close = open === '{' ? '}' : open === '(' ? ')' : ']';
  let depth = 0;
  for (let i = start; i < source.length; i++) {
    if (source[i] === open) depth++;
    else if (source[i] === close && --depth === 0) return source.slice(start, i + 1);
  }
  return source.slice(start);
}

/** The package's own AMD modules a module loads (relative dependencies), transitively. */
export function moduleFiles(entry: string, entries: Map<string, Buffer>): string[] {
  const out: string[] = [];
  const queue = [entry];
  while (queue.length) {
    const file = queue.pop()!;
    if (out.includes(file) || !entries.has(file)) continue;
    out.push(file);
    for (const dep of deps(entries.get(file)!.toString('utf8'))) {
      if (dep.startsWith('.')) queue.push(`${posix.join(posix.dirname(file), dep)}.js`);
      else if (dep.startsWith('app/')) queue.push(`ui/${dep.slice(4)}.js`);
    }
  }
  return out;
}

/** The scripts a classic CP page loads from the package (script src and app/… modules). */
export function pageFiles(page: string, entries: Map<string, Buffer>): string[] {
  const html = entries.get(page)?.toString('utf8') ?? '';
  const scripts = [...html.matchAll(/<script src="([^"/][^"]*)"/g)].map((m) => posix.join(posix.dirname(page), m[1]));
  const modules = [...html.matchAll(/require\(\s*\[([^\]]*)\]/g)].flatMap((m) =>
    [...m[1].matchAll(/'app\/([^']+)'/g)].map((d) => `ui/${d[1]}.js`),
  );
  return [...scripts, ...modules.flatMap((m) => moduleFiles(m, entries))];
}

function bootstrapProblems(entries: Map<string, Buffer>): string[] {
  const html = entries.get('ui/bootstrapApp.html')?.toString('utf8');
  if (html === undefined) return ['ui/bootstrapApp.html is missing: UX1 cannot load the .js views without it [ux1 §7]'];
  const needs: Array<[RegExp, string]> = [
    [
      /var url = window\.location\.href\.split\('\/'\)/,
      "split the page's URL as `aps build` writes it: var url = window.location.href.split('/')",
    ],
    [
      /name:\s*'app',\s*location:\s*url\.slice\(0,\s*-1\)\.join\('\/'\)/,
      'map the package "app" to the page\'s folder: url.slice(0, -1) [ux1 §16.5]',
    ],
    [
      /name:\s*'pacs',\s*location:\s*url\.slice\(0,\s*-3\)\.join\('\/'\)/,
      'map "pacs" to the folder that holds the package\'s folder: url.slice(0, -3) [ux1 §16.5]',
    ],
    [/<script src="\/aps\/2\/ui\/runtime\/client\/aps\/aps\.js">/, 'load /aps/2/ui/runtime/client/aps/aps.js'],
    [/require\(\s*\[\s*'aps\/load',\s*'aps\/ready!'\s*\]/, 'require aps/load and aps/ready!'],
    [/load\(\s*\[\s*'aps\/PageContainer'\s*\]\s*,\s*'aps-frame'\s*\)/, 'load aps/PageContainer into aps-frame'],
    [/<div id="aps-frame"/, 'hold <div id="aps-frame">'],
  ];
  return needs.filter(([re]) => !re.test(html)).map(([, what]) => `ui/bootstrapApp.html must ${what} [ux1 §7]`);
}

function moduleProblems(file: string, source: string, viewIds: Set<string>): string[] {
  const problems: string[] = [];
  const declared = deps(source);
  if (declared.includes('aps/_'))
    problems.push(`${file}: loads aps/_, which no panel has: use the global _() [ux1 §7]`);
  for (const m of source.matchAll(/\brequire\(\s*['"]([^'"]+)['"]\s*\)/g)) {
    if (!declared.includes(m[1]))
      problems.push(`${file}: require('${m[1]}') of a module not in its define list [ux1 §8]`);
  }
  for (const m of source.matchAll(/\baps\.apsc\.(\w+)\s*\(/g)) {
    if (!APSC_METHODS.has(m[1])) problems.push(`${file}: aps.apsc.${m[1]} is not a documented panel method [ux1 §13]`);
  }
  for (const m of source.matchAll(/\baps\.apsc\.displayMessage\(\s*([^)\s])/g)) {
    if (m[1] !== '{')
      problems.push(`${file}: aps.apsc.displayMessage takes one object {id, description, type} [ux1 §13]`);
  }
  for (const m of source.matchAll(/new\s+(?:ResourceStore|Store)\(\s*\{/g)) {
    const props = balanced(source, m.index + m[0].length - 1);
    for (const p of props.slice(1, -1).matchAll(/(?:^|,)\s*(\w+)\s*:/g)) {
      if (!STORE_PROPS.has(p[1]))
        problems.push(
          `${file}: aps/ResourceStore has no property ${p[1]} (target, apsType, baseQuery, idProperty) [ux1 §11]`,
        );
    }
  }
  if (/\.query\s*=[^=]/.test(source))
    problems.push(`${file}: sets a store's query: scope a list by target or baseQuery [ux1 §11]`);
  for (const m of source.matchAll(/\[\s*'aps\/Grid'\s*,\s*\{/g)) {
    const props = balanced(source, m.index + m[0].length - 1);
    const view = /apsResourceViewId:\s*'([^']+)'/.exec(props)?.[1];
    if (!view) problems.push(`${file}: an aps/Grid without apsResourceViewId [ux1 §12]`);
    else if (!viewIds.has(view))
      problems.push(`${file}: an aps/Grid opens view ${view}, which APP-META.xml does not declare [ux1 §12]`);
    if (!/type:\s*'resourceName'/.test(props))
      problems.push(`${file}: an aps/Grid without a column of type resourceName [ux1 §12]`);
    if (/\bonRowClick\b/.test(props))
      problems.push(`${file}: aps/Grid has no onRowClick: use a resourceName column [ux1 §12]`);
  }
  return problems;
}

function viewProblems(view: ViewDecl, source: string, libs: string): string[] {
  const problems: string[] = [];
  const file = view.file;
  const declared = deps(source);
  if (view.kind === 'ux1') {
    if (!UX1_VIEW_MODULES.some((m) => declared.includes(m)) || !VIEW_BASES.test(source))
      problems.push(`${file}: a UX1 view must return declare(View, {...}) with aps/View in its define list [ux1 §8]`);
    for (const m of source.matchAll(/\bthis\.(\w+)\s*=[^=]/g))
      problems.push(`${file}: keeps state as a custom property of the View (this.${m[1]}) [ux1 §8]`);
    if (/\bonContext\s*:\s*function/.test(source) && !/aps\.apsc\.hideLoading\(\)/.test(source))
      problems.push(`${file}: onContext must end with aps.apsc.hideLoading() [ux1 §8]`);
    for (const m of source.matchAll(/\bid:\s*(['"][^'"]*['"])/g))
      problems.push(`${file}: widget id ${m[1]} is not made with genId (ids are application-wide in UX1) [ux1 §8]`);
  }
  if (
    view.kind === 'plugin' &&
    (!declared.includes('aps/nav/ViewPlugin') || !/declare\(\s*ViewPlugin\b/.test(source))
  ) {
    problems.push(`${file}: a view-plugin must return declare(ViewPlugin, {...}) from aps/nav/ViewPlugin [ux1 §5]`);
  }
  if (/\baps\.biz\b/.test(source + libs) && !view.pluginPlaceholders.includes(BIZ))
    problems.push(
      `APP-META.xml: view ${view.id} uses aps.biz but declares no <plugin-placeholder id="${BIZ}"/> [ux1 §6]`,
    );
  const customer = view.placeholder === 'http://www.parallels.com/ccp/2';
  if (
    customer &&
    /\.put\(/.test(source) &&
    /target:\s*'\/aps\/2\/resources\/'\s*\+/.test(source) &&
    !/aps\.context\.subscriptionId\s*=/.test(source)
  ) {
    problems.push(
      `${file}: creates resources without setting aps.context.subscriptionId: an account with several subscriptions needs it [ux1 §10]`,
    );
  }
  return problems;
}

function treeProblems(views: ViewDecl[]): string[] {
  const problems: string[] = [];
  for (const view of views) {
    const classic = view.placeholder.endsWith('/ui/application');
    if (classic && view.kind !== 'cp')
      problems.push(
        `APP-META.xml: view ${view.id} plugs into the classic panel but is a UX1 module (${view.file}) [ux1 §14]`,
      );
    if (!classic && view.kind === 'cp')
      problems.push(
        `APP-META.xml: view ${view.id} plugs into ${view.placeholder} but is a classic page (${view.file}) [ux1 §14]`,
      );
    const wizard = view.placeholder.endsWith('/suwizard.new/2');
    if (view.kind !== 'plugin' && !wizard && view.controls.has('cancel') && !view.parent) {
      problems.push(
        `APP-META.xml: view ${view.id} is a child view (it has <cancel/>) but is not nested in the view it opens from [ux1 §2]`,
      );
    }
  }
  return problems;
}

/** Every rule over the views of APP-META.xml and the package's files. */
export function uiRuleProblems(views: ViewDecl[], entries: Map<string, Buffer>): string[] {
  const problems: string[] = [];
  const viewIds = new Set(views.map((v) => v.id));
  if (views.some((v) => v.kind !== 'cp')) problems.push(...bootstrapProblems(entries));
  for (const [file, data] of entries)
    if (file.startsWith('ui/') && file.endsWith('.js'))
      problems.push(...moduleProblems(file, data.toString('utf8'), viewIds));
  for (const view of views) {
    const source = entries.get(view.file)?.toString('utf8');
    if (source === undefined) continue;
    const files = view.kind === 'cp' ? pageFiles(view.file, entries) : moduleFiles(view.file, entries).slice(1);
    const libs = files.map((f) => entries.get(f)?.toString('utf8') ?? '').join('\n');
    problems.push(...viewProblems(view, source, view.kind === 'cp' ? '' : libs));
  }
  problems.push(...treeProblems(views));
  return problems;
}
