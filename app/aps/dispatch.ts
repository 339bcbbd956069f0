// Runs an ApsCall against the services and turns the result into the status APS expects.
import type { FastifyBaseLogger as Logger } from 'fastify';
import { isRecord } from '../util/errors.js';
import { ApsError } from './errors.js';
import type { ApsCall, ApsOperation, Handler, Outcome, ResourceServices } from './types.js';

/** The parts of a call that are stored with a job so it can be run again. */
export type StoredCall = Omit<ApsCall, 'log' | 'phase' | 'instance'>;

const NO_CONTENT: ReadonlySet<ApsOperation> = new Set(['unprovision', 'enable', 'disable']);
const EMPTY_OK: ReadonlySet<ApsOperation> = new Set(['link', 'unlink', 'upgrade']);

function handlerFor(services: ResourceServices, call: ApsCall): Handler | undefined {
  const service = services[call.service];
  if (call.operation === 'custom') return service?.operations?.[call.name ?? ''];
  return service?.[call.operation];
}

export async function dispatch(services: ResourceServices, call: ApsCall): Promise<Outcome> {
  const handler = handlerFor(services, call);
  if (!handler) {
    // Link notifications and upgrades we do not act on are fine; anything else is not supported.
    if (EMPTY_OK.has(call.operation)) return { status: 200, body: {} };
    throw new ApsError(501, 'NotImplemented', `${call.service} does not support ${call.name ?? call.operation}`);
  }
  const result = await handler(call);
  if (NO_CONTENT.has(call.operation)) return { status: 204 };
  if (result === undefined) return EMPTY_OK.has(call.operation) ? { status: 200, body: {} } : { status: 204 };
  return { status: 200, body: result };
}

/**
 * Work the endpoint queues for itself (a profile re-apply, ready tiers, a recreation): a custom
 * operation by its name, or with no name a provision. Stored as a call like any accepted request.
 */
export interface QueuedCall {
  service: string;
  name?: string;
  resourceId: string;
  instanceId: string;
  body: Record<string, unknown>;
  controllerUri: string;
  /** The controller transaction the work belongs to, where there is one. */
  transactionId?: string;
}

export function storedCall(q: QueuedCall): StoredCall {
  const { name, transactionId = '', ...rest } = q;
  return {
    ...rest,
    operation: name ? 'custom' : 'provision',
    ...(name ? { name } : {}),
    query: {},
    params: {},
    transactionId,
  };
}

export function toStored(call: ApsCall): StoredCall {
  const { log: _log, phase: _phase, instance: _instance, ...stored } = call;
  return stored;
}

/** A job's stored request, checked before it runs again (a ledger from another version may hold it). */
function isStoredCall(stored: Record<string, unknown>): stored is StoredCall {
  const strings = ['service', 'operation', 'resourceId', 'instanceId', 'transactionId', 'controllerUri'];
  return (
    strings.every((k) => typeof stored[k] === 'string') &&
    isRecord(stored.body) &&
    isRecord(stored.query) &&
    isRecord(stored.params)
  );
}

export function fromStored(stored: Record<string, unknown>, log: Logger): ApsCall {
  if (!isStoredCall(stored))
    throw new ApsError(500, 'LedgerInconsistent', 'A stored job holds no request this endpoint can run again');
  // A background run serves no controller request: its calls back carry no transaction id.
  return { ...stored, transactionId: '', phase: 'async', log };
}
