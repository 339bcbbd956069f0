// The OX simulator: OX's SOAP endpoints (/webservices/<Service>), form login, the UI pages a
// browser lands on, and a control API for tests (/__sim/*). Loopback only.
import http from 'node:http';
import https from 'node:https';
import { handleDevice, handlePasswordChange } from './devices.js';
import { createHash, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { renderWsdl } from '../codegen/wsdl-render.js';
import { OX_NS, OX_OPERATIONS, OX_SERVICE_NAMES, oxTypesOf, type OxServiceName } from './wire.js';
import { OxModel, OxError, type ModelOptions } from './ox-model.js';
import { OPERATIONS } from './operations.js';
import { WireError, decodeRequest, encodeFault, encodeResponse } from './soap-codec.js';
import { TOKEN_SESSION_MS, handleLogin, handleUiPage, type Session, type TokenSession } from './login.js';

export interface FailureSpec {
  /**
   * fault/reset/http503/hang fail before OX applies the call; `applied-reset` and `applied-hang`
   * apply it and then lose the answer (the connection drops, or no answer comes at all).
   */
  mode: 'fault' | 'reset' | 'http503' | 'hang' | 'applied-reset' | 'applied-hang';
  exceptionClass?: string;
  message?: string;
  /** Only calls of this operation ("OXUserService.createByModuleAccess") fail; others pass. */
  operation?: string;
}

export interface SoapCall {
  service: OxServiceName;
  operation: string;
  xml: string;
}

export interface SimulatorOptions extends Partial<ModelOptions> {
  /** Services this OX lacks (an OX before 7.10.6 has no OXSecondaryAccountService): HTTP 404. */
  withoutServices?: OxServiceName[];
  port?: number;
  latencyMs?: number;
  /** Keep request XML of the last N calls (golden tests); counts are always kept. */
  keepCalls?: number;
  /** Also serve everything over HTTPS (for browsers: OX's public URL), with this identity. */
  tls?: { cert: string; key: string };
}

export class OxSimulator {
  readonly model: OxModel;
  readonly calls: SoapCall[] = [];
  readonly callCounts = new Map<string, number>();
  readonly sessions = new Map<string, Session>();
  readonly logins: Array<{ login: string; ok: boolean; client: string }> = [];
  /** Phones and mail programs that tried to sign in (ActiveSync, CalDAV/CardDAV). */
  readonly deviceLogins: Array<{ kind: 'activesync' | 'dav'; login: string; ok: boolean }> = [];
  /** tokenLogin's sessions waiting for `tokens`, by server token. */
  readonly tokenSessions = new Map<string, TokenSession>();
  /** What each tokenLogin was told about the browser (no secrets). */
  readonly tokenLogins: Array<{
    clientIp: string | null;
    clientUserAgent: string | null;
    jsonResponse: string | null;
  }> = [];
  /** How long a token session waits for `tokens` (OX: 60 s). */
  tokenSessionMs = TOKEN_SESSION_MS;
  latencyMs: number;
  /** SOAP calls being answered now, and the most at once since the last `resetLoad()`. */
  readonly load = { active: 0, peak: 0 };
  /** OXUserService.change calls per user ("context/user"), since the last `resetLoad()`. */
  readonly userChanges = new Map<string, number>();
  private failures: Array<FailureSpec & { remaining: number }> = [];
  private readonly server: http.Server;
  private readonly tlsServer?: https.Server;
  /** The HTTPS origin when `tls` was given. */
  httpsUrl = '';
  private readonly keepCalls: number;
  private readonly wsdl = new Map<OxServiceName, string>();
  url = '';

  constructor(private readonly options: SimulatorOptions = {}) {
    this.model = new OxModel({
      masterLogin: options.masterLogin ?? 'oxadminmaster',
      masterPassword: options.masterPassword ?? 'secret',
      enforceUniqueDisplayName: options.enforceUniqueDisplayName ?? true,
      masterAccountOverride: options.masterAccountOverride ?? false,
      usernameChangeable: options.usernameChangeable ?? false,
      primaryMailUnchangeable: options.primaryMailUnchangeable ?? false,
    });
    this.latencyMs = options.latencyMs ?? 0;
    this.keepCalls = options.keepCalls ?? 500;
    for (const s of OX_SERVICE_NAMES.filter((x) => !options.withoutServices?.includes(x))) {
      const table = { ns: OX_NS, types: oxTypesOf(s), operations: OX_OPERATIONS[s], source: 'scripts/ox-sim/wire.ts' };
      this.wsdl.set(s, renderWsdl(s, table));
    }
    this.server = http.createServer((req, res) => void this.route(req, res));
    this.server.keepAliveTimeout = 30_000;
    if (options.tls) this.tlsServer = https.createServer(options.tls, (req, res) => void this.route(req, res));
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(this.options.port ?? 0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    if (this.tlsServer) {
      await new Promise<void>((resolve) => this.tlsServer!.listen(0, '127.0.0.1', resolve));
      this.httpsUrl = `https://127.0.0.1:${(this.tlsServer.address() as AddressInfo).port}`;
    }
    return this;
  }

  get soapUrl(): string {
    return `${this.url}/webservices/`;
  }

  async stop(): Promise<void> {
    for (const server of [this.server, this.tlsServer]) {
      if (!server) continue;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  /** The next `count` SOAP calls (of `operation`, if given) fail as described. */
  failNext(count: number, spec: FailureSpec): void {
    this.failures.push({ ...spec, remaining: count });
  }

  clearFailures(): void {
    this.failures = [];
  }

  reset(): void {
    this.model.reset();
    this.calls.length = 0;
    this.callCounts.clear();
    this.clearFailures();
    this.latencyMs = 0;
  }

  resetLoad(): void {
    this.load.peak = this.load.active;
    this.userChanges.clear();
  }

  count(op?: string): number {
    if (op) return this.callCounts.get(op) ?? 0;
    return [...this.callCounts.values()].reduce((a, b) => a + b, 0);
  }

  private async route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sim');
    const body = await readBody(req);
    try {
      if (url.pathname.startsWith('/webservices/')) return await this.soap(url, req, body, res);
      if (url.pathname.startsWith('/__sim/')) return this.control(url.pathname.slice(7), body, res);
      if (url.pathname === '/ajax/login') return handleLogin(this, url, req, body, res);
      if (url.pathname === '/ajax/passwordchange') return handlePasswordChange(this, url, body, res);
      if (url.pathname === '/Microsoft-Server-ActiveSync' || url.pathname.startsWith('/servlet/dav/'))
        return handleDevice(this, url, req, res);
      return handleUiPage(this, url, req, res);
    } catch (err) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(String(err));
    }
  }

  private async soap(url: URL, req: http.IncomingMessage, body: string, res: http.ServerResponse): Promise<void> {
    const service = url.pathname.slice('/webservices/'.length) as OxServiceName;
    if (!this.wsdl.has(service)) return void res.writeHead(404).end('No such service');
    if (req.method === 'GET' && url.searchParams.has('wsdl')) {
      return void res.writeHead(200, { 'content-type': 'text/xml' }).end(this.wsdl.get(service));
    }
    if (req.method !== 'POST') return void res.writeHead(405).end();
    let request;
    try {
      request = decodeRequest(service, body);
    } catch (err) {
      if (!(err instanceof WireError)) throw err;
      return void sendXml(res, 500, encodeFault('Exception', err.message));
    }
    const name = `${service}.${request.operation}`;
    this.record(service, request.operation, name, body);
    this.load.peak = Math.max(this.load.peak, ++this.load.active);
    try {
      await this.answer(service, request, name, res);
    } finally {
      this.load.active--;
    }
  }

  private async answer(
    service: OxServiceName,
    request: ReturnType<typeof decodeRequest>,
    name: string,
    res: http.ServerResponse,
  ): Promise<void> {
    if (this.latencyMs) await delay(this.latencyMs);
    const failure = this.takeFailure(name);
    if (failure && !failure.mode.startsWith('applied-')) return this.fail(failure, res);
    try {
      const result = OPERATIONS[service][request.operation](this.model, request.args);
      if (name === 'OXUserService.change') this.countUserChange(request.args);
      if (failure) return this.fail(failure, res); // committed, and the answer is lost
      sendXml(res, 200, encodeResponse(service, request.operation, result));
    } catch (err) {
      if (!(err instanceof OxError)) throw err;
      sendXml(res, 500, encodeFault(err.exceptionClass, err.message));
    }
  }

  private countUserChange(args: Record<string, unknown>): void {
    const ctx = (args.ctx as { id?: unknown } | undefined)?.id;
    const user = (args.usrdata as { id?: unknown } | undefined)?.id;
    const key = `${String(ctx)}/${String(user)}`;
    this.userChanges.set(key, (this.userChanges.get(key) ?? 0) + 1);
  }

  private record(service: OxServiceName, operation: string, name: string, xml: string): void {
    this.callCounts.set(name, (this.callCounts.get(name) ?? 0) + 1);
    if (!this.keepCalls) return;
    this.calls.push({ service, operation, xml });
    if (this.calls.length > this.keepCalls) this.calls.shift();
  }

  private takeFailure(name: string): FailureSpec | undefined {
    const failure = this.failures.find((f) => !f.operation || f.operation === name);
    if (!failure) return undefined;
    if (--failure.remaining <= 0) this.failures.splice(this.failures.indexOf(failure), 1);
    return failure;
  }

  private fail(failure: FailureSpec, res: http.ServerResponse): void {
    switch (failure.mode) {
      case 'reset':
      case 'applied-reset':
        return void res.socket?.destroy();
      case 'hang':
      case 'applied-hang':
        return; // never answers: the client's timeout must fire
      case 'http503':
        return void res.writeHead(503, { 'content-type': 'text/html' }).end('<html>Service Unavailable</html>');
      default:
        sendXml(
          res,
          500,
          encodeFault(
            failure.exceptionClass ?? 'DatabaseUpdateException',
            failure.message ?? 'Database is locked or is now beeing updated, please try again later',
          ),
        );
    }
  }

  private control(action: string, body: string, res: http.ServerResponse): void {
    const input = body ? (JSON.parse(body) as Record<string, unknown>) : {};
    switch (action) {
      case 'state':
        return sendJson(res, this.snapshot());
      case 'counts':
        return sendJson(res, Object.fromEntries(this.callCounts));
      case 'calls':
        return sendJson(res, this.calls);
      case 'load': {
        const changes = [...this.userChanges.values()];
        const answer = { ...this.load, usersChanged: changes.length, mostChangesOfOneUser: Math.max(0, ...changes) };
        if (input.reset) this.resetLoad();
        return sendJson(res, answer);
      }
      case 'reset':
        this.reset();
        return sendJson(res, { ok: true });
      case 'latency':
        this.latencyMs = Number(input.ms ?? 0);
        return sendJson(res, { ok: true });
      case 'fail':
        this.failNext(Number(input.count ?? 1), input as unknown as FailureSpec);
        return sendJson(res, { ok: true });
      case 'usage': {
        const ctx = this.model.contexts.get(Number(input.contextId));
        if (ctx) ctx.usedQuota = Number(input.usedQuota);
        return sendJson(res, { ok: Boolean(ctx) });
      }
      case 'options':
        Object.assign(this.model.options, input);
        return sendJson(res, { ok: true });
      default:
        res.writeHead(404).end();
    }
  }

  /** Plain JSON view of the state (no passwords). */
  snapshot() {
    return {
      contexts: [...this.model.contexts.values()].map((c) => ({
        id: c.id,
        name: c.name,
        enabled: c.enabled,
        loginMappings: c.loginMappings,
        maxQuota: c.maxQuota,
        usedQuota: c.usedQuota,
        userAttributes: c.userAttributes,
        capabilities: c.capabilities,
        users: [...c.users.values()].map(({ password: _p, ...u }) => u),
      })),
    };
  }

  /** The cookie-name hash of one browser (OX derives it from the user agent). */
  cookieHash(userAgent: string): string {
    return createHash('md5').update(`${this.cookieSalt}${userAgent}`).digest('hex');
  }

  private readonly cookieSalt = randomUUID();
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendXml(res: http.ServerResponse, status: number, xml: string): void {
  res.writeHead(status, { 'content-type': 'text/xml;charset=UTF-8' }).end(xml);
}

function sendJson(res: http.ServerResponse, value: unknown): void {
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(value));
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
