// What the APS layer hands to the services, and what it expects back. Knows nothing of OX.
import type { FastifyBaseLogger as Logger } from 'fastify';
import type { InstanceRecord } from '../store/ledger.js';

export type ApsOperation =
  | 'provision'
  | 'retrieve'
  | 'configure'
  | 'unprovision'
  | 'enable'
  | 'disable'
  | 'link'
  | 'unlink'
  | 'custom'
  | 'upgrade';

/** A call; `B` is its validated body (the schema's generated type where a service names it). */
// A type alias (not an interface) so that a stored call is a plain JSON object to the ledger.
export type ApsCall<B = Record<string, unknown>> = {
  service: string;
  operation: ApsOperation;
  /** The resource's APS id (for provision: the body's aps.id). */
  resourceId: string;
  instanceId: string;
  /** Custom operation name, relation name for link/unlink. */
  name?: string;
  linkedId?: string;
  body: B;
  query: Record<string, string>;
  params: Record<string, string>;
  transactionId: string;
  phase: 'sync' | 'async';
  controllerUri: string;
  /** The panel user acting (APS-Identity-ID), sent with requests that start in the panel. */
  identityId?: string;
  /** A provider's staff member acting as that user (APS-Original-Identity-ID). */
  originalIdentityId?: string;
  /** The calling instance as the route resolved it for this request (never stored with a job). */
  instance?: InstanceRecord;
  log: Logger;
};

/** A generated body type's own properties, without the index signature for what else was sent. */
export type KnownProperties<T> = { [K in keyof T as string extends K ? never : K]: T[K] };

/** A resource JSON to return with 200, or undefined for 204. */
export type ApsResult = Record<string, unknown> | undefined;

export type Handler<B = Record<string, unknown>> = (call: ApsCall<B>) => Promise<ApsResult>;

/**
 * A service's handlers. `P` and `C` are the validated bodies of provision and configure (the
 * schema's generated types); the routes validate every body against that schema first.
 */
export interface ResourceService<P = Record<string, unknown>, C = P> {
  provision?(call: ApsCall<P>): Promise<ApsResult>;
  retrieve?(call: ApsCall): Promise<ApsResult>;
  configure?(call: ApsCall<C>): Promise<ApsResult>;
  unprovision?(call: ApsCall): Promise<ApsResult>;
  enable?(call: ApsCall): Promise<ApsResult>;
  disable?(call: ApsCall): Promise<ApsResult>;
  link?(call: ApsCall): Promise<ApsResult>;
  unlink?(call: ApsCall): Promise<ApsResult>;
  upgrade?(call: ApsCall): Promise<ApsResult>;
  /** What the ledger already holds of a resource whose provision or change goes on in the background (its 202 body). */
  known?(call: ApsCall): Promise<ApsResult>;
  /** The properties `known` may add to a request's body: the controller may send them back on its polls. */
  echoed?: readonly string[];
  /** Custom operations declared in the type's schema, by name. */
  operations?: Record<string, Handler>;
  /**
   * Custom operations whose answer belongs to one caller (a secret shown once): each call runs on
   * its own, never joined to a concurrent request for the same resource as the async protocol
   * joins repeats. They must answer quickly: they never go on in the background.
   */
  unshared?: readonly string[];
}

export type ResourceServices = Record<string, ResourceService>;

export interface Outcome {
  status: number;
  body?: unknown;
}
