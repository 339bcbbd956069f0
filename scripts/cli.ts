#!/usr/bin/env node
// ox-aps: the operator's command-line tool.
//   ox-aps check --url <OX SOAP URL> [--login <master>] [--password-file <file>]
//   ox-aps instances | resources [--instance <id>] [--kind <kind>] | retry <aps-id> | demo
// Ledger commands read the endpoint's configuration from the environment (DATA_DIR, DATABASE_URL,
// SECRET_KEY / SECRET_KEY_FILE).
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { ConfigError, readSettingFile } from '../app/util/setting-files.js';
import { errorMessage } from '../app/util/errors.js';
import type { Config } from '../app/config.js';
import type { Ledger } from '../app/store/ledger.js';
// Each command imports what it needs when it runs (SOAP, the ledger drivers): `--help` and a usage
// error answer at once.

const USAGE = `usage: ox-aps <command>
  check --url <OX SOAP URL> [--login oxadminmaster] [--password-file <file>]
        connects with the master credentials (asked for when no file is given) and says whether OX accepts them
  instances                          application instances in the ledger
  resources [--instance <id>] [--kind contexts|mailboxes|profiles|mobility]
                                     provisioned resources with their state and last error
  retry <aps-id>                     re-runs the failed background jobs of a resource
  demo [--port <n>]                  OX simulator + endpoint + scripted controller (see npm run demo)`;

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

/** A command line we cannot run: what is wrong, the usage, exit 2. */
function usageError(message: string): never {
  console.error(`${message}\n${USAGE}`);
  process.exit(2);
}

type Options = NonNullable<Parameters<typeof parseArgs>[0]>['options'];

function options<T extends Options>(command: string, args: string[], spec: T) {
  try {
    return parseArgs({ args, options: spec, allowPositionals: false });
  } catch (err) {
    return usageError(`ox-aps ${command}: ${(err as Error).message.split('. ')[0]}`);
  }
}

async function askPassword(prompt: string): Promise<string> {
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

async function check(args: string[]): Promise<void> {
  const { values } = options('check', args, { url: { type: 'string' }, login: { type: 'string', default: 'oxadminmaster' }, 'password-file': { type: 'string' } });
  if (!values.url) usageError('ox-aps check: --url is required');
  const file = values['password-file'] as string | undefined;
  const password = file ? readSettingFile('--password-file', file).trim() : await askPassword(`Password of ${values.login}: `);
  console.log(`Checking OX SOAP at ${values.url}`);
  const { OxConnections } = await import('../app/ox/connections.js');
  const { OxFault, OxTransportError } = await import('../app/ox/faults.js');
  const connections = new OxConnections({ timeoutMs: 15_000, maxResponseBytes: 64 * 1024 * 1024, logger: { debug: () => undefined } });
  try {
    const started = Date.now();
    const ox = await connections.client(values.url, { master: { login: values.login!, password }, masterAccountOverride: false });
    console.log('  SOAP clients built from the pinned WSDLs (OXContextService, OXUserService)');
    const contexts = await ox.listContexts('*');
    console.log(`  reachable, master credentials accepted (${Date.now() - started} ms)`);
    const ids = contexts.map((c) => c.id).sort((x, y) => x - y);
    console.log(`  contexts visible: ${contexts.length}${ids.length ? ` (ids ${ids[0]}…${ids[ids.length - 1]})` : ''}`);
    console.log(`OK: OX at ${values.url} accepts the master admin "${values.login}"; ${contexts.length} context(s) visible`);
  } catch (err) {
    if (err instanceof OxFault && err.kind === 'authentication') fail(`FAILED: OX refused the master admin "${values.login}" (${err.oxMessage}): check the password`);
    if (err instanceof OxTransportError) fail(`FAILED: OX did not answer at ${values.url} (${err.reason}): check the URL and the network`);
    if (err instanceof OxFault) fail(`FAILED: OX answered ${err.exceptionClass}: ${err.oxMessage}`);
    fail(`FAILED: ${errorMessage(err)}`);
  } finally {
    await connections.close();
  }
}

function table(rows: Array<Record<string, unknown>>): void {
  if (!rows.length) return void console.log('(none)');
  const cols = Object.keys(rows[0]);
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c] ?? '').length)));
  const line = (cells: string[]) => cells.map((s, i) => s.padEnd(widths[i])).join('  ').trimEnd();
  console.log(line(cols));
  for (const r of rows) console.log(line(cols.map((c) => String(r[c] ?? ''))));
}

async function withLedger<T>(fn: (ledger: Ledger, config: Config) => Promise<T>): Promise<T> {
  const { loadConfig } = await import('../app/config.js');
  const { openLedger } = await import('../app/store/open-ledger.js');
  const config = loadConfig();
  const { ledger } = await openLedger(config, { existing: true });
  try {
    return await fn(ledger, config);
  } finally {
    await ledger.close();
  }
}

async function main(): Promise<void> {
  const [command, ...rest] = process.argv.slice(2);
  switch (command) {
    case '--help':
    case '-h':
    case 'help':
      return void console.log(USAGE);
    case undefined:
      return usageError('ox-aps: a command is required');
    case 'check':
      return check(rest);
    case 'instances': {
      const { oxServerOf } = await import('../app/services/instance-settings.js');
      return withLedger(async (ledger) => table((await ledger.listInstances()).map((i) => ({
        id: i.id, controller: i.controllerUri, ox: oxServerOf(i) ?? '', created: new Date(i.createdAt).toISOString(), lastOxError: i.lastError ?? '',
      }))));
    }
    case 'resources': {
      const { values } = options('resources', rest, { instance: { type: 'string' }, kind: { type: 'string' } });
      const filter = { instanceId: values.instance as string | undefined, kind: values.kind as string | undefined };
      return withLedger(async (ledger) => table((await ledger.listResources(filter)).map((r) => ({
        id: r.id, kind: r.kind, state: r.state, context: r.oxContextId ?? '', user: r.oxUserId ?? '', login: r.login ?? '', lastError: r.lastError ?? '',
      }))));
    }
    case 'retry': {
      const id = rest[0] ?? usageError('ox-aps retry: an APS resource id is required');
      return withLedger(async (ledger, config) => {
        const failed = await ledger.listJobs({ resourceId: id, states: ['failed'] });
        if (!failed.length) fail(`no failed job for ${id}`);
        const deadline = Date.now() + config.JOB_DEADLINE * 1000;
        for (const job of failed) await ledger.updateJob(job.key, { state: 'waiting', attempts: 0, nextRetryAt: Date.now(), deadline, error: null, info: 'Retried by an operator' });
        console.log(`queued ${failed.length} job(s) for ${id}; a running endpoint retries within a second`);
      });
    }
    case 'demo': {
      const { runDemo } = await import('./demo.js');
      return runDemo(rest);
    }
    default:
      usageError(`ox-aps: unknown command "${command}"`);
  }
}

try {
  await main();
} catch (err) {
  fail(err instanceof ConfigError ? `Configuration error: ${err.message}` : `ox-aps: ${errorMessage(err)}`.split('\n')[0]);
}
