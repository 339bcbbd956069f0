// Tests that need a program this machine may lack (PostgreSQL, Chromium) skip on a developer's
// machine without it, but never in CI (CI=true): there a missing program fails the run, so that a
// green CI always means those tests ran.
import { existsSync } from 'node:fs';
import { postgresAvailable } from '../../scripts/stand-ins/postgres-server.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const inCi = process.env.CI === 'true' || process.env.CI === '1';

/** `false` (run the test) or why it is skipped. */
export function skipUnless(available: boolean, what: string): false | string {
  if (available) return false;
  if (inCi) return false; // runs, and fails on the missing program
  return `${what} not found (CI=true makes this a failure)`;
}

export const needsPostgres = () => skipUnless(postgresAvailable, 'PostgreSQL server binaries');
export const needsChromium = () => skipUnless(existsSync(CHROMIUM), `Chromium at ${CHROMIUM}`);
/** Whether tests needing PostgreSQL run here (available, or required by CI). */
export const runPostgres = postgresAvailable || inCi;
