// One set of node-soap clients per OX installation, built once from our own WSDL files, with a
// keep-alive agent, a per-call timeout and a response size bound. Holds no per-call state.
import http from 'node:http';
import https from 'node:https';
import { join } from 'node:path';
import soap from 'soap';
/** The one logging call the OX layer makes. */
export interface DebugLogger {
  debug(obj: object, msg: string): void;
}
import { SERVICE_NAMES, type ServiceName } from './contract.js';
import { toOxError } from './faults.js';
import { OxGate } from './ox-gate.js';
import { wsdlDir } from '../util/paths.js';
import { SoapHttpClient } from './soap-http.js';
import { operationXml } from './wire-xml.js';

export interface SoapTransportOptions {
  /** OX's SOAP base, e.g. https://ox.example.com/webservices/ */
  baseUrl: string;
  timeoutMs: number;
  maxResponseBytes: number;
  logger: DebugLogger;
  /** Observes every call (metrics); never sees arguments. */
  onCall?: (service: ServiceName, operation: string, outcome: string, seconds: number) => void;
  /** The bound towards this OX (OX_CONCURRENCY, OX_QUEUE); unbounded when absent. */
  gate?: { limit: number; queue: number };
}

type AsyncMethod = (args: unknown) => Promise<[Record<string, unknown> | null]>;

export class SoapTransport {
  private readonly clients = new Map<ServiceName, soap.Client>();
  private readonly agent: http.Agent;
  private readonly http: SoapHttpClient;
  readonly gate?: OxGate;

  private constructor(private readonly opts: SoapTransportOptions) {
    const AgentClass = opts.baseUrl.startsWith('https:') ? https.Agent : http.Agent;
    this.agent = new AgentClass({ keepAlive: true, maxSockets: opts.gate?.limit ?? 64 });
    this.http = new SoapHttpClient({
      agent: this.agent,
      timeoutMs: opts.timeoutMs,
      maxResponseBytes: opts.maxResponseBytes,
    });
    if (opts.gate) this.gate = new OxGate({ ...opts.gate, maxWaitMs: opts.timeoutMs });
  }

  static async create(opts: SoapTransportOptions): Promise<SoapTransport> {
    const transport = new SoapTransport({ ...opts, baseUrl: normaliseBase(opts.baseUrl) });
    for (const service of SERVICE_NAMES) {
      const client = await soap.createClientAsync(join(wsdlDir, `${service}.wsdl`), {
        endpoint: new URL(service, transport.opts.baseUrl).href,
        disableCache: false,
        // node-soap types its client's answer as an axios promise, which it never reads (it takes the callback's).
        httpClient: transport.http as unknown as soap.IHttpClient,
      });
      transport.clients.set(service, client);
    }
    return transport;
  }

  get baseUrl(): string {
    return this.opts.baseUrl;
  }

  /**
   * Calls one operation (within the bound towards OX); resolves to the `return` value (undefined for void operations).
   */
  call(service: ServiceName, operation: string, args: Record<string, unknown>): Promise<unknown> {
    return this.gate
      ? this.gate.run(`${service}.${operation}`, () => this.send(service, operation, args))
      : this.send(service, operation, args);
  }

  private async send(service: ServiceName, operation: string, args: Record<string, unknown>): Promise<unknown> {
    const client = this.clients.get(service);
    // node-soap builds the <operation>Async methods from the WSDL at run time: untyped.
    const method = client?.[`${operation}Async`] as AsyncMethod | undefined;
    if (!client || !method) throw new Error(`no SOAP operation ${service}.${operation}`);
    const started = process.hrtime.bigint();
    const name = `${service}.${operation}`;
    let outcome = 'ok';
    try {
      const [result] = await method.call(client, { _xml: operationXml(service, operation, args) });
      return result?.return ?? undefined;
    } catch (err) {
      const oxErr = toOxError(name, err);
      outcome = oxErr.name === 'OxFault' ? 'fault' : 'transport';
      throw oxErr;
    } finally {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      this.opts.logger.debug({ soap: name, ms: Math.round(seconds * 1000), outcome }, 'OX SOAP call');
      this.opts.onCall?.(service, operation, outcome, seconds);
    }
  }

  close(): void {
    this.agent.destroy();
  }
}

function normaliseBase(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}
