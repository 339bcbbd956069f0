// The control-panel navigation in APP-META.xml against what each view's script expects of it:
// every `aps.context.vars.x` it reads needs a <var name="x"> on the view or above it, every
// navigation handler (onSubmit, onCancel…) needs its button in the view's <controls>, every
// gotoView target must exist, and our own var types must be types the package declares.
import type { XmlNode } from '../../tools/ox-sim/xml.js';

const VAR_READ = /\baps\.context\.vars\.([A-Za-z_$][\w$]*)/g;
const GOTO_VIEW = /\baps\.apsc\.gotoView\(\s*'([^']+)'/g;
const HANDLER_CONTROL: Record<string, string> = { onSubmit: 'submit', onCancel: 'cancel', onNext: 'next', onPrev: 'prev' };

interface ViewDecl {
  id: string;
  src: string;
  /** Declared on the view, its items or its navigation. */
  vars: Set<string>;
  controls: Set<string>;
}

interface VarDecl {
  name: string;
  typeId: string;
  where: string;
}

function collect(node: XmlNode, inherited: string[], views: ViewDecl[], vars: VarDecl[]): void {
  const own = node.children.filter((c) => c.local === 'var');
  for (const v of own) vars.push({ name: v.attrs.name ?? '', typeId: v.attrs['type-id'] ?? '', where: `${node.local} ${node.attrs.id ?? ''}`.trim() });
  const scope = [...inherited, ...own.map((v) => v.attrs.name ?? '')];
  if (node.local === 'view') {
    const controls = node.children.filter((c) => c.local === 'controls').flatMap((c) => c.children.map((b) => b.local));
    views.push({ id: node.attrs.id ?? '', src: node.attrs.src ?? '', vars: new Set(scope), controls: new Set(controls) });
  }
  for (const c of node.children) if (c.local === 'item' || c.local === 'view') collect(c, scope, views, vars);
}

function checkView(view: ViewDecl, source: string, viewIds: Set<string>): string[] {
  const problems: string[] = [];
  const file = view.src;
  const read = new Set([...source.matchAll(VAR_READ)].map((m) => m[1]));
  for (const name of read) {
    if (!view.vars.has(name)) problems.push(`${file}: reads aps.context.vars.${name}, but view ${view.id} has no <var name="${name}"> (on the view, its item or its navigation)`);
  }
  for (const [handler, control] of Object.entries(HANDLER_CONTROL)) {
    const handles = new RegExp(`\\b${handler}\\s*:\\s*function\\b`).test(source);
    if (handles && !view.controls.has(control)) problems.push(`${file}: handles ${handler}, but view ${view.id} declares no <controls><${control}/></controls>`);
    if (!handles && view.controls.has(control)) problems.push(`APP-META.xml: view ${view.id} declares <${control}/> but ${file} has no ${handler} handler`);
  }
  for (const m of source.matchAll(GOTO_VIEW)) if (!viewIds.has(m[1])) problems.push(`${file}: goes to view ${m[1]}, which APP-META.xml does not declare`);
  return problems;
}

/** `ownTypes`: the type ids of the package's schemas (a var type on their host must be one of them). */
export function checkNavigation(meta: XmlNode, entries: Map<string, Buffer>, ownTypes: Set<string>): string[] {
  const views: ViewDecl[] = [];
  const vars: VarDecl[] = [];
  const presentation = meta.children.filter((c) => c.local === 'presentation');
  for (const nav of presentation.flatMap((p) => p.children.filter((c) => c.local === 'navigation'))) collect(nav, [], views, vars);
  const problems: string[] = [];
  const ownHosts = new Set([...ownTypes].map((t) => new URL(t).host));
  for (const v of vars) {
    if (!v.name || !v.typeId) problems.push(`APP-META.xml: a <var> in ${v.where} needs name and type-id`);
    else if (URL.canParse(v.typeId) && ownHosts.has(new URL(v.typeId).host) && !ownTypes.has(v.typeId)) {
      problems.push(`APP-META.xml: <var name="${v.name}"> in ${v.where} has type ${v.typeId}, which no schema of the package declares`);
    }
  }
  const viewIds = new Set(views.map((v) => v.id));
  for (const view of views) {
    const source = entries.get(view.src)?.toString('utf8');
    if (source) problems.push(...checkView(view, source, viewIds));
  }
  return problems;
}
