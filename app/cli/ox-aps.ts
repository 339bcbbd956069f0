#!/usr/bin/env node
// ox-aps: the operator's command-line tool.
//   ox-aps check --url <OX SOAP URL> [--login <master>] [--password-file <file>]
//   ox-aps instances | resources [--instance <id>] [--kind <kind>] | retry <aps-id> | oauth … | demo
// Ledger commands read the endpoint's configuration from the environment (DATA_DIR, DATABASE_URL,
// SECRET_KEY / SECRET_KEY_FILE).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError } from '../util/setting-files.js';
import { errorMessage } from '../util/errors.js';
import { projectRoot } from '../util/paths.js';
import { fail, options, table, usageError, withLedger } from './common.js';
import { USAGE } from './usage.js';
import { check } from './check.js';
import { deletionsCommand, importPlanCommand, reconcileCommand, recreate, restoreCommand } from './operations.js';
import { oauth } from './oauth.js';
// Each command imports what it needs when it runs (SOAP, the ledger drivers): `--help` and a usage
// error answer at once.

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
      const { oxServerOf } = await import('../resources/shared/instance-settings.js');
      return withLedger(async (ledger) =>
        table(
          (await ledger.listInstances()).map((i) => ({
            id: i.id,
            controller: i.controllerUri,
            ox: oxServerOf(i) ?? '',
            created: new Date(i.createdAt).toISOString(),
            lastOxError: i.lastError ?? '',
          })),
        ),
      );
    }
    case 'resources': {
      const { values } = options('resources', rest, { instance: { type: 'string' }, kind: { type: 'string' } });
      const filter = { instanceId: values.instance, kind: values.kind };
      return withLedger(async (ledger) =>
        table(
          (await ledger.listResources(filter)).map((r) => ({
            id: r.id,
            kind: r.kind,
            state: r.state,
            context: r.oxContextId ?? '',
            user: r.oxUserId ?? '',
            login: r.login ?? '',
            lastError: r.lastError ?? '',
          })),
        ),
      );
    }
    case 'retry': {
      const id = rest[0] ?? usageError('ox-aps retry: an APS resource id is required');
      return withLedger(async (ledger, config) => {
        const failed = await ledger.listJobs({ resourceId: id, states: ['failed'] });
        if (!failed.length) return recreate(ledger, config, id);
        const deadline = Date.now() + config.JOB_DEADLINE * 1000;
        for (const job of failed)
          await ledger.updateJob(job.key, {
            state: 'waiting',
            attempts: 0,
            nextRetryAt: Date.now(),
            deadline,
            error: null,
            info: 'Retried by an operator',
          });
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
    case 'demo':
      return demoCommand(rest);
    default:
      usageError(`ox-aps: unknown command "${command}"`);
  }
}

/**
 * The demo runs the development tools (OX simulator, scripted controller) from scripts/: a
 * checkout with its development packages has them, a production install or the image does not.
 */
async function demoCommand(args: string[]): Promise<void> {
  const demo = join(projectRoot, 'scripts', 'demo.ts');
  let runDemo: ((args: string[]) => Promise<void>) | undefined;
  try {
    if (existsSync(demo)) ({ runDemo } = await import(pathToFileURL(demo).href));
  } catch {
    runDemo = undefined;
  }
  if (!runDemo)
    fail(
      'ox-aps demo needs the development tools (scripts/ and the dev packages), which a production install does not ship: run `npm ci && npm run demo` in a checkout of the project',
    );
  return runDemo(args);
}

try {
  await main();
} catch (err) {
  fail(
    err instanceof ConfigError ? `Configuration error: ${err.message}` : `ox-aps: ${errorMessage(err)}`.split('\n')[0],
  );
}
