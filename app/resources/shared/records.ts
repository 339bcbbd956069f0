// Helpers over the ledger's resource records shared by the services: claiming a new resource
// idempotently, finding one, its view and own properties, and recording failures.
import { randomBytes } from 'node:crypto';
import { isRetryable } from '../../aps/errors.js';
import type { ApsCall } from '../../aps/types.js';
import type { InstanceRecord, ResourcePatch, ResourceRecord } from '../../store/ledger.js';
import type { ServiceDeps } from './deps.js';
import { apsError } from './errors.js';
import { errorMessage, isRecord } from '../../util/errors.js';

/** A random password OX accepts (letters, digits, - and _), 144 bits. */
export function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}

/** A link's id: any resource body (a generated type, or raw JSON) may hold {aps: {id}} links. */
export function linkId(body: object, relation: string): string | undefined {
  const link: unknown = Reflect.get(body, relation);
  return isLink(link) ? link.aps.id : undefined;
}

function isLink(value: unknown): value is { aps: { id: string } } {
  return isRecord(value) && isRecord(value.aps) && typeof value.aps.id === 'string';
}

/** The resource JSON we answer with: aps id and type, then its properties. */
export function resourceView(
  deps: ServiceDeps,
  service: string,
  id: string,
  props: Record<string, unknown>,
): Record<string, unknown> {
  return { ...props, aps: { id, type: deps.schemas.get(service)?.schema.id } };
}

/** The properties of a body that the type declares and answers with (no secret, nothing unknown). */
export function ownProperties<T extends object>(deps: ServiceDeps, service: string, body: T): Partial<T> {
  const out: Record<string, unknown> = {};
  for (const name of deps.schemas.get(service)?.answered ?? []) {
    const value: unknown = Reflect.get(body, name);
    if (value !== undefined) out[name] = value;
  }
  // A subset of the body's own (schema) properties, so of its type.
  return out as Partial<T>;
}

function unknownResource(kind: string, id: string | undefined) {
  return apsError(
    404,
    'UnknownResource',
    `Unknown ${kind} resource ${id ?? '(no link)'}: provision it through this application instance first`,
  );
}

/** The calling instance's record of the resource the call names, if it is of this kind (no error when absent). */
export async function recordOfCall(
  deps: ServiceDeps,
  call: ApsCall,
  kind: string,
): Promise<ResourceRecord | undefined> {
  const rec = await deps.ledger.getResource(call.instanceId, call.resourceId);
  return rec?.kind === kind ? rec : undefined;
}

/** Cancelled with a grace period, or taken back from it: no longer the controller's. */
export const isReleased = (rec: ResourceRecord) => rec.state === 'pending-deletion' || rec.state === 'released';

/** The calling instance's resource of this kind; any other id (another instance's included) is 404. */
export async function requireResource(
  deps: ServiceDeps,
  call: ApsCall,
  id: string | undefined,
  kind: string,
): Promise<ResourceRecord> {
  return mustBeLive(id ? await deps.ledger.getResource(call.instanceId, id) : undefined, kind, id);
}

/** requireResource's record with its children's tallies, read in one statement (a usage poll's one round trip). */
export async function requireResourceWithTallies(
  deps: ServiceDeps,
  call: ApsCall,
  id: string | undefined,
  kind: string,
) {
  const read = id ? await deps.ledger.getResourceWithTallies(call.instanceId, id) : { tallies: [] };
  return { rec: mustBeLive(read.record, kind, id), tallies: read.tallies };
}

/** The record, if it is of this kind and still the controller's (not cancelled with a grace period); else 404. */
function mustBeLive(rec: ResourceRecord | undefined, kind: string, id: string | undefined): ResourceRecord {
  if (!rec || rec.kind !== kind || isReleased(rec)) throw unknownResource(kind, id);
  return rec;
}

/** The calling instance's resources named by [id, kind] pairs, read at once; each as requireResource checks it. */
export async function requireResources(
  deps: ServiceDeps,
  call: ApsCall,
  wanted: Array<[string | undefined, string]>,
): Promise<ResourceRecord[]> {
  const ids = [...new Set(wanted.flatMap(([id]) => (id ? [id] : [])))];
  const found = new Map((await deps.ledger.getResources(call.instanceId, ids)).map((r) => [r.id, r]));
  return wanted.map(([id, kind]) => mustBeLive(id ? found.get(id) : undefined, kind, id));
}

/**
 * The resource a delete names, or undefined when it is already gone (a delete then succeeds).
 * An id that another instance holds is 404: it was never this instance's to delete.
 */
export async function resourceToDelete(
  deps: ServiceDeps,
  call: ApsCall,
  kind: string,
): Promise<ResourceRecord | undefined> {
  const rec = await deps.ledger.getResource(call.instanceId, call.resourceId);
  if (rec?.kind === kind) return rec;
  if (rec || (await deps.ledger.resourceIdTaken(call.resourceId))) throw unknownResource(kind, call.resourceId);
  return undefined;
}

/** Claims the resource id for the calling instance; an id another instance holds is a conflict. */
export async function claim(
  deps: ServiceDeps,
  rec: ResourceRecord,
): Promise<{ record: ResourceRecord; created: boolean }> {
  const { record, created } = await deps.ledger.claimResource(rec);
  if (!record || record.kind !== rec.kind) {
    throw apsError(
      409,
      'ResourceIdTaken',
      `Resource id ${rec.id} is already in use on this endpoint; the controller must use a new id`,
    );
  }
  return { record, created };
}

/**
 * Wraps a provision handler: a permanent failure marks the claimed resource `failed` with the
 * reason (for `ox-aps resources`); a later retry of the same request picks it up again.
 */
export function recordingFailures<B>(
  deps: ServiceDeps,
  handler: (call: ApsCall<B>) => Promise<Record<string, unknown> | undefined>,
) {
  return async (call: ApsCall<B>) => {
    try {
      return await handler(call);
    } catch (err) {
      const retryable = isRetryable(err);
      const rec = await deps.ledger.getResource(call.instanceId, call.resourceId);
      if (rec?.kind === call.service && (rec.state === 'provisioning' || rec.state === 'failed')) {
        await deps.ledger.updateResource(call.instanceId, rec.id, {
          state: retryable ? 'provisioning' : 'failed',
          lastError: errorMessage(err),
        });
      }
      throw err;
    }
  };
}

export function newRecord(call: ApsCall, kind: string, extra: Partial<ResourceRecord> = {}): ResourceRecord {
  const now = Date.now();
  return {
    id: call.resourceId,
    instanceId: call.instanceId,
    kind,
    state: 'provisioning',
    props: {},
    secrets: {},
    createdAt: now,
    updatedAt: now,
    ...extra,
  };
}

/** A ledger record that should be there and is not: the ledger contradicts itself, said plainly. */
export function inconsistent(what: string): never {
  throw apsError(500, 'LedgerInconsistent', `The ledger has no ${what}; run "ox-aps resources" to inspect it`);
}

/** The OX context id of a provisioned context record. */
export function oxContextOf(ctx: ResourceRecord): number {
  return ctx.oxContextId ?? inconsistent(`OX context id for context ${ctx.id}`);
}

/** The OX principal id of a provisioned record: a user, group or resource (OX numbers them in one sequence). */
export function oxIdOf(rec: ResourceRecord): number {
  return rec.oxUserId ?? inconsistent(`OX id for ${rec.kind} ${rec.id}`);
}

/** The OX user id of a provisioned mailbox record. */
export function oxUserOf(mailbox: ResourceRecord): number {
  return mailbox.oxUserId ?? inconsistent(`OX user id for mailbox ${mailbox.id}`);
}

// Enough for a crowd of writers: each round one of them wins, and the others wait a moment.
const MODIFY_TRIES = 25;

/**
 * Applies a change to the record as the ledger holds it now: `change` computes the patch from the
 * record; when another request (or replica) wrote the record since it was read, it is read again
 * and the change computed again, so that neither write is lost. Answers the record as written.
 */
export async function modifyRecord(
  deps: Pick<ServiceDeps, 'ledger'>,
  rec: ResourceRecord,
  change: (current: ResourceRecord) => ResourcePatch,
): Promise<ResourceRecord> {
  let current = rec;
  for (let attempt = 0; attempt < MODIFY_TRIES; attempt++) {
    const patch = change(current);
    const version = await deps.ledger.updateResourceIf(current.instanceId, current.id, patch, current.updatedAt);
    if (version !== undefined) return { ...current, ...patch, updatedAt: version };
    await new Promise((r) => setTimeout(r, Math.random() * 2 * attempt));
    const fresh = await deps.ledger.getResource(current.instanceId, current.id);
    if (!fresh) throw unknownResource(current.kind, current.id);
    current = fresh;
  }
  throw apsError(
    409,
    'ConcurrentChange',
    `${rec.kind} ${rec.id} changed ${MODIFY_TRIES} times while this request applied its change; it is tried again`,
    true,
  );
}

/** A record read back after the caller wrote it (it holds the request's lock: it is there). */
export async function reread(deps: ServiceDeps, rec: ResourceRecord): Promise<ResourceRecord> {
  return (await deps.ledger.getResource(rec.instanceId, rec.id)) ?? inconsistent(`${rec.kind} ${rec.id} just written`);
}

/** The calling instance's record (the route verified the caller against it: it is there). */
export async function callingInstance(deps: ServiceDeps, call: ApsCall): Promise<InstanceRecord> {
  return (
    call.instance ??
    (await deps.ledger.getInstance(call.instanceId)) ??
    inconsistent(`application instance ${call.instanceId}`)
  );
}

/** A record's parent or profile, which the ledger keeps with it. */
export async function relatedRecord(
  deps: ServiceDeps,
  rec: ResourceRecord,
  relation: 'parentId' | 'profileId',
): Promise<ResourceRecord> {
  const id = rec[relation];
  const related = id ? await deps.ledger.getResource(rec.instanceId, id) : undefined;
  return (
    related ?? inconsistent(`${relation === 'parentId' ? 'parent' : 'profile'} ${id ?? ''} of ${rec.kind} ${rec.id}`)
  );
}
