// A real SQLite ledger that counts the calls made to it and can make one of its methods fail or
// wait, for tests of what the async protocol's parts ask of the ledger. `kind` may be set to
// 'postgres' so that two protocols in one process act as two replicas on one shared ledger (the
// request locks and leases are the same SQL on both ledgers).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Test } from 'tap';
import type { Ledger } from '../../app/store/ledger.js';
import { SqliteLedger } from '../../app/store/sqlite-ledger.js';
import { SecretBox } from '../../app/util/secret-box.js';

export interface WatchedLedger {
  ledger: Ledger;
  /** Calls per method name, with their arguments. */
  calls: Map<string, unknown[][]>;
  count(method: string): number;
  /** Makes every call of `method` throw `error` until `heal()`. */
  fail(method: string, error: Error): void;
  /** Makes every call of `method` wait `ms` first. */
  delay(method: string, ms: number): void;
  heal(): void;
  /** The same ledger as seen by a second replica (its own counts, the kind given). */
  replica(kind?: Ledger['kind']): WatchedLedger;
}

export async function watchedLedger(t: Test, kind: Ledger['kind'] = 'sqlite'): Promise<WatchedLedger> {
  const real = await SqliteLedger.open(
    join(mkdtempSync(join(tmpdir(), 'watched-')), 'ledger.sqlite'),
    new SecretBox(randomBytes(32)),
  );
  t.teardown(() => real.close());
  return watch(real, kind);
}

function watch(real: Ledger, kind: Ledger['kind']): WatchedLedger {
  const calls = new Map<string, unknown[][]>();
  const failing = new Map<string, Error>();
  const waiting = new Map<string, number>();
  const ledger = new Proxy(real, {
    get(target, name, receiver) {
      if (name === 'kind') return kind;
      const value: unknown = Reflect.get(target, name, receiver);
      if (typeof name !== 'string' || typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        calls.set(name, [...(calls.get(name) ?? []), args]);
        const ms = waiting.get(name);
        if (ms) await new Promise((resolve) => setTimeout(resolve, ms));
        const error = failing.get(name);
        if (error) throw error;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return {
    ledger,
    calls,
    count: (method) => calls.get(method)?.length ?? 0,
    fail: (method, error) => void failing.set(method, error),
    delay: (method, ms) => void waiting.set(method, ms),
    heal: () => {
      failing.clear();
      waiting.clear();
    },
    replica: (k = kind) => watch(real, k),
  };
}

/** An application instance as the job runner sees it: an id, and `ox` naming its OX server (its lane). */
export async function addInstance(ledger: Pick<Ledger, 'createInstance'>, id: string, ox = 'ox-1'): Promise<void> {
  const now = Date.now();
  await ledger.createInstance({
    id,
    controllerUri: 'https://c',
    controllerCert: '',
    instanceCert: '',
    secrets: {},
    settings: { ox },
    createdAt: now,
    updatedAt: now,
  });
}

/** Runs `fn` with the clock stopped at `now` (Date.now answers it throughout). */
export async function atTime<T>(now: number, fn: () => Promise<T>): Promise<T> {
  const real = Date.now;
  Date.now = () => now;
  try {
    return await fn();
  } finally {
    Date.now = real;
  }
}
