// SOAP transports by OX base URL: each built once (WSDL processing is slow and blocks the event
// loop) and shared by every instance that points at the same OX.
import { SoapTransport, type DebugLogger, type SoapTransportOptions } from './soap-transport.js';
import { OxClient, type OxClientOptions } from './ox-client.js';

export class OxConnections {
  private readonly transports = new Map<string, Promise<SoapTransport>>();
  private readonly built = new Set<string>();
  builds = 0;

  constructor(private readonly defaults: Omit<SoapTransportOptions, 'baseUrl' | 'logger'> & { logger: DebugLogger }) {}

  /**
   * For a command-line tool or the bench: no bound towards OX, no debug lines, answers up to 64 MB (a reconcile's
   * lists).
   */
  static forTool(timeoutMs = 30_000): OxConnections {
    return new OxConnections({ timeoutMs, maxResponseBytes: 64 * 1024 * 1024, logger: { debug: () => undefined } });
  }

  transport(baseUrl: string): Promise<SoapTransport> {
    let pending = this.transports.get(baseUrl);
    if (!pending) {
      this.builds++;
      pending = SoapTransport.create({ ...this.defaults, baseUrl });
      pending.then(
        () => this.built.add(baseUrl),
        () => this.transports.delete(baseUrl),
      );
      this.transports.set(baseUrl, pending);
    }
    return pending;
  }

  /** Whether the SOAP clients for this OX are built (readiness). */
  isReady(baseUrl: string): boolean {
    return this.built.has(baseUrl);
  }

  async client(baseUrl: string, opts: OxClientOptions): Promise<OxClient> {
    return new OxClient(await this.transport(baseUrl), opts);
  }

  async close(): Promise<void> {
    const all = await Promise.allSettled(this.transports.values());
    for (const t of all) if (t.status === 'fulfilled') t.value.close();
    this.transports.clear();
    this.built.clear();
  }
}
