// What a thrown (or parsed) value says, whatever it is: checked, not cast.

/** An object (not null, not an array): a parsed JSON object, or anything thrown as an object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A property of a thrown value, when it has one (node's `code`, pg's `code`, ajv's `errors`…). */
export function errorField(err: unknown, name: string): unknown {
  return isRecord(err) ? err[name] : undefined;
}

/** node's and pg's error code (ENOENT, EADDRINUSE, 57P01…), or ''. */
export function errorCode(err: unknown): string {
  const code = errorField(err, 'code');
  return typeof code === 'string' ? code : '';
}
