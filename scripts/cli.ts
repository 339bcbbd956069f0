#!/usr/bin/env node
// ox-aps: the operator's command-line tool.
//   ox-aps check --url <OX SOAP URL> [--login <master>] [--password-file <file>]
//   ox-aps instances | resources [--instance <id>] [--kind <kind>] | retry <aps-id> | oauth … | demo
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
  reconcile [--instance <id>] [--context <aps-id>] [--json] [--repair [--delete-orphans]]
                                     compares OX with the ledger: exit 0 no drift (or all repaired), 3 drift;
                                     --repair makes OX match the ledger; it deletes in OX only the aps-* contexts
                                     no instance holds, and only with --delete-orphans
  import-plan --instance <id> --context <OX id|name> [--admin-login <login> --admin-password-file <file>]
                                     prints, as JSON, the context and mailbox resources that take over an OX
                                     context (for the controller's import), and the users whose rights fit no tier
  deletions [--instance <id>] [--purge-due]
                                     contexts and mailboxes cancelled with a grace period (deleteGraceDays);
                                     --purge-due deletes in OX those whose time has come (the endpoint does it each minute)
  restore --instance <id> --context <aps-id>
                                     stops a cancelled context's deletion: enabled in OX again, held for a takeover
  oauth list | add [<key>] [--secret-file <file>] | remove <key> [--force]
                                     APS Connect consumer keys in OAUTH_CLIENTS_FILE; add makes a key and
                                     secret when none are given and prints them once, for the controller
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
  const connections = OxConnections.forTool(15_000);
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

async function reconcileCommand(args: string[]): Promise<void> {
  const { values } = options('reconcile', args, {
    instance: { type: 'string' }, context: { type: 'string' }, json: { type: 'boolean' }, repair: { type: 'boolean' }, 'delete-orphans': { type: 'boolean' },
  });
  if (values['delete-orphans'] && !values.repair) usageError('ox-aps reconcile: --delete-orphans goes with --repair');
  const { reconcile } = await import('../app/services/reconcile.js');
  const tty = process.stderr.isTTY && !values.json;
  const report = await withOx((ledger, ox, config) => reconcile({ ledger, ox }, {
    concurrency: config.JOB_CONCURRENCY, instanceId: values.instance as string | undefined, contextId: values.context as string | undefined,
    repair: Boolean(values.repair), deleteOrphans: Boolean(values['delete-orphans']),
    progress: tty ? (done, total) => void process.stderr.write(`\rcontexts ${done}/${total}`) : undefined,
  }));
  if (tty) process.stderr.write('\n');
  if (values.json) console.log(JSON.stringify(report));
  else {
    table(report.drift.map((d) => ({ kind: d.kind, instance: d.instance, resource: d.resource ?? '', context: d.oxContextId ?? '', user: d.oxUserId ?? '', field: d.field ?? '', ledger: d.ledger ?? '', ox: d.ox ?? '' })));
    if (values.repair) console.log(`repaired ${report.repaired.length} of ${report.drift.length}`);
  }
  const left = report.drift.length - report.repaired.length;
  if (left > 0) process.exit(3);
}

/** A failed resource with no failed job (reconcile found it gone from OX): its provisioning queued again. */
async function recreate(ledger: Ledger, config: Config, id: string): Promise<void> {
  let rec;
  for (const instance of await ledger.listInstances()) rec ??= await ledger.getResource(instance.id, id);
  if (rec?.state !== 'failed') fail(`no failed job for ${id}`);
  const instance = await ledger.getInstance(rec.instanceId);
  const { recreateCall } = await import('../app/services/recreate.js');
  const call = instance && recreateCall(instance, rec);
  if (!call) fail(`no failed job for ${id}, and a ${rec.kind} resource cannot be provisioned again from the ledger`);
  const { enqueueJob } = await import('../app/aps/async-protocol.js');
  await enqueueJob(ledger, `${rec.instanceId} RECREATE ${rec.kind}/${id}/${Date.now()}`, rec.instanceId, id, call, config.JOB_DEADLINE);
  console.log(`queued the provisioning of ${rec.kind} ${id} again (${rec.lastError ?? 'failed'}); a running endpoint performs it within 30 seconds`);
}

async function importPlanCommand(args: string[]): Promise<void> {
  const { values } = options('import-plan', args, {
    instance: { type: 'string' }, context: { type: 'string' }, 'admin-login': { type: 'string' }, 'admin-password-file': { type: 'string' },
  });
  if (!values.instance || !values.context) usageError('ox-aps import-plan: --instance and --context are required');
  const file = values['admin-password-file'] as string | undefined;
  if (Boolean(file) !== Boolean(values['admin-login'])) usageError('ox-aps import-plan: --admin-login and --admin-password-file go together');
  const admin = file ? { login: values['admin-login'] as string, password: readSettingFile('--admin-password-file', file).trim() } : undefined;
  const { importPlan } = await import('../app/services/import-plan.js');
  const plan = await withOx((ledger, ox) => importPlan({ ledger, ox }, { instanceId: values.instance as string, context: values.context as string, admin }));
  console.log(JSON.stringify(plan, null, 2));
  if (plan.unmatched.length) console.error(`${plan.unmatched.length} user(s) fit no tier: create a tier with their rights, or change their rights in OX, then plan again`);
}

async function deletionsCommand(args: string[]): Promise<void> {
  const { values } = options('deletions', args, { instance: { type: 'string' }, 'purge-due': { type: 'boolean' } });
  const { pendingDeletions, sweepDeletions, deleteAfterOf } = await import('../app/services/deferred-deletion.js');
  await withOx(async (ledger, ox) => {
    if (values['purge-due']) console.log(`deleted ${await sweepDeletions({ ledger, ox })} in OX`);
    const pending = await pendingDeletions({ ledger }, values.instance as string | undefined);
    table(pending.map((r) => ({
      kind: r.kind, instance: r.instanceId, resource: r.id, context: r.oxContextId ?? '', user: r.oxUserId ?? '', login: r.login ?? '',
      'delete after': new Date(deleteAfterOf(r) ?? 0).toISOString(),
    })));
  });
}

async function restoreCommand(args: string[]): Promise<void> {
  const { values } = options('restore', args, { instance: { type: 'string' }, context: { type: 'string' } });
  if (!values.instance || !values.context) usageError('ox-aps restore: --instance and --context are required');
  const { restoreContext } = await import('../app/services/deferred-deletion.js');
  const rec = await withOx((ledger, ox) => restoreContext({ ledger, ox }, values.instance as string, values.context as string));
  console.log(`context ${rec.id} (OX context ${rec.oxContextId}) is enabled again and held for a takeover: create a context resource with adopt {"context":"${rec.oxContextId}"} (ox-aps import-plan prints it)`);
}

/** The ledger and OX connections for a command, closed after it. */
async function withOx<T>(fn: (ledger: Ledger, ox: import('../app/ox/connections.js').OxConnections, config: Config) => Promise<T>): Promise<T> {
  const { OxConnections } = await import('../app/ox/connections.js');
  const connections = OxConnections.forTool();
  try {
    return await withLedger((ledger, config) => fn(ledger, connections, config));
  } catch (err) {
    return fail(`ox-aps: ${errorMessage(err)}`);
  } finally {
    await connections.close();
  }
}

/** The instances bound to a consumer key (none when there is no ledger yet). */
async function instancesOf(key: string): Promise<string[]> {
  try {
    return await withLedger(async (ledger) => (await ledger.listInstances()).filter((i) => i.oauthKey === key).map((i) => i.id));
  } catch {
    return [];
  }
}

async function oauth(args: string[]): Promise<void> {
  const [action, ...rest] = args;
  const { values, positionals } = (() => {
    try {
      return parseArgs({ args: rest, options: { 'secret-file': { type: 'string' }, force: { type: 'boolean' } }, allowPositionals: true });
    } catch (err) {
      return usageError(`ox-aps oauth: ${errorMessage(err).split('. ')[0]}`);
    }
  })();
  const { loadConfig } = await import('../app/config.js');
  const { isConsumerKey, readClientsFile, writeClientsFile } = await import('../app/aps/oauth-clients.js');
  const file = loadConfig().OAUTH_CLIENTS_FILE ?? fail('OAUTH_CLIENTS_FILE is not set: name the file that holds the APS Connect keys (the endpoint reads the same)');
  const { existsSync } = await import('node:fs');
  const clients = existsSync(file) ? readClientsFile(file) : new Map<string, string>();
  switch (action) {
    case 'list':
      return table(await Promise.all([...clients.keys()].map(async (key) => ({ key, instances: (await instancesOf(key)).join(' ') }))));
    case 'add': {
      const { randomBytes, randomUUID } = await import('node:crypto');
      const key = positionals[0] ?? `apsconnect-${randomUUID().replaceAll('-', '')}`;
      if (!isConsumerKey(key)) usageError('ox-aps oauth add: a key is 1 to 200 printable ASCII characters');
      if (clients.has(key)) fail(`consumer key ${key} exists already in ${file}; remove it first to give it a new secret`);
      const secretFile = values['secret-file'];
      const secret = secretFile ? readSettingFile('--secret-file', secretFile).trim() : randomBytes(24).toString('base64url');
      if (!secret) fail('the secret file is empty');
      writeClientsFile(file, new Map([...clients, [key, secret]]));
      console.log(`added consumer key ${key} to ${file}; a running endpoint uses it within a second`);
      if (!secretFile) console.log(`key:    ${key}\nsecret: ${secret}\n(enter both in the controller when you create the APS Connect instance; the secret is not shown again)`);
      return;
    }
    case 'remove': {
      const key = positionals[0] ?? usageError('ox-aps oauth remove: a consumer key is required');
      if (!clients.has(key)) fail(`no consumer key ${key} in ${file}`);
      const bound = await instancesOf(key);
      if (bound.length && !values.force) fail(`consumer key ${key} signs application instance(s) ${bound.join(', ')}: they stop working without it (--force removes it anyway)`);
      clients.delete(key);
      writeClientsFile(file, clients);
      return void console.log(`removed consumer key ${key} from ${file}`);
    }
    default:
      return usageError(`ox-aps oauth: list, add or remove, not "${action ?? ''}"`);
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
        if (!failed.length) return recreate(ledger, config, id);
        const deadline = Date.now() + config.JOB_DEADLINE * 1000;
        for (const job of failed) await ledger.updateJob(job.key, { state: 'waiting', attempts: 0, nextRetryAt: Date.now(), deadline, error: null, info: 'Retried by an operator' });
        console.log(`queued ${failed.length} job(s) for ${id}; a running endpoint retries within 30 seconds`);
      });
    }
    case 'oauth':
      return oauth(rest);
    case 'reconcile':
      return reconcileCommand(rest);
    case 'import-plan':
      return importPlanCommand(rest);
    case 'deletions':
      return deletionsCommand(rest);
    case 'restore':
      return restoreCommand(rest);
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
