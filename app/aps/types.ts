// What the APS layer hands to the services, and what it expects back. Knows nothing of OX.
import type { FastifyBaseLogger as Logger } from 'fastify';

export type ApsOperation =
  | 'provision' | 'retrieve' | 'configure' | 'unprovision' | 'enable' | 'disable'
  | 'link' | 'unlink' | 'custom' | 'upgrade';

export interface ApsCall {
  service: string;
  operation: ApsOperation;
  /** The resource's APS id (for provision: the body's aps.id). */
  resourceId: string;
  instanceId: string;
  /** Custom operation name, relation name for link/unlink. */
  name?: string;
  linkedId?: string;
  body: Record<string, unknown>;
  query: Record<string, string>;
  params: Record<string, string>;
  transactionId: string;
  phase: 'sync' | 'async';
  controllerUri: string;
  /** The panel user acting (APS-Identity-ID), sent with requests that start in the panel. */
  identityId?: string;
  /** A provider's staff member acting as that user (APS-Original-Identity-ID). */
  originalIdentityId?: string;
  log: Logger;
}

/** A resource JSON to return with 200, or undefined for 204. */
export type ApsResult = Record<string, unknown> | undefined;

export type Handler = (call: ApsCall) => Promise<ApsResult>;

export interface ResourceService {
  provision?: Handler;
  retrieve?: Handler;
  configure?: Handler;
  unprovision?: Handler;
  enable?: Handler;
  disable?: Handler;
  link?: Handler;
  unlink?: Handler;
  upgrade?: Handler;
  /** Custom operations declared in the type's schema, by name. */
  operations?: Record<string, Handler>;
}

export type ResourceServices = Record<string, ResourceService>;

export interface Outcome {
  status: number;
  body?: unknown;
}
