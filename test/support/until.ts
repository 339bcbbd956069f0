// Waiting for something that happens in the background: a test polls for it instead of sleeping
// a fixed time, so a slow machine makes it slower, not red.
import { setTimeout as sleep } from 'node:timers/promises';

/** Whether `check` came to hold within `ms` (polled every `everyMs`); the caller asserts it. */
export async function until(check: () => boolean | Promise<boolean>, ms = 5000, everyMs = 5): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return true;
    await sleep(everyMs);
  }
  return check();
}
