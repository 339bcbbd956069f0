// What the services share: the ledger, OX connections, the controller clients, configuration,
// the schemas, the job queue and the single sign-on tokens.
import type { Config } from '../../config.js';
import type { ControllerClients } from '../../aps/controller-client.js';
import type { SchemaRegistry } from '../../aps/schema-registry.js';
import type { OxConnections } from '../../ox/connections.js';
import type { FastifyBaseLogger as Logger } from 'fastify';
import type { Ledger } from '../../store/ledger.js';
import type { QueuedCall } from '../../aps/dispatch.js';
import type { SsoTokens } from '../../sso/tokens.js';

/** Background work that runs through the async protocol's job runner. */
export interface JobQueue {
  /** `key` names the job (a repeat of the same work is the same job); `delayMs`: not before then. */
  enqueue(job: QueuedCall & { key: string; delayMs?: number }): Promise<void>;
}

export interface ServiceDeps {
  ledger: Ledger;
  ox: OxConnections;
  controllers: ControllerClients;
  config: Config;
  schemas: SchemaRegistry;
  jobs: JobQueue;
  sso: SsoTokens;
  /** For diagnostics an instance asks for (its `debug` setting). */
  log?: Logger;
}
