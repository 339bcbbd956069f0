// The documented model of the UX1 panel (../shared/spec/ux1.md §16) as rules over the package:
// mailboxes as user services, MSS for one context per subscription, plug-ins that translate with
// the package's texts, wizard steps that leave Back and Cancel to the wizard, one top-level view per
// menu item, one dashboard form, and the customer tasks the panel must offer (every operation
// reachable, login buttons only where allowed, no mobility add-on with a tier that has mobility).
import type { XmlNode } from '../ox-sim/xml.js';
import type { ViewDecl } from './navigation.js';
import { moduleFiles } from './ui-rules.js';

const USER_SERVICE = 'http://aps-standard.org/types/core/user/service/1.0';
const SUBSCRIPTION_SERVICE = 'http://aps-standard.org/types/core/subscription/service/1.0';
const CUSTOMER = 'http://www.parallels.com/ccp/2';
const WIZARD = 'http://www.aps-standard.org/ui/service/suwizard.new/2';
const DASHBOARD = 'http://www.parallels.com/ccp-dashboard#dashboard';
const USER_PANEL = 'http://www.aps-standard.org/ui/user/2';
/** The binding module every plug-in's texts go through (it alone reads the global form). */
const BINDING = 'ui/lib/i18n.js';

export interface PanelSchema {
  id: string;
  implements?: string[];
  relations?: Record<string, { type: string; required?: boolean }>;
  operations?: Record<string, { verb: string }>;
}

const kids = (n: XmlNode, local: string) => n.children.filter((c) => c.local === local);

/** A per-user resource (a required user link) plugs into User Management only as a user service. */
function userServiceProblems(schemas: PanelSchema[]): string[] {
  return schemas
    .filter((s) => s.relations?.user?.required && !(s.implements ?? []).includes(USER_SERVICE))
    .map(
      (s) =>
        `${s.id}: a per-user resource (required user link) must implement ${USER_SERVICE}, or User Management and the user's panel never see it [ux1 §16.2]`,
    );
}

/** One OX context per subscription is MSS: declared, and bound as one singular var per customer tree. */
function mssProblems(meta: XmlNode, views: ViewDecl[], schemas: PanelSchema[]): string[] {
  const problems: string[] = [];
  const services = new Set(schemas.filter((s) => (s.implements ?? []).includes(SUBSCRIPTION_SERVICE)).map((s) => s.id));
  const mss = kids(meta, 'capabilities').some((c) => kids(c, 'business-mode').some((m) => m.text.trim() === 'mss'));
  const customer = views.filter((v) => [CUSTOMER, WIZARD, DASHBOARD].includes(v.placeholder));
  const binds = customer.filter((v) => v.vars.some((d) => services.has(d.typeId)));
  if (binds.length && !mss)
    problems.push(
      'APP-META.xml: one context per subscription is the MSS business mode: declare <capabilities><business-mode>mss</business-mode></capabilities> [ux1 §16.1]',
    );
  for (const view of customer) {
    const own = view.vars.filter((d) => services.has(d.typeId));
    if (own.some((d) => d.collection))
      problems.push(
        `APP-META.xml: view ${view.id} binds the subscription's service as a collection: MSS binds one [ux1 §16.1]`,
      );
    else if (mss && !own.length)
      problems.push(`APP-META.xml: view ${view.id} declares no var of the subscription's service type [ux1 §16.1]`);
  }
  return problems;
}

/** Inside the host application the global _() is the host's: plug-ins and what they load bind _ [ux1 §16.3]. */
function bindingProblems(views: ViewDecl[], entries: Map<string, Buffer>): string[] {
  const files = new Set(views.filter((v) => v.kind === 'plugin').flatMap((v) => moduleFiles(v.file, entries)));
  const problems: string[] = [];
  for (const file of files) {
    const source = entries.get(file)?.toString('utf8') ?? '';
    if (file === BINDING || !/\b_\(/.test(source)) continue;
    const factory = /function\s*\(([^)]*)\)/.exec(source)?.[1] ?? '';
    if (!factory.split(',').some((p) => p.trim() === '_') && !/\bvar _ =/.test(source))
      problems.push(
        `${file}: a plug-in's texts need _ bound to the package (${BINDING}), not the host's global _() [ux1 §16.3]`,
      );
  }
  return problems;
}

/** Cancel is the wizard's; Prev is the view's only to go back itself (aps.apsc.prev) [ux1 §16.4]. */
function wizardProblems(views: ViewDecl[], entries: Map<string, Buffer>): string[] {
  const problems: string[] = [];
  for (const view of views.filter((v) => v.placeholder === WIZARD)) {
    const source = entries.get(view.file)?.toString('utf8') ?? '';
    if (/\bonCancel\s*:\s*function/.test(source))
      problems.push(`${view.file}: a wizard step leaves Cancel to the wizard (no onCancel) [ux1 §16.4]`);
    const prev = /\bonPrev\s*:\s*function[^{]*\{([^}]*)\}/.exec(source);
    if (prev && !/aps\.apsc\.prev\(\)/.test(prev[1]))
      problems.push(`${view.file}: a wizard step's onPrev must go back with aps.apsc.prev() [ux1 §16.4]`);
  }
  return problems;
}

/** Each menu item opens one top-level view; a second one would not be reachable [ux1 §16.5]. */
function itemProblems(meta: XmlNode): string[] {
  const items = kids(meta, 'presentation')
    .flatMap((p) => kids(p, 'navigation'))
    .flatMap((n) => kids(n, 'item'));
  return items
    .filter((i) => kids(i, 'view').length > 1)
    .map(
      (i) =>
        `APP-META.xml: item ${i.attrs.id ?? ''} holds ${kids(i, 'view').length} top-level views: one per item [ux1 §16.5]`,
    );
}

/** A dashboard plug-in has one form, and state per instance (MSS repeats it per subscription) [ux1 §16.3]. */
function dashboardProblems(views: ViewDecl[], entries: Map<string, Buffer>): string[] {
  const problems: string[] = [];
  for (const view of views.filter((v) => v.placeholder === DASHBOARD)) {
    const source = entries.get(view.file)?.toString('utf8') ?? '';
    if (/\b(apsType|entryViewId)\s*:/.test(source) && /\binit\s*:\s*function\s*\(\s*mediator/.test(source))
      problems.push(
        `${view.file}: mixes the basic (apsType, entryViewId) and the advanced (init(mediator)) form [ux1 §16.3]`,
      );
    for (const m of source.matchAll(/^ {2}var (\w+)\s*;/gm))
      if (new RegExp(`\\b${m[1]}\\s*=[^=]`).test(source))
        problems.push(
          `${view.file}: module variable ${m[1]} is shared by the tiles of every subscription: keep state per instance [ux1 §16.1]`,
        );
  }
  return problems;
}

/** What a customer must be able to do in the panel: each operation reachable, logins where allowed, no add-on twice. */
function taskProblems(
  views: ViewDecl[],
  entries: Map<string, Buffer>,
  schemas: PanelSchema[],
  called: Set<string>,
): string[] {
  const problems: string[] = [];
  for (const s of schemas)
    for (const op of Object.keys(s.operations ?? {}))
      if (!/^on[A-Z]/.test(op) && !called.has(op))
        problems.push(`${s.id}: operation ${op} is reached from no view: a customer cannot use it`);
  for (const view of views.filter((v) => v.placeholder !== USER_PANEL && v.kind !== 'cp')) {
    const source = entries.get(view.file)?.toString('utf8') ?? '';
    if (/,\s*'login'\s*,/.test(source) && !/\badminMayOpen\b/.test(source))
      problems.push(
        `${view.file}: offers a mailbox login to administrators without asking adminMayOpen (403 by default)`,
      );
    if (/types\.MOBILITY/.test(source) && /\.put\(/.test(source) && !/\bshowMobility\(/.test(source))
      problems.push(
        `${view.file}: sells the mobility add-on without hiding it for tiers that include mobility (showMobility)`,
      );
  }
  return problems;
}

export function panelModelProblems(
  meta: XmlNode,
  views: ViewDecl[],
  entries: Map<string, Buffer>,
  schemas: PanelSchema[],
  called: Set<string>,
): string[] {
  return [
    ...userServiceProblems(schemas),
    ...mssProblems(meta, views, schemas),
    ...bindingProblems(views, entries),
    ...wizardProblems(views, entries),
    ...itemProblems(meta),
    ...dashboardProblems(views, entries),
    ...taskProblems(views, entries, schemas, called),
  ];
}
