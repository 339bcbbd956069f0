// Errors the APS layer answers with, and the one body shape the controller reads:
// {code, type, error, message} (a superset of the PHP, Node and Fallball runtimes' shapes).
import { errorField } from '../util/errors.js';

export interface ApsErrorBody {
  code: number;
  type: 'Exception';
  error: string;
  message: string;
}

export class ApsError extends Error {
  /** Whether running the same request again later can succeed (drives the async protocol). */
  readonly retryable: boolean;
  /**
   * Set when the endpoint sheds load: the request is answered at once with this Retry-After
   * (never taken on in the background), while a background job meeting it simply retries.
   */
  readonly retryAfterS?: number;
  constructor(
    readonly status: number,
    readonly error: string,
    message: string,
    opts: { retryable?: boolean; cause?: unknown; retryAfterS?: number } = {},
  ) {
    super(message, { cause: opts.cause });
    this.name = error;
    this.retryable = opts.retryable ?? opts.retryAfterS !== undefined;
    this.retryAfterS = opts.retryAfterS;
  }

  toBody(): ApsErrorBody {
    return { code: this.status, type: 'Exception', error: this.error, message: this.message };
  }
}

export const badRequest = (message: string) => new ApsError(400, 'BadRequest', message);
/** Every route that reads a body refuses one that is not a JSON object with this. */
export const NOT_AN_OBJECT = () => badRequest('The request body must be a JSON object');
export const validationError = (message: string) => new ApsError(400, 'ValidationError', message);
export const unauthorized = (message: string) => new ApsError(401, 'Unauthorized', message);
export const forbidden = (message: string) => new ApsError(403, 'Forbidden', message);
export const notFound = (message: string) => new ApsError(404, 'NotFound', message);
export const conflict = (message: string) => new ApsError(409, 'Conflict', message);

export function isRetryable(err: unknown): boolean {
  return errorField(err, 'retryable') === true;
}

/** Load shed: answer the controller now (503 with Retry-After) instead of working on it in the background. */
export function isShed(err: unknown): boolean {
  return err instanceof ApsError && err.retryAfterS !== undefined;
}

export function errorBody(status: number, error: string, message: string): ApsErrorBody {
  return { code: status, type: 'Exception', error, message };
}
