// The control-panel navigation of APP-META.xml as a model (trees, views, plug-ins, the vars each
// sees), and the checks of each view's script against it: every `aps.context.vars.x` it reads
// needs a <var name="x"> on the view or above it, every handler (onSubmit, onCancel…) its button in
// <controls>, every gotoView target must exist, and our own var types must be the package's.
import type { XmlNode } from '../ox-sim/xml.js';

const VAR_READ = /\baps\.context\.vars\.([A-Za-z_$][\w$]*)/g;
const GOTO_VIEW = /\baps\.apsc\.gotoView\(\s*'([^']+)'/g;
const HANDLER_CONTROL: Record<string, string> = { onSubmit: 'submit', onCancel: 'cancel' };
const CP_HANDLER = /\baps\.app\.(onSubmit|onCancel)\s*=/g;

export interface VarDecl {
  name: string;
  typeId: string;
  collection: boolean;
  required: boolean;
  filter?: string;
  where: string;
}

export interface ViewDecl {
  id: string;
  /** The file the panel loads: the src, or ui/<id>.html for a classic page without one. */
  file: string;
  kind: 'ux1' | 'cp' | 'plugin';
  navigation: string;
  /** The placeholder the view's tree (or the view itself) plugs into. */
  placeholder: string;
  /** The view it is nested in, if any. */
  parent?: string;
  vars: VarDecl[];
  controls: Set<string>;
  pluginPlaceholders: string[];
  label: string;
}

const kids = (n: XmlNode, local: string) => n.children.filter((c) => c.local === local);

function varDecl(v: XmlNode, where: string): VarDecl {
  return {
    name: v.attrs.name ?? '',
    typeId: v.attrs['type-id'] ?? '',
    collection: v.attrs.collection === 'true',
    required: v.attrs.required !== 'false',
    filter: v.attrs.filter,
    where,
  };
}

function collect(
  node: XmlNode,
  scope: VarDecl[],
  nav: { id: string; placeholder: string },
  views: ViewDecl[],
  parent?: string,
): void {
  const own = kids(node, 'var').map((v) => varDecl(v, `${node.local} ${node.attrs.id ?? ''}`.trim()));
  const vars = [...scope.filter((s) => !own.some((o) => o.name === s.name)), ...own];
  const isView = node.local === 'view' || node.local === 'view-plugin';
  if (isView) {
    const id = node.attrs.id ?? '';
    const src = node.attrs.src;
    const placeholder = kids(node, 'plugs-to')[0]?.attrs.id ?? nav.placeholder;
    views.push({
      id,
      navigation: nav.id,
      placeholder,
      parent,
      vars,
      label: node.attrs.label ?? '',
      kind: node.local === 'view-plugin' ? 'plugin' : src?.endsWith('.js') ? 'ux1' : 'cp',
      file: src ?? `ui/${id}.html`,
      controls: new Set(kids(node, 'controls').flatMap((c) => c.children.map((b) => b.local))),
      pluginPlaceholders: kids(node, 'plugin-placeholder').map((p) => p.attrs.id ?? ''),
    });
  }
  for (const c of node.children) {
    if (c.local === 'item' || c.local === 'view' || c.local === 'view-plugin')
      collect(c, vars, nav, views, isView ? node.attrs.id : parent);
  }
}

/** Every view and plug-in of every navigation tree, with the vars it sees. */
export function navigationModel(meta: XmlNode): ViewDecl[] {
  const views: ViewDecl[] = [];
  for (const nav of kids(meta, 'presentation').flatMap((p) => kids(p, 'navigation'))) {
    const placeholder = kids(nav, 'plugs-to')[0]?.attrs.id ?? '';
    collect(nav, [], { id: nav.attrs.id ?? '', placeholder }, views);
  }
  return views;
}

function checkView(view: ViewDecl, source: string, viewIds: Set<string>): string[] {
  const problems: string[] = [];
  const file = view.file;
  const names = new Set(view.vars.map((v) => v.name));
  const read = new Set([...source.matchAll(VAR_READ)].map((m) => m[1]));
  for (const name of read) {
    if (!names.has(name))
      problems.push(
        `${file}: reads aps.context.vars.${name}, but view ${view.id} has no <var name="${name}"> (on the view, its item or its navigation)`,
      );
  }
  const handlers =
    view.kind === 'cp'
      ? new Set([...source.matchAll(CP_HANDLER)].map((m) => m[1]))
      : new Set(Object.keys(HANDLER_CONTROL).filter((h) => new RegExp(`\\b${h}\\s*:\\s*function\\b`).test(source)));
  for (const [handler, control] of Object.entries(HANDLER_CONTROL)) {
    if (view.kind === 'plugin' || view.placeholder.endsWith('/suwizard.new/2')) continue;
    if (handlers.has(handler) && !view.controls.has(control))
      problems.push(`${file}: handles ${handler}, but view ${view.id} declares no <controls><${control}/></controls>`);
    if (!handlers.has(handler) && view.controls.has(control))
      problems.push(`APP-META.xml: view ${view.id} declares <${control}/> but ${file} has no ${handler} handler`);
  }
  for (const m of source.matchAll(GOTO_VIEW))
    if (!viewIds.has(m[1])) problems.push(`${file}: goes to view ${m[1]}, which APP-META.xml does not declare`);
  return problems;
}

/** `ownTypes`: the type ids of the package's schemas (a var type on their host must be one of them). */
export function checkNavigation(
  views: ViewDecl[],
  sources: (view: ViewDecl) => string | undefined,
  ownTypes: Set<string>,
): string[] {
  const problems: string[] = [];
  const ownHosts = new Set([...ownTypes].map((t) => new URL(t).host));
  const seen = new Set<VarDecl>();
  for (const v of views.flatMap((view) => view.vars)) {
    if (seen.has(v)) continue;
    seen.add(v);
    if (!v.name || !v.typeId) problems.push(`APP-META.xml: a <var> in ${v.where} needs name and type-id`);
    else if (URL.canParse(v.typeId) && ownHosts.has(new URL(v.typeId).host) && !ownTypes.has(v.typeId)) {
      problems.push(
        `APP-META.xml: <var name="${v.name}"> in ${v.where} has type ${v.typeId}, which no schema of the package declares`,
      );
    }
  }
  const viewIds = new Set(views.map((v) => v.id));
  for (const view of views) {
    const source = sources(view);
    if (source !== undefined) problems.push(...checkView(view, source, viewIds));
  }
  return problems;
}
