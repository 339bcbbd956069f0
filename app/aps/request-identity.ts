// Which request a job serves. The controller repeats a request (a retry after a lost answer, the
// async polls after a 202) with the same method and URL; whether it keeps the transaction id
// across polls is UNCONFIRMED, so a repeat is recognised either way: the same transaction id, or
// the same operation with the same parameters and body. Another change of the same resource is a
// different request: it waits for the running one and is then applied itself.
import { createHash } from 'node:crypto';
import { stringify } from 'safe-stable-stringify';
import { isRecord } from '../util/errors.js';
import type { JobRecord } from '../store/ledger.js';

export interface RequestIdentity {
  /** The controller's transaction id ('' when none was sent, or for background work). */
  transactionId: string;
  /** SHA-256 of the operation, its parameters and its body (without the `aps` header object). */
  digest: string;
}

/**
 * The identity of a request, from the call as the router stores it. `ignored`: properties the
 * endpoint itself answers (read-only), which the controller may send back on its polls.
 */
export function identityOf(input: Record<string, unknown>, ignored: ReadonlySet<string> = NONE): RequestIdentity {
  const body = Object.entries(isRecord(input.body) ? input.body : {}).filter(
    ([name]) => name !== 'aps' && !ignored.has(name),
  );
  const what = [input.operation, input.name, input.linkedId, input.query, input.params, Object.fromEntries(body)];
  return {
    transactionId: typeof input.transactionId === 'string' ? input.transactionId : '',
    digest: createHash('sha256')
      .update(String(stringify(what)))
      .digest('base64url'),
  };
}

const NONE: ReadonlySet<string> = new Set();

export function sameRequest(a: RequestIdentity, b: RequestIdentity): boolean {
  return (a.transactionId !== '' && a.transactionId === b.transactionId) || a.digest === b.digest;
}

/** The request a job serves (a job stored before identities were kept: from its input). */
export function requestOf(job: Pick<JobRecord, 'request' | 'input'>): RequestIdentity {
  return job.request ?? identityOf(job.input);
}
