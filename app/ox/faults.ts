// OX failures as two typed errors: OxFault (the server refused, with OX's exception class) and
// OxTransportError (no answer we could read). `retryable` tells callers whether waiting can help.

const EXCEPTION_ID = /;?\s*exceptionId\s+(-?[\w-]+)\s*$/;

/** What a fault means for provisioning; OX messages vary by version, so match by pattern. */
export type FaultKind =
  | 'authentication'
  | 'context-exists'
  | 'no-such-context'
  | 'no-such-user'
  | 'user-exists'
  | 'display-name-taken'
  | 'mail-taken'
  | 'mapping-taken'
  | 'already-disabled'
  | 'busy'
  | 'no-such-access-combination'
  | 'username-unchangeable'
  | 'primary-mail-unchangeable'
  | 'no-such-group'
  | 'no-such-resource'
  | 'group-exists'
  | 'member-exists'
  | 'resource-exists'
  | 'duplicate-account'
  | 'invalid-data'
  | 'other';

const KIND_PATTERNS: Array<[FaultKind, RegExp]> = [
  ['authentication', /^Authentication failed/i],
  ['busy', /Database is locked|beeing updated|being updated|try again later/i],
  ['display-name-taken', /displayname is already used/i],
  ['mail-taken', /^Primary mail address .* already exists/i],
  ['mapping-taken', /mapping is already in use|already exists in the system/i],
  ['user-exists', /^User .* already exists/i],
  ['context-exists', /^Context .*already exists/i],
  ['no-such-context', /^(The )?context .*does not exist|^Context does not exist/i],
  // §15: before no-such-user, whose pattern also matches a group's NoSuchObjectException chain.
  ['no-such-group', /^No such group|NoSuchObjectException: No such group/i],
  ['no-such-resource', /^resource with (with )?this id does not exist|No such resource/i],
  ['member-exists', /^Member already exists in group/i],
  ['group-exists', /^Group .*already exists/i],
  ['resource-exists', /^Resource .*already exists/i],
  ['duplicate-account', /Duplicate mail account for user/i],
  ['no-such-user', /^No such user|NoSuchObjectException|^No such (object|entry)/i],
  ['already-disabled', /^Context already disabled/i],
  ['no-such-access-combination', /No such access combination name|Invalid access combination name/i],
  ['username-unchangeable', /Changing username is disabled/i],
  ['primary-mail-unchangeable', /primary ?mail must not be changed/i],
];

const RETRYABLE_CLASSES = new Set(['DatabaseUpdateException', 'RemoteException']);
const RETRYABLE_STORAGE = /pool|connection|timeout|Database is locked|try again/i;

export class OxFault extends Error {
  readonly retryable: boolean;
  readonly kind: FaultKind;
  constructor(
    readonly operation: string,
    readonly exceptionClass: string,
    readonly oxMessage: string,
    readonly exceptionId: string | undefined,
  ) {
    super(`OX ${operation} failed: ${exceptionClass}: ${oxMessage}`);
    this.name = 'OxFault';
    this.kind = faultKind(exceptionClass, oxMessage);
    this.retryable = isRetryableFault(exceptionClass, oxMessage, this.kind);
  }
}

export class OxTransportError extends Error {
  readonly retryable = true;
  constructor(
    readonly operation: string,
    readonly reason: string,
    readonly httpStatus?: number,
  ) {
    super(`OX ${operation} did not answer: ${reason}`);
    this.name = 'OxTransportError';
  }
}

/** The endpoint's own bound towards this OX is full: the call was not sent. */
export class OxSaturated extends Error {
  readonly retryable = true;
  constructor(
    readonly operation: string,
    readonly limit: number,
    readonly queue: number,
  ) {
    super(`OX ${operation} not sent: ${limit} calls are running towards this OX and ${queue} waiting`);
    this.name = 'OxSaturated';
  }
}

/** OX says the context or user no longer exists. */
export function isGone(err: unknown): boolean {
  return err instanceof OxFault && (err.kind === 'no-such-context' || err.kind === 'no-such-user');
}

/**
 * Runs an OX call; answers true when OX said its context or user is gone (nothing left to do), false when it
 * succeeded.
 */
export async function goneFromOx(call: Promise<unknown>): Promise<boolean> {
  try {
    await call;
    return false;
  } catch (err) {
    if (isGone(err)) return true;
    throw err;
  }
}

export function faultKind(exceptionClass: string, message: string): FaultKind {
  for (const [kind, pattern] of KIND_PATTERNS) if (pattern.test(message)) return kind;
  if (exceptionClass === 'NoSuchContextException') return 'no-such-context';
  if (exceptionClass === 'NoSuchUserException') return 'no-such-user';
  if (exceptionClass === 'NoSuchGroupException') return 'no-such-group';
  if (exceptionClass === 'NoSuchResourceException') return 'no-such-resource';
  if (exceptionClass === 'ContextExistsException') return 'context-exists';
  if (exceptionClass === 'InvalidCredentialsException') return 'authentication';
  if (exceptionClass === 'InvalidDataException') return 'invalid-data';
  return 'other';
}

function isRetryableFault(exceptionClass: string, message: string, kind: FaultKind): boolean {
  if (kind === 'busy' || RETRYABLE_CLASSES.has(exceptionClass)) return true;
  return exceptionClass === 'StorageException' && RETRYABLE_STORAGE.test(message);
}

/** Splits OX's "message; exceptionId 123-4" into its two parts. */
export function splitFaultString(faultstring: string): { message: string; exceptionId?: string } {
  const match = EXCEPTION_ID.exec(faultstring);
  if (!match) return { message: faultstring.trim() };
  return { message: faultstring.slice(0, match.index).trim(), exceptionId: match[1] };
}

interface SoapLikeError {
  root?: { Envelope?: { Body?: { Fault?: { faultstring?: unknown; detail?: Record<string, unknown> } } } };
  response?: { status?: number };
  code?: string;
  message?: string;
}

function exceptionClassOf(detail: Record<string, unknown> | undefined): string {
  const name = detail && Object.keys(detail).find((k) => k !== 'attributes' && k !== '$value');
  return name ? name.replace(/^.*:/, '') : 'Exception';
}

/** Turns whatever node-soap or its HTTP client (soap-http.ts) threw into an OxFault or an OxTransportError. */
export function toOxError(operation: string, err: unknown): OxFault | OxTransportError {
  if (err instanceof OxFault || err instanceof OxTransportError) return err;
  // What node-soap and the HTTP client throw is untyped: every field is optional and read with a check.
  const e = (err ?? {}) as SoapLikeError;
  const fault = e.root?.Envelope?.Body?.Fault;
  if (fault && typeof fault.faultstring === 'string') {
    const { message, exceptionId } = splitFaultString(fault.faultstring);
    return new OxFault(operation, exceptionClassOf(fault.detail), message, exceptionId);
  }
  const status = e.response?.status;
  if (e.code === 'ECONNABORTED' || e.code === 'ETIMEDOUT' || /timeout/i.test(e.message ?? '')) {
    return new OxTransportError(operation, 'timed out', status);
  }
  if (status) return new OxTransportError(operation, `HTTP ${status} without a SOAP fault`, status);
  return new OxTransportError(operation, e.code ?? e.message ?? 'unknown error');
}

/** Runs an OX call; the fault kinds given count as done (a thing already gone, a member already in). */
export async function ignoreKinds(call: Promise<unknown>, kinds: FaultKind[]): Promise<void> {
  try {
    await call;
  } catch (err) {
    if (err instanceof OxFault && kinds.includes(err.kind)) return;
    throw err;
  }
}
