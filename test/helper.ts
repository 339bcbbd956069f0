// Starts the whole stack on loopback for a test: the OX simulator, the endpoint (real HTTPS,
// real SQLite in a temp dir) and a test controller. Everything stops at the test's end.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { loadConfig, type Config } from '../app/config.js';
import { buildServer } from '../app/server.js';
import { OxSimulator, type SimulatorOptions } from '../scripts/ox-sim/server.js';
import { TestController, type CallOptions, type CallResult, type Signer } from '../scripts/stand-ins/controller.js';

export const MASTER_PASSWORD = 'Master-Pass-4711';

interface Tap {
  teardown(fn: () => unknown): void;
}

export interface StackOptions {
  env?: Record<string, string>;
  sim?: SimulatorOptions;
  settings?: Record<string, unknown>;
  /** Let the endpoint generate its own TLS certificate into DATA_DIR (as `npm start` does). */
  generatedTls?: boolean;
  /** APS Connect: the endpoint knows this key and secret; the controller signs with the signer. */
  oauth?: { key: string; secret: string; signer: Signer };
}

export class Stack {
  sim!: OxSimulator;
  controller!: TestController;
  endpoint!: FastifyInstance;
  url = '';
  readonly dataDir = mkdtempSync(join(tmpdir(), 'ox-aps-'));
  readonly logLines: string[] = [];
  instanceId = '';
  /** Every password, key line and SSO token this stack sent or received: none may reach a log. */
  readonly secrets = new Set<string>([MASTER_PASSWORD]);
  /** The environment the endpoint runs with. */
  env: Record<string, string> = {};
  /** The single sign-on listener's base URL, when SSO_PORT is set. */
  publicUrl = '';

  constructor(private readonly opts: StackOptions = {}) {}

  async start(): Promise<this> {
    this.sim = await new OxSimulator({ masterPassword: MASTER_PASSWORD, ...this.opts.sim }).start();
    this.controller = await new TestController().start();
    if (!this.opts.generatedTls) this.provideTls();
    const { oauth } = this.opts;
    if (oauth) {
      writeFileSync(join(this.dataDir, 'oauth-clients.json'), JSON.stringify({ [oauth.key]: oauth.secret }), {
        mode: 0o600,
      });
      this.controller.signer = oauth.signer;
      this.controller.oauthKeys.add(oauth.key);
      this.secrets.add(oauth.secret);
    }
    this.env = {
      DATA_DIR: this.dataDir,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'debug',
      ...(oauth ? { OAUTH_CLIENTS_FILE: join(this.dataDir, 'oauth-clients.json') } : {}),
      SYNC_BUDGET_MS: '3000',
      APS_RETRY_TIMEOUT: '1',
      JOB_RETRY_MAX_DELAY: '1',
      OX_TIMEOUT_MS: '2000',
      // Tests generate RSA keys synchronously in this process; only the overload test wants 503s.
      MAX_EVENT_LOOP_DELAY_MS: '0',
      ...this.opts.env,
    };
    await this.startEndpoint();
    return this;
  }

  /** The endpoint's server certificate, from the test CA (the endpoint would generate one: 0.5 s of CPU). */
  private provideTls(): void {
    const { cert, key } = this.controller.ca.issue('127.0.0.1');
    writeFileSync(join(this.dataDir, 'tls.crt'), cert);
    writeFileSync(join(this.dataDir, 'tls.key'), key, { mode: 0o600 });
  }

  async startEndpoint(extraEnv: Record<string, string> = {}): Promise<void> {
    // The first start binds any free port (no port picked now and bound later, which another
    // test could take meanwhile); restarts keep it, so PUBLIC_URL and its links stay right.
    const firstStart = this.env.PORT === '0';
    const config = loadConfig({ PUBLIC_URL: 'https://127.0.0.1', ...this.env, ...extraEnv });
    const lines = this.logLines;
    const stream = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    this.endpoint = await buildServer({ config, logStream: stream });
    await this.endpoint.listen({ port: config.PORT, host: '127.0.0.1' });
    const { port } = this.endpoint.server.address() as AddressInfo;
    const scheme = config.APS_PLAIN_HTTP ? 'http' : 'https';
    if (firstStart) {
      this.env.PORT = String(port);
      this.env.PUBLIC_URL ??= `${scheme}://127.0.0.1:${port}`;
      config.PUBLIC_URL = this.env.PUBLIC_URL;
    }
    this.url = `${scheme}://127.0.0.1:${port}/`;
    this.controller.endpointUrl = this.url;
    await this.listenPublic(config, firstStart);
  }

  /** With SSO_PORT, the single sign-on listener (its own port, plain HTTP unless given TLS files). */
  private async listenPublic(config: Config, firstStart: boolean): Promise<void> {
    const publicServer = this.endpoint.publicServer;
    if (!publicServer) return;
    await publicServer.listen({ port: config.SSO_PORT ?? 0, host: '127.0.0.1' });
    const { port } = publicServer.server.address() as AddressInfo;
    this.publicUrl = `${config.SSO_TLS_CERT_FILE ? 'https' : 'http'}://127.0.0.1:${port}`;
    if (firstStart) {
      this.env.SSO_PORT = String(port);
      if (!this.opts.env?.PUBLIC_URL) this.env.PUBLIC_URL = this.publicUrl;
      config.PUBLIC_URL = this.env.PUBLIC_URL;
    }
  }

  async restartEndpoint(extraEnv: Record<string, string> = {}): Promise<void> {
    await this.endpoint.close();
    this.controller.resetConnections();
    await this.startEndpoint(extraEnv);
  }

  async stop(): Promise<void> {
    await this.endpoint?.close();
    const leaked = this.leakedSecrets();
    await this.controller?.stop();
    await this.sim?.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
    if (leaked.length)
      throw new Error(
        `${leaked.length} secret(s) appeared in the endpoint's log, e.g. one starting ${leaked[0].slice(0, 4)}…`,
      );
  }

  /** Secrets found in the endpoint's log lines (checked when the stack stops). */
  leakedSecrets(): string[] {
    const log = this.logText();
    return [...this.secrets].filter((s) => s.length >= 8 && log.includes(s));
  }

  private remember(value: unknown, key = ''): void {
    if (typeof value === 'string') {
      if (/password|secret/i.test(key)) this.secrets.add(value);
      if (key === 'self') for (const line of value.split('\n')) if (line.length >= 40) this.secrets.add(line);
      const token = /\/sso\/([A-Za-z0-9_-]{43})/.exec(value)?.[1];
      if (token) this.secrets.add(token);
    } else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) this.remember(v, k);
    }
  }

  async call(method: string, path: string, opts: CallOptions = {}): Promise<CallResult> {
    this.remember(opts.body);
    const res = await this.controller.call(this.url, method, path, {
      instanceId: this.instanceId || undefined,
      ...opts,
    });
    this.remember(res.json);
    return res;
  }

  settings(extra: Record<string, unknown> = {}): Record<string, unknown> {
    return {
      oxSoapUrl: this.sim.soapUrl,
      oxPublicUrl: this.sim.url,
      masterPassword: MASTER_PASSWORD,
      contextIdStart: 100,
      defaultQuotaMb: 500,
      readyTiers: false,
      ...this.opts.settings,
      ...extra,
    };
  }

  /** Creates an application instance the way the controller does; remembers its id. */
  async createInstance(extra: Record<string, unknown> = {}): Promise<CallResult> {
    // An APS Connect instance is created by a signed request without certificates.
    const inst = this.opts.oauth ? { id: randomUUID(), x509: undefined } : this.controller.newInstance();
    const res = await this.call('POST', '/app', {
      instanceId: inst.id,
      body: {
        aps: { id: inst.id, type: 'http://ox-connector.org/aps/app/1.0', status: 'aps:provisioning', x509: inst.x509 },
        ...this.settings(extra),
      },
    });
    if (res.status === 200) this.instanceId = inst.id;
    return res;
  }

  /** An instance with one webmail profile and one provisioned context (the usual starting point). */
  async withContext(settings: Record<string, unknown> = {}): Promise<{ profile: string; ctx: string }> {
    await this.createInstance(settings);
    const profile = uuid();
    await this.call('POST', '/profiles', { body: profileBody(profile) });
    const ctx = uuid();
    await this.call('POST', '/contexts', { body: contextBody(ctx) });
    return { profile, ctx };
  }

  /** Repeats a request in the async phase until it stops answering 202 (bounded). */
  async settle(
    method: string,
    path: string,
    opts: CallOptions = {},
    first?: CallResult,
  ): Promise<{ final: CallResult; accepted: number }> {
    let res = first ?? (await this.call(method, path, opts));
    let accepted = 0;
    for (let i = 0; res.status === 202 && i < 200; i++) {
      accepted++;
      await new Promise((r) => setTimeout(r, 100));
      res = await this.call(method, path, { ...opts, phase: 'async' });
    }
    return { final: res, accepted };
  }

  logText(): string {
    return this.logLines.join('');
  }
}

export async function startStack(t: Tap, opts: StackOptions = {}): Promise<Stack> {
  const stack = await new Stack(opts).start();
  t.teardown(() => stack.stop());
  return stack;
}

export const uuid = () => randomUUID();

export function contextBody(id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    aps: { id, type: 'http://ox-connector.org/aps/contexts/1.1', status: 'aps:provisioning', subscription: uuid() },
    app: { aps: { id: uuid() } },
    subscription: { aps: { id: uuid() } },
    account: { aps: { id: uuid() } },
    diskspace: { limit: 2048 },
    mailboxCount: { limit: 10 },
    mobilityCount: { limit: 5 },
    ...extra,
  };
}

export function profileBody(id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    aps: { id, type: 'http://ox-connector.org/aps/profiles/1.0' },
    app: { aps: { id: uuid() } },
    title: 'Webmail',
    accessCombination: 'webmail',
    ...extra,
  };
}

export function mailboxBody(
  id: string,
  ctx: string,
  profile: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    aps: { id, type: 'http://ox-connector.org/aps/mailboxes/1.1' },
    context: { aps: { id: ctx } },
    profile: { aps: { id: profile } },
    user: { aps: { id: uuid() } },
    ...extra,
  };
}

/**
 * Follows a single sign-on link as far as OX's verdict. Token login: the endpoint already logged in
 * at OX, and its redirect to OX (302) is the success. Form login: posts the page's form to OX as a
 * browser without scripts would. Answers OX's status (302 = signed in) and where it sends the browser.
 */
export async function ssoFormLogin(url: string): Promise<{ status: number; location: string }> {
  const first = await browserGet(url);
  if (first.status === 302) return { status: 302, location: String(first.headers.location ?? '') };
  const page = first.body;
  const action = /<form[^>]*action="([^"]+)"/.exec(page)?.[1]?.replaceAll('&amp;', '&');
  if (!action) throw new Error(`no login form on the page (HTTP ${first.status})`);
  const form = new URLSearchParams();
  for (const m of page.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    form.set(
      m[1],
      m[2].replaceAll('&quot;', '"').replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&'),
    );
  }
  return postInsecure(action, form.toString());
}

/** A browser-like GET (no client certificate, any server certificate): status, headers, body. */
export function browserGet(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  const transport = url.startsWith('https:') ? https : http;
  return new Promise((resolve, reject) => {
    transport
      .get(url, { rejectUnauthorized: false, headers }, (res) => {
        let body = '';
        res
          .on('data', (c) => (body += c))
          .on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      })
      .on('error', reject);
  });
}

function postInsecure(url: string, body: string): Promise<{ status: number; location: string }> {
  const transport = url.startsWith('https:') ? https : http;
  return new Promise((resolve, reject) => {
    const req = transport.request(
      url,
      { method: 'POST', rejectUnauthorized: false, headers: { 'content-type': 'application/x-www-form-urlencoded' } },
      (res) => {
        res
          .resume()
          .on('end', () => resolve({ status: res.statusCode ?? 0, location: String(res.headers.location ?? '') }));
      },
    );
    req.on('error', reject).end(body);
  });
}
