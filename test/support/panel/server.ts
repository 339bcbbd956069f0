// A stand-in of the control panel for the view tests, on loopback: it serves the built package's
// files, the real Dojo loader, the documented aps/* modules (runtime/standin.js), and a fake APS
// controller REST API with the account's resources. It resolves each view's <var>s from
// APP-META.xml as a panel does, and records every request, message and error the views make.
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { packageEntries } from '../../../scripts/package/contents.js';
import { navigationModel, type ViewDecl } from '../../../scripts/package/navigation.js';
import { parseXml } from '../../../scripts/ox-sim/xml.js';
import { projectRoot } from '../../../app/util/paths.js';

const RUNTIME = join(dirname(fileURLToPath(import.meta.url)), 'runtime');
const DOJO = join(projectRoot, 'node_modules', 'dojo');
const USER_SERVICE = 'http://aps-standard.org/types/core/user/service/1.0';
const SUBSCRIPTION_SERVICE = 'http://aps-standard.org/types/core/subscription/service/1.0';
const BACK_LINKS: Record<string, string> = {
  mailboxes: 'context',
  profiles: 'app',
  mobility: 'mailbox',
  groups: 'context',
  resources: 'context',
  sharedMailboxes: 'context',
};
/** The type (its path) of the resources each back-link collection holds. */
const CHILD_TYPES: Record<string, string> = {
  mailboxes: 'mailboxes',
  profiles: 'profiles',
  mobility: 'mobility',
  groups: 'groups',
  resources: 'resources',
  sharedMailboxes: 'shared-mailboxes',
};
/** Collection relations a panel links and unlinks (POST {aps: {id}}, DELETE …/<other id>). */
const LINKS = new Set(['members', 'groups']);
const MIME: Record<string, string> = {
  '.js': 'application/javascript',
  '.html': 'text/html',
  '.json': 'application/json',
  '.png': 'image/png',
  '.xml': 'application/xml',
};

export type Resource = Record<string, any> & {
  aps: { id: string; type: string; status?: string; subscription?: string };
};

export interface Session {
  /** The customer account whose resources the panel shows (unset: the provider, who sees all). */
  account?: string;
  /** The service user of the end-user panel. */
  user?: string;
  locale: string;
  wizardUsers?: Resource[];
  /** The user whose profile the User Management tile shows. */
  profileUser?: string;
  /** MSS: the subscription whose copy of the customer tree (or wizard step) is shown. */
  subscription?: string;
}

/** A request the stand-in's controller passes on to a real endpoint (as the controller would). */
export type Bridge = (
  method: string,
  path: string,
  body: unknown,
  identity?: string,
) => Promise<{ status: number; json: unknown }>;

export interface Recorded {
  method: string;
  path: string;
  subscriptionHeader?: string;
  body?: any;
}

export class PanelStandIn {
  readonly entries: Map<string, Buffer>;
  readonly views: ViewDecl[];
  readonly resources = new Map<string, Resource>();
  readonly requests: Recorded[] = [];
  readonly errors: string[] = [];
  readonly messages: Array<{ id?: string; description: string; type?: string }> = [];
  readonly usageChanges: any[] = [];
  readonly shown: string[] = [];
  /** Resources whose changes and operations go to a real endpoint through `bridge`. */
  readonly bridged = new Set<string>();
  bridge?: Bridge;
  wizardNext = 0;
  wizardPrev = 0;
  wizardCancel = 0;
  /** The package's schemas, and what each type implements: user services, the subscription's service. */
  readonly schemas: Map<string, PackageSchema>;
  readonly implemented: Map<string, string[]>;
  readonly packageId: string;
  readonly mss: boolean;
  session: Session = { locale: 'en' };
  /** Package files replaced for one test (a view that breaks a rule, to prove the stand-in sees it). */
  readonly overrides = new Map<string, string>();
  private viewId = '';
  private resourceId?: string;
  private params?: Record<string, unknown>;
  private server?: http.Server;
  url = '';

  /** `edit` changes the package's files first (a package that breaks a rule, to show what the panel does). */
  constructor(edit?: (entries: Map<string, Buffer>) => void) {
    this.entries = packageEntries();
    edit?.(this.entries);
    const meta = this.entries.get('APP-META.xml')!.toString('utf8');
    this.views = navigationModel(parseXml(meta));
    this.schemas = packageSchemas(this.entries);
    this.implemented = new Map([...this.schemas].map(([id, schema]) => [id, schema.implements ?? []]));
    this.packageId = /<id>([^<]+)<\/id>/.exec(meta)![1];
    this.mss = /<business-mode>\s*mss\s*<\/business-mode>/.test(meta);
  }

  async start(): Promise<this> {
    this.server = http.createServer(
      (req, res) =>
        void this.handle(req, res).catch((err: Error) => {
          this.errors.push(`server: ${err.message}`);
          res.writeHead(500).end();
        }),
    );
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  add(resource: Resource): Resource {
    this.resources.set(resource.aps.id, resource);
    return resource;
  }

  view(id: string): ViewDecl {
    const view = this.views.find((v) => v.id === id);
    if (!view) throw new Error(`APP-META.xml declares no view ${id}`);
    return view;
  }

  /** Where the browser goes to show a view as `session` (the same for every view of a UX1 panel). */
  open(viewId: string, session: Session, resourceId?: string): string {
    this.session = session;
    this.viewId = viewId;
    this.resourceId = resourceId;
    this.params = undefined;
    return this.pageOf(this.view(viewId));
  }

  private pageOf(view: ViewDecl): string {
    return `${this.url}/package/${view.kind === 'cp' ? view.file : 'ui/bootstrapApp.html'}`;
  }

  implementsType(type: string, wanted: string): boolean {
    return type === wanted || (this.implemented.get(type) ?? []).includes(wanted);
  }

  /** A user service assigned to the user: the user is its referrer [ux1 §16.2]. */
  private assignedTo(r: Resource, userId: string): boolean {
    return this.implementsType(r.aps.type, USER_SERVICE) && r.user?.aps?.id === userId;
  }

  /** A service user sees themself, the user services assigned to them and the provider's shared resources. */
  private visible(r: Resource): boolean {
    const s = this.session;
    if (s.user) return r.aps.id === s.user || this.assignedTo(r, s.user) || r._account === undefined;
    return !s.account || r._account === undefined || r._account === s.account;
  }

  private ofType(type: string): Resource[] {
    return [...this.resources.values()].filter((r) => this.implementsType(r.aps.type, type) && this.visible(r));
  }

  /**
   * What a service user may do [ux1 §16.2]: read themself, shared resources and the user services
   * assigned to them, and call those services' operations that grant referrers access; nothing else.
   */
  private userDenied(resource: Resource | undefined, method: string, relation?: string): string | undefined {
    const user = this.session.user;
    if (!user || !resource) return undefined;
    if (!this.visible(resource)) return `service user ${user} has no access to ${resource.aps.id}`;
    if (!relation) return method === 'GET' ? undefined : `a referrer cannot ${method} ${resource.aps.id}`;
    const op = this.schemas.get(resource.aps.type)?.operations?.[relation];
    if (op?.access?.referrer !== true) return `operation ${relation} does not grant referrers access`;
    return undefined;
  }

  /** The view's vars as the panel binds them; a required one left empty is an error. */
  private vars(view: ViewDecl, subscription = this.session.subscription): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const decl of view.vars) {
      let candidates =
        decl.name === 'user' && this.session.user ? [this.resources.get(this.session.user)!] : this.ofType(decl.typeId);
      if (this.mss && this.implementsType(decl.typeId, SUBSCRIPTION_SERVICE) && !this.session.user) {
        // MSS binds the subscription's own service to a singular var [ux1 §16.1].
        if (decl.collection)
          this.errors.push(`view ${view.id}: in MSS the subscription's ${decl.name} is a singular var`);
        if (!subscription) this.errors.push(`view ${view.id}: in MSS a customer tree is shown within a subscription`);
        candidates = candidates.filter((r) => r.aps.subscription === subscription);
      }
      const chosen = this.resourceId ? this.resources.get(this.resourceId) : undefined;
      if (decl.collection) out[decl.name] = candidates;
      else out[decl.name] = chosen?.aps.type === decl.typeId ? chosen : candidates[0];
      const empty = decl.collection ? !(out[decl.name] as unknown[]).length : !out[decl.name];
      if (decl.required && empty) this.errors.push(`view ${view.id}: its required var ${decl.name} is empty`);
    }
    return out;
  }

  /** A user as the User Manager passes it to plug-ins: with the user services assigned to it [ux1 §16.2]. */
  private withServices(user: Resource): Record<string, unknown> {
    const services = [...this.resources.values()].filter((r) => this.assignedTo(r, user.aps.id));
    return { ...user, services };
  }

  private profileUserData(): Record<string, unknown> | undefined {
    const userId = this.session.profileUser;
    return userId ? this.withServices(this.resources.get(userId)!) : undefined;
  }

  /** The account's service users for the user list. */
  private usersData(): Record<string, unknown>[] {
    return this.ofType('http://aps-standard.org/types/core/service-user/1.0').map((u) => this.withServices(u));
  }

  /** MSS repeats a dashboard tile per subscription of the account, each with that subscription's vars. */
  private instances(view: ViewDecl): Array<{ subscription?: string; vars: Record<string, unknown> }> | undefined {
    if (!this.mss || !view.placeholder.endsWith('ccp-dashboard#dashboard')) return undefined;
    const subscriptions = [
      ...new Set(
        [...this.resources.values()]
          .filter((r) => this.implementsType(r.aps.type, SUBSCRIPTION_SERVICE) && this.visible(r))
          .map((r) => r.aps.subscription!),
      ),
    ];
    return subscriptions.map((subscription) => ({ subscription, vars: this.vars(view, subscription) }));
  }

  private state(): Record<string, unknown> {
    const view = this.view(this.viewId);
    const wizard = view.placeholder.endsWith('/suwizard.new/2');
    const controls = wizard ? ['prev', 'next', 'cancel'] : [...view.controls];
    const instances = view.kind === 'plugin' ? this.instances(view) : undefined;
    return {
      packageId: this.packageId,
      subscription: this.session.subscription,
      instances,
      usersData: view.placeholder.endsWith('ccp-users#usersview') ? this.usersData() : undefined,
      viewId: view.id,
      kind: view.kind,
      file: view.file,
      module: `app/${view.file.replace(/^ui\//, '').replace(/\.js$/, '')}`,
      placeholder: view.placeholder,
      controls,
      vars: instances ? {} : this.vars(view),
      params: this.params ?? {},
      locale: this.session.locale,
      biz: view.pluginPlaceholders.includes('http://www.aps-standard.org/core/package#biz'),
      wizardUsers: this.session.wizardUsers,
      userData: this.profileUserData(),
      url: this.pageOf(view),
    };
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const path = decodeURIComponent(url.pathname);
    const body = req.method === 'POST' || req.method === 'PUT' ? await readBody(req) : undefined;
    const send = (status: number, data: unknown, type = 'application/json') =>
      void res
        .writeHead(status, { 'content-type': type })
        .end(typeof data === 'string' || Buffer.isBuffer(data) ? data : JSON.stringify(data));

    if (path.startsWith('/package/')) {
      const name = path.slice('/package/'.length);
      const file = this.overrides.get(name) ?? this.entries.get(name);
      return file
        ? send(200, file, MIME[extname(path)] ?? 'application/octet-stream')
        : send(404, { message: 'not in the package' });
    }
    if (path === '/aps/2/ui/runtime/client/aps/aps.js') {
      // The runtime knows which package a page belongs to before any module of it loads.
      const known = `window.panelStandInPackageId = ${JSON.stringify(this.packageId)};\n`;
      return send(200, known + readFileSync(join(RUNTIME, 'aps.js'), 'utf8'), MIME['.js']);
    }
    if (path.startsWith('/dojo/')) {
      // Dojo's own modules never change within a run: let the browser keep them, as a CDN would.
      res.setHeader('cache-control', 'max-age=3600');
      return send(200, readFileSync(join(DOJO, path.slice('/dojo/'.length).replace(/\.\./g, ''))), MIME['.js']);
    }
    if (path === '/panel/aps/_standIn.js') return send(200, readFileSync(join(RUNTIME, 'standin.js')), MIME['.js']);
    const stub = /^\/panel\/(aps|dijit)\/([\w/]+)\.js$/.exec(path);
    if (stub) {
      const name = stub[1] === 'dijit' ? `dijit/${stub[2]}` : stub[2];
      return send(
        200,
        `define(['aps/_standIn'], function (panel) { return panel.module(${JSON.stringify(name)}); });`,
        MIME['.js'],
      );
    }
    if (path === '/panel/state') return send(200, this.state());
    if (path === '/panel/goto') {
      const { viewId, resourceId, params } = JSON.parse(body!) as {
        viewId: string;
        resourceId?: string;
        params?: Record<string, unknown>;
      };
      if (!this.views.some((v) => v.id === viewId))
        return send(200, { error: `gotoView to ${viewId}, which APP-META.xml does not declare` });
      this.viewId = viewId;
      this.resourceId = resourceId ?? undefined;
      this.params = params;
      return send(200, this.state());
    }
    const record = {
      '/panel/error': (b: any) => this.errors.push(b.message),
      '/panel/message': (b: any) => this.messages.push(b),
      '/panel/biz': (b: any) => this.usageChanges.push(b),
      '/panel/next': () => this.wizardNext++,
      '/panel/prev': () => this.wizardPrev++,
      '/panel/cancel': () => this.wizardCancel++,
      '/panel/shown': (b: any) => this.shown.push(b.viewId),
    } as Record<string, (b: any) => unknown>;
    if (record[path]) {
      record[path](JSON.parse(body || '{}'));
      return send(200, {});
    }
    if (path === '/ox/login') return send(200, '<html><body><h1>OX App Suite</h1></body></html>', MIME['.html']);
    if (path.startsWith('/aps/2/resources')) return void (await this.controller(req, url, body, send));
    send(404, { message: `no ${path} in the panel stand-in` });
  }

  /** The fake controller: resources, relation collections and the endpoint's custom operations. */
  private async controller(
    req: http.IncomingMessage,
    url: URL,
    text: string | undefined,
    send: (s: number, d: unknown) => void,
  ): Promise<void> {
    const method = req.method ?? 'GET';
    const body = text ? JSON.parse(text) : undefined;
    const sub = req.headers['aps-subscription-id'] as string | undefined;
    this.requests.push({ method, path: url.pathname + url.search, subscriptionHeader: sub, body });
    const [, id, relation, other] =
      /^\/aps\/2\/resources(?:\/([^/?]+))?(?:\/(\w+))?(?:\/([0-9a-f-]{36}))?$/.exec(url.pathname) ?? [];
    if (!id) {
      const type = /implementing\(([^)]+)\)/.exec(decodeURIComponent(url.search))?.[1];
      return send(200, type ? this.ofType(type) : []);
    }
    const resource = this.resources.get(id);
    if (!resource) return send(404, { message: `no resource ${id}` });
    const denied = this.userDenied(resource, method, relation);
    if (denied) return send(403, { message: denied });
    // A path segment is a relation where the type declares one; otherwise a custom operation.
    const isRelation = Boolean(relation && this.schemas.get(resource.aps.type)?.relations?.[relation]);
    if (this.bridge && this.bridged.has(id) && (method === 'PUT' || (relation && !isRelation)))
      return this.passOn(resource, method, relation, body, send);
    if (!relation) {
      if (method === 'GET') return send(200, resource);
      if (method === 'PUT')
        return send(200, this.add({ ...resource, ...body, aps: { ...resource.aps, ...body?.aps } }));
      if (method === 'DELETE') return void (this.remove(resource), send(204, ''));
    }
    if (isRelation && LINKS.has(relation) && !this.implementsType(resource.aps.type, SUBSCRIPTION_SERVICE))
      return send(...this.linkCall(resource, relation, method, body, other));
    if (isRelation && BACK_LINKS[relation] && method === 'GET') {
      return send(
        200,
        [...this.resources.values()].filter(
          (r) => r[BACK_LINKS[relation]]?.aps?.id === id && r.aps.type.includes(`/${CHILD_TYPES[relation]}/`),
        ),
      );
    }
    if (isRelation && BACK_LINKS[relation] && method === 'POST')
      return send(200, this.create(resource, relation, body, sub));
    const declared = this.schemas.get(resource.aps.type)?.operations?.[relation ?? ''];
    if (!declared) return send(404, { message: `${resource.aps.type} declares no operation ${relation}` });
    if (declared.verb !== method) {
      this.errors.push(`operation ${relation} is declared ${declared.verb} but was called with ${method}`);
      return send(405, { message: `use ${declared.verb}` });
    }
    if (relation === 'revealPassword') return this.reveal(resource, send);
    return send(200, this.operation(resource, relation ?? ''));
  }

  /** To the endpoint as the controller calls it: PUT /<service>/<id>, or the operation's verb and path. */
  private async passOn(
    resource: Resource,
    method: string,
    relation: string | undefined,
    body: unknown,
    send: (s: number, d: unknown) => void,
  ): Promise<void> {
    const service = /\/aps\/([\w-]+)\/\d+\.\d+$/.exec(resource.aps.type)?.[1];
    const path = `/${service}/${resource.aps.id}${relation ? `/${relation}` : ''}`;
    const answer = await this.bridge!(method, path, relation ? undefined : body, this.session.user);
    if (answer.status < 300 && !relation && method === 'PUT') {
      const changed = answer.json as Resource;
      this.add({ ...resource, ...changed, aps: { ...resource.aps, ...changed.aps } });
    }
    send(answer.status, answer.json);
  }

  private create(parent: Resource, relation: string, body: Resource, subscription?: string): Resource {
    const made = this.add({
      ...body,
      _account: parent._account,
      aps: { ...body.aps, id: randomUUID(), status: 'aps:ready', subscription: body.aps?.subscription ?? subscription },
      [BACK_LINKS[relation]]: { aps: { id: parent.aps.id } },
    });
    if (relation === 'mobility') this.add({ ...parent, mobility: { aps: { id: made.aps.id } }, mobilityEnabled: true });
    return made;
  }

  private remove(resource: Resource): void {
    this.resources.delete(resource.aps.id);
    const owner = resource.mailbox?.aps?.id && this.resources.get(resource.mailbox.aps.id);
    if (owner) this.add({ ...owner, mobility: undefined, mobilityEnabled: false });
  }

  /** A collection link as the controller keeps it: listed, added once, removed (a link that is not there: 404). */
  private linkCall(resource: Resource, relation: string, method: string, body: any, other?: string): [number, unknown] {
    const ids: string[] = resource[relation] ?? [];
    if (method === 'GET') return [200, ids.map((i) => this.resources.get(i)).filter(Boolean)];
    if (method === 'POST') {
      const linked = body?.aps?.id;
      if (!this.resources.has(linked)) return [404, { message: `no resource ${linked} to link` }];
      this.add({ ...resource, [relation]: [...new Set([...ids, linked])] });
      return [200, {}];
    }
    if (method === 'DELETE' && other) {
      if (!ids.includes(other)) return [404, { message: `${other} is not linked` }];
      this.add({ ...resource, [relation]: ids.filter((i) => i !== other) });
      return [204, ''];
    }
    return [405, { message: `${method} on a link collection` }];
  }

  /** As the endpoint answers: a generated password once, then 409. */
  private reveal(resource: Resource, send: (s: number, d: unknown) => void): void {
    if (resource.passwordState !== 'generated' || this.revealed.has(resource.aps.id))
      return send(409, { error: 'PasswordNotRevealable', message: 'The password was revealed already' });
    this.revealed.add(resource.aps.id);
    send(200, { login: resource.login, password: `generated-${resource.login}` });
  }

  private readonly revealed = new Set<string>();

  private operation(resource: Resource, name: string): unknown {
    switch (name) {
      case 'login':
      case 'adminLogin':
      case 'publicUrl':
        return { url: `${this.url}/ox/login?for=${resource.aps.id}` };
      case 'clientSettings':
        return {
          // As the endpoint answers: the OX user name with its context's mapping, the mail login per server.
          username: `${String(resource.login)}@a.example`,
          email: resource.email,
          imap: { host: 'imap.example.com', port: 993, security: 'SSL/TLS', username: resource.email },
          smtp: { host: 'smtp.example.com', port: 465, security: 'SSL/TLS', username: resource.email },
          activeSync: resource.mobilityEnabled ? { url: 'https://ox.example.com/Microsoft-Server-ActiveSync' } : null,
          webmailUrl: 'https://ox.example.com/appsuite/',
        };
      case 'sharedMailboxes': {
        const groups = [...this.resources.values()].filter((g) => (g.members ?? []).includes(resource.aps.id));
        const shared = [...this.resources.values()].filter(
          (s) =>
            s.address &&
            ((s.members ?? []).includes(resource.aps.id) ||
              (s.groups ?? []).some((g: string) => groups.some((x) => x.aps.id === g))),
        );
        return { sharedMailboxes: shared.map((s) => ({ address: s.address, displayName: s.displayName })) };
      }
      case 'timezones':
        return { timezones: ['America/New_York', 'Europe/Amsterdam', 'Europe/Berlin', 'Europe/Paris'] };
      case 'testConnection':
        return { ok: true, message: 'OX answered as master admin', latencyMs: 12 };
      default:
        return { message: `no operation ${name}` };
    }
  }

  /** Commits the wizard's recorded provisions as the panel does after its last step. */
  commitWizard(): Resource[] {
    return this.usageChanges.flatMap((c) =>
      (c.operations ?? []).map((o: { provision: Resource }) => {
        const ctx = this.resources.get(o.provision.context?.aps?.id)!;
        return this.create(ctx, 'mailboxes', o.provision, o.provision.aps.subscription);
      }),
    );
  }
}

interface PackageSchema {
  implements?: string[];
  relations?: Record<string, { type: string; collection?: boolean }>;
  operations?: Record<string, { verb: string; access?: { referrer?: boolean } }>;
}

/** The package's schemas by type id. */
function packageSchemas(entries: Map<string, Buffer>): Map<string, PackageSchema> {
  const out = new Map<string, PackageSchema>();
  for (const [name, data] of entries)
    if (name.startsWith('schemas/')) {
      const schema = JSON.parse(data.toString('utf8')) as PackageSchema & { id: string };
      out.set(schema.id, schema);
    }
  return out;
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    req
      .on('data', (c) => (text += c))
      .on('end', () => resolve(text))
      .on('error', reject);
  });
}
