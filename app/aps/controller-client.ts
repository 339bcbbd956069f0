// Calls to the APS controller (APS-Controller-URI + aps/2/...) with the instance's certificate
// and key (mutual TLS) or, for an APS Connect instance, signed with its OAuth consumer key and
// secret (each attempt anew), passing the transaction id. One keep-alive agent per instance.
import https from 'node:https';
import type { FastifyBaseLogger as Logger } from 'fastify';
import { ApsError } from './errors.js';
import { authorizationHeader } from './oauth.js';

export interface ControllerIdentity {
  instanceId: string;
  controllerUri: string;
  /** PEM; empty for an OAuth instance created without certificates. */
  cert: string;
  key: string;
  /** APS Connect: the consumer key the calls are signed with. */
  oauthKey?: string | null;
}

export interface ControllerClientOptions {
  timeoutMs: number;
  /** PEM of the CA that signs the controller's server certificate; unset = not verified (as APS samples do). */
  ca?: string;
  /** The secret of an OAuth consumer key (OAUTH_CLIENTS_FILE), looked up at each call. */
  secretOf?: (key: string) => string | undefined;
  log: Logger;
}

export class ControllerClients {
  private readonly agents = new Map<string, { agent: https.Agent; cert: string }>();

  constructor(private readonly opts: ControllerClientOptions) {}

  for(identity: ControllerIdentity, transactionId?: string): ControllerClient {
    let entry = this.agents.get(identity.instanceId);
    if (!entry || entry.cert !== identity.cert) {
      entry?.agent.destroy();
      const agent = new https.Agent({
        keepAlive: true,
        maxSockets: 16,
        cert: identity.cert || undefined,
        key: identity.key || undefined,
        ca: this.opts.ca,
        rejectUnauthorized: Boolean(this.opts.ca),
      });
      entry = { agent, cert: identity.cert };
      this.agents.set(identity.instanceId, entry);
    }
    return new ControllerClient(
      identity.controllerUri,
      entry.agent,
      this.opts,
      transactionId,
      identity.oauthKey ?? undefined,
    );
  }

  /** Drops an instance's connections (the instance was deleted). */
  forget(instanceId: string): void {
    this.agents.get(instanceId)?.agent.destroy();
    this.agents.delete(instanceId);
  }

  has(instanceId: string): boolean {
    return this.agents.has(instanceId);
  }

  close(): void {
    for (const { agent } of this.agents.values()) agent.destroy();
    this.agents.clear();
  }
}

export class ControllerClient {
  constructor(
    private readonly baseUri: string,
    private readonly agent: https.Agent,
    private readonly opts: ControllerClientOptions,
    private readonly transactionId?: string,
    private readonly oauthKey?: string,
  ) {}

  getResource<T = Record<string, unknown>>(id: string): Promise<T> {
    return this.request<T>('GET', `aps/2/resources/${encodeURIComponent(id)}`);
  }

  request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const url = new URL(path, this.baseUri.endsWith('/') ? this.baseUri : `${this.baseUri}/`);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (payload) headers['content-type'] = 'application/json';
    if (this.transactionId) headers['APS-Transaction-ID'] = this.transactionId;
    const what = `${method} ${url.pathname}`;
    if (this.oauthKey) {
      const secret = this.opts.secretOf?.(this.oauthKey);
      if (!secret) {
        return Promise.reject(
          new ApsError(
            502,
            'OAuthKeyUnknown',
            `Cannot sign ${what}: the instance's consumer key ${this.oauthKey} is not in OAUTH_CLIENTS_FILE (ox-aps oauth add)`,
          ),
        );
      }
      headers.authorization = authorizationHeader(method, url.href, this.oauthKey, secret);
    }
    return new Promise<T>((resolve, reject) => {
      const req = https.request(url, { method, headers, agent: this.agent, timeout: this.opts.timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) {
            try {
              const answer: T = text ? JSON.parse(text) : undefined;
              resolve(answer);
            } catch {
              reject(
                new ApsError(
                  502,
                  'ControllerError',
                  `The APS controller answered ${what} with a body that is not JSON`,
                ),
              );
            }
            return;
          }
          reject(
            new ApsError(502, 'ControllerError', `The APS controller answered ${what} with HTTP ${status}`, {
              retryable: status >= 500 || status === 429,
            }),
          );
        });
      });
      req.on('timeout', () => req.destroy(new Error(`timed out after ${this.opts.timeoutMs} ms`)));
      req.on('error', (err) => {
        this.opts.log.warn({ call: what, err: err.message }, 'APS controller call failed');
        reject(
          new ApsError(502, 'ControllerUnreachable', `The APS controller did not answer ${what}: ${err.message}`, {
            retryable: true,
          }),
        );
      });
      req.end(payload);
    });
  }
}
