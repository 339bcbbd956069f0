// What every ox-aps command shares: failing with a message, options parsing, a password prompt,
// tables, and the ledger and OX connections opened for one command and closed after it.
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { errorMessage } from '../util/errors.js';
import type { Config } from '../config.js';
import type { Ledger } from '../store/ledger.js';
import type { OxConnections } from '../ox/connections.js';
import { USAGE } from './usage.js';

export function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

/** A command line we cannot run: what is wrong, the usage, exit 2. */
export function usageError(message: string): never {
  console.error(`${message}\n${USAGE}`);
  process.exit(2);
}

export type Options = NonNullable<Parameters<typeof parseArgs>[0]>['options'];

export function options<const T extends Options>(command: string, args: string[], spec: T) {
  try {
    return parseArgs({ args, options: spec, allowPositionals: false });
  } catch (err) {
    return usageError(`ox-aps ${command}: ${errorMessage(err).split('. ')[0]}`);
  }
}

export async function askPassword(prompt: string): Promise<string> {
  if (!process.stdin.isTTY) {
    const rl = createInterface({ input: process.stdin });
    for await (const line of rl) return line;
    return '';
  }
  let muted = false;
  const output = new Writable({
    write(chunk, _enc, cb) {
      if (!muted) process.stdout.write(chunk);
      cb();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  return new Promise((resolve) => {
    rl.question(prompt, (answer) => {
      rl.close();
      process.stdout.write('\n');
      resolve(answer);
    });
    muted = true;
  });
}

export function table(rows: Array<Record<string, unknown>>): void {
  if (!rows.length) return void console.log('(none)');
  const cols = Object.keys(rows[0]);
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((s, i) => s.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  console.log(line(cols));
  for (const r of rows) console.log(line(cols.map((c) => String(r[c] ?? ''))));
}

export async function withLedger<T>(fn: (ledger: Ledger, config: Config) => Promise<T>): Promise<T> {
  const { loadConfig } = await import('../config.js');
  const { openLedger } = await import('../store/open-ledger.js');
  const config = loadConfig();
  const { ledger } = await openLedger(config, { existing: true });
  try {
    return await fn(ledger, config);
  } finally {
    await ledger.close();
  }
}

/** The ledger and OX connections for a command, closed after it. */
export async function withOx<T>(fn: (ledger: Ledger, ox: OxConnections, config: Config) => Promise<T>): Promise<T> {
  const { OxConnections } = await import('../ox/connections.js');
  const connections = OxConnections.forTool();
  try {
    return await withLedger((ledger, config) => fn(ledger, connections, config));
  } catch (err) {
    return fail(`ox-aps: ${errorMessage(err)}`);
  } finally {
    await connections.close();
  }
}
