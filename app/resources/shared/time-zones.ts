// Every time zone a request names (instance default, context, mailbox) must be one OX knows:
// OX would store any other and behave as GMT.
import { isOxTimeZone } from '../../ox/time-zones.js';
import { apsError } from './errors.js';

export function checkTimeZone(field: string, value: unknown): void {
  if (value === undefined || value === null || (typeof value === 'string' && isOxTimeZone(value))) return;
  throw apsError(
    400,
    'InvalidTimeZone',
    `${field} "${String(value)}" is not a time zone OX knows (for example Europe/Berlin, Asia/Kolkata, Etc/UTC); the application's timezones operation lists them all`,
  );
}
