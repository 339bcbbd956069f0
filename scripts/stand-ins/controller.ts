// A stand-in APS controller: calls the endpoint over mutual TLS with its certificate, and serves
// the controller REST API (aps/2/resources/<id>) the endpoint calls back, checking the caller's
// instance certificate.
import http from 'node:http';
import https from 'node:https';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { TestCa, type Issued } from './pki.js';
import { pemToDer } from '../../app/util/tls.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { schemasDir } from '../../app/util/paths.js';

/** The type id the package serves for a service now (what a controller sends after the upgrade). */
function typeIdOf(service: string): string {
  return (JSON.parse(readFileSync(join(schemasDir, `${service}.schema`), 'utf8')) as { id: string }).id;
}

export interface CallOptions {
  body?: unknown;
  rawBody?: string;
  instanceId?: string;
  /** Which client certificate to present: the controller's (default), none, or another. */
  as?: 'controller' | 'none' | Issued;
  phase?: 'sync' | 'async';
  transactionId?: string;
  headers?: Record<string, string>;
  /**
   * Sign with OAuth (an APS Connect instance) instead of the controller certificate; the default is the controller's
   * signer.
   */
  signer?: Signer | 'none';
}

/** Answers the Authorization header of a request (APS Connect: OAuth 1.0a with the instance's key). */
export type Signer = (method: string, url: string) => string;

export interface CallResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON of any shape, read by tests
  json: any;
}

/** A collection relation → the link its members carry back to the parent. */
const BACK_LINKS: Record<string, string> = { profiles: 'app', mailboxes: 'context', contexts: 'app' };

export class TestController {
  readonly ca = new TestCa();
  readonly identity: Issued = this.ca.issue('aps-controller');
  readonly resources = new Map<string, Record<string, unknown>>();
  readonly received: Array<{
    method: string;
    url: string;
    instanceCertOk: boolean;
    transactionId?: string;
    authorization?: string;
  }> = [];
  /** APS Connect: signs the controller's calls when set (they then present no certificate). */
  signer?: Signer;
  /**
   * APS Connect: consumer keys whose OAuth-signed callbacks are accepted. The signature itself is
   * the test's to check (with a signer of its own, from `received`).
   */
  readonly oauthKeys = new Set<string>();
  /** Instance certificates the controller accepts on its REST API. */
  readonly instanceCerts = new Set<string>();
  /** Event subscriptions resources made (POST aps/2/resources/<id>/aps/subscriptions). */
  readonly subscriptions: Array<{
    id: string;
    subscriber: string;
    event: string;
    source: { id?: string; type?: string };
    handler: string;
  }> = [];
  /** Resources created through the REST API (POST aps/2/resources/<parent>/<relation>). */
  readonly created: Array<{ relation: string; parentId: string; resource: Record<string, unknown> }> = [];
  /** Changes made through PUT aps/2/resources/<id>, in order. */
  readonly updates: Array<{ id: string; patch: Record<string, unknown> }> = [];
  /** Instance certificate (DER, base64) → instance id. */
  private readonly certInstances = new Map<string, string>();
  /** How the next REST API calls are answered, one entry per call (then normally again). */
  readonly misbehave: Array<'404' | '500' | 'hang' | 'not-json'> = [];
  private readonly agents = new Map<string, https.Agent>();
  private server?: https.Server;
  uri = '';
  /** The endpoint's base URL: resources created through the REST API are provisioned there. */
  endpointUrl = '';

  async start(): Promise<this> {
    this.server = https.createServer({ ...this.identity, requestCert: true, rejectUnauthorized: false }, (req, res) => {
      const peer = (req.socket as TLSSocket).getPeerCertificate()?.raw;
      const authorization = req.headers.authorization;
      const signedKey = /oauth_consumer_key="([^"]*)"/.exec(authorization ?? '')?.[1];
      const certOk = Boolean(peer && [...this.instanceCerts].some((c) => pemToDer(c).equals(peer)));
      const ok = certOk || Boolean(signedKey && this.oauthKeys.has(decodeURIComponent(signedKey)));
      this.received.push({
        method: req.method ?? '',
        url: req.url ?? '',
        instanceCertOk: certOk,
        transactionId: req.headers['aps-transaction-id'] as string | undefined,
        authorization,
      });
      if (!ok) return void res.writeHead(403).end('{"message":"bad certificate"}');
      switch (this.misbehave.shift()) {
        case '404':
          return void res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"not found"}');
        case '500':
          return void res.writeHead(500, { 'content-type': 'text/html' }).end('<html>Internal Server Error</html>');
        case 'not-json':
          return void res.writeHead(200, { 'content-type': 'text/html' }).end('<html>login</html>');
        case 'hang':
          return; // never answers
        default:
          break;
      }
      const subscribe = /^\/aps\/2\/resources\/([0-9a-f-]{36})\/aps\/subscriptions$/.exec(req.url ?? '');
      if (subscribe && req.method === 'POST') return void this.subscribe(subscribe[1], req, res);
      const related = /^\/aps\/2\/resources\/([0-9a-f-]{36})\/(\w+)$/.exec(req.url ?? '');
      if (related && req.method === 'GET') return void this.listRelated(related[1], related[2], res);
      if (related && req.method === 'POST') return void this.createRelated(related[1], related[2], req, res);
      const query = /^\/aps\/2\/resources\?(.*)$/.exec(req.url ?? '');
      if (query && req.method === 'GET') return void this.queryResources(decodeURIComponent(query[1]), res);
      const match = /^\/aps\/2\/resources\/([0-9a-f-]{36})$/.exec(req.url ?? '');
      const resource = match && this.resources.get(match[1]);
      if (!resource) return void res.writeHead(404).end('{"message":"not found"}');
      if (match && req.method === 'PUT') return void this.updateResource(match[1], resource, req, res);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(resource));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.uri = `https://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
    return this;
  }

  /** RQL as the upgrade uses it: implementing(<type id>),limit(<offset>,<count>); a type implements itself only. */
  private queryResources(rql: string, res: http.ServerResponse): void {
    const type = /implementing\(([^)]*)\)/.exec(rql)?.[1];
    const [offset, count] = (/limit\((\d+),(\d+)\)/.exec(rql)?.slice(1) ?? ['0', '1000']).map(Number);
    const all = [...this.resources.entries()]
      .filter(([, r]) => !type || (r.aps as { type?: string } | undefined)?.type === type)
      .map(([id, r]) => ({ ...r, aps: { ...(r.aps as object), id } }));
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(all.slice(offset, offset + count)));
  }

  /** PUT aps/2/resources/<id>: the properties sent replace those held (aps merged, as the controller does). */
  private updateResource(
    id: string,
    resource: Record<string, unknown>,
    req: http.IncomingMessage,
    res: http.ServerResponse,
  ): void {
    let text = '';
    req
      .on('data', (c) => (text += c))
      .on('end', () => {
        const patch = JSON.parse(text) as Record<string, unknown>;
        Object.assign(resource, patch, { aps: { ...(resource.aps as object), ...(patch.aps as object) } });
        this.updates.push({ id, patch });
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(resource));
      });
  }

  private subscribe(subscriber: string, req: http.IncomingMessage, res: http.ServerResponse): void {
    let body = '';
    req
      .on('data', (c) => (body += c))
      .on('end', () => {
        const spec = JSON.parse(body) as { event: string; source: { id?: string; type?: string }; handler: string };
        const subscription = { id: randomUUID(), subscriber, ...spec };
        this.subscriptions.push(subscription);
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ ...spec, aps: { id: subscription.id } }));
      });
  }

  /** The resources linked to `parentId` by their `parentLink` relation (profiles → app, mailboxes → context). */
  private listRelated(parentId: string, relation: string, res: http.ServerResponse): void {
    const back = BACK_LINKS[relation];
    const list = back
      ? [...this.resources.values()].filter(
          (r) => (r[back] as { aps?: { id?: string } } | undefined)?.aps?.id === parentId,
        )
      : [];
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(list));
  }

  /** Creates a resource in a parent's collection: provisioned by the endpoint, then kept here. */
  private createRelated(parentId: string, relation: string, req: http.IncomingMessage, res: http.ServerResponse): void {
    let text = '';
    req
      .on('data', (c) => (text += c))
      .on('end', () => {
        const back = BACK_LINKS[relation];
        const instanceId = (req.headers['aps-instance-id'] as string | undefined) ?? this.instanceOf(req);
        if (!back || !this.endpointUrl || !instanceId)
          return void res.writeHead(400).end('{"message":"cannot create that here"}');
        const body = JSON.parse(text) as { aps?: Record<string, unknown> };
        const id = randomUUID();
        const resource = { ...body, aps: { ...body.aps, id }, [back]: { aps: { id: parentId } } };
        this.call(this.endpointUrl, 'POST', `/${relation}`, { instanceId, body: resource }).then(
          (answer) => {
            if (answer.status !== 200)
              return void res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.text);
            const stored = { ...resource, ...answer.json, aps: { ...resource.aps, ...answer.json?.aps, id } };
            this.resources.set(id, stored);
            this.created.push({ relation, parentId, resource: stored });
            res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(stored));
          },
          (err: Error) => res.writeHead(502).end(JSON.stringify({ message: err.message })),
        );
      });
  }

  /** The instance whose certificate made the request. */
  private instanceOf(req: http.IncomingMessage): string | undefined {
    const peer = (req.socket as TLSSocket).getPeerCertificate()?.raw;
    return peer ? this.certInstances.get(peer.toString('base64')) : undefined;
  }

  /** Drops pooled connections (the endpoint restarted on the same port). */
  resetConnections(): void {
    for (const a of this.agents.values()) a.destroy();
    this.agents.clear();
  }

  async stop(): Promise<void> {
    this.resetConnections();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /**
   * Resource types of the subscription service, as a provider builds them for plans: the
   * activation parameters are property values every resource of the type is provisioned with.
   */
  readonly resourceTypes = new Map<string, { service: string; activationParameters: Record<string, unknown> }>();

  /**
   * A customer buys a plan: the controller provisions the resource type's service resource for the
   * new subscription, with the type's activation parameters and the plan's limits in its body.
   */
  async buyPlan(
    url: string,
    instanceId: string,
    resourceType: string,
    limits: Record<string, unknown> = {},
  ): Promise<{ id: string; subscription: string; answer: CallResult }> {
    const rt = this.resourceTypes.get(resourceType);
    if (!rt) throw new Error(`no resource type ${resourceType}`);
    const [id, subscription] = [randomUUID(), randomUUID()];
    const body = {
      ...rt.activationParameters,
      ...limits,
      aps: { id, type: typeIdOf(rt.service), status: 'aps:provisioning', subscription },
      app: { aps: { id: instanceId } },
      subscription: { aps: { id: subscription } },
      account: { aps: { id: randomUUID() } },
    };
    const answer = await this.call(url, 'POST', `/${rt.service}`, { instanceId, body });
    if (answer.status === 200) this.resources.set(id, { ...body, ...answer.json });
    return { id, subscription, answer };
  }

  /** A fresh application instance: its id and the aps.x509 block the controller sends. */
  newInstance(): { id: string; x509: { self: string; controller: string }; cert: Issued } {
    const cert = this.ca.issue('aps-instance');
    this.instanceCerts.add(cert.cert);
    const id = randomUUID();
    this.certInstances.set(pemToDer(cert.cert).toString('base64'), id);
    return { id, x509: { self: `${cert.cert}${cert.key}`, controller: this.identity.cert }, cert };
  }

  private agent(as: CallOptions['as']): https.Agent {
    const name = as === 'none' ? 'none' : as === undefined || as === 'controller' ? 'controller' : as.cert;
    let agent = this.agents.get(name);
    if (!agent) {
      const identity = as === 'none' ? {} : as === undefined || as === 'controller' ? this.identity : as;
      agent = new https.Agent({ keepAlive: true, rejectUnauthorized: false, maxSockets: 64, ...identity });
      this.agents.set(name, agent);
    }
    return agent;
  }

  call(base: string, method: string, path: string, opts: CallOptions = {}): Promise<CallResult> {
    const payload = opts.rawBody ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
    const url = new URL(path, base);
    const signer = opts.signer === 'none' ? undefined : (opts.signer ?? this.signer);
    const headers: Record<string, string> = {
      ...(signer ? { authorization: signer(method, url.href) } : {}),
      'APS-Controller-URI': this.uri,
      'APS-Transaction-ID': opts.transactionId ?? randomUUID(),
      'APS-Request-Phase': opts.phase ?? 'sync',
      ...(opts.instanceId ? { 'APS-Instance-ID': opts.instanceId } : {}),
      ...(payload !== undefined ? { 'content-type': 'application/json' } : {}),
      ...opts.headers,
    };
    return new Promise((resolve, reject) => {
      // An endpoint behind a TLS-terminating proxy (APS_PLAIN_HTTP) is reached in plain HTTP here.
      const options = { method, headers };
      const answer = (res: http.IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      };
      const req =
        url.protocol === 'http:'
          ? http.request(url, options, answer)
          : https.request(url, { ...options, agent: this.agent(opts.as ?? (signer ? 'none' : undefined)) }, answer);
      req.on('error', reject);
      req.end(payload);
    });
  }
}
