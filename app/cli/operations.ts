// ox-aps reconcile, import-plan, deletions and restore: the operator's work on OX and the ledger.
import { readSettingFile } from '../util/setting-files.js';
import { errorMessage } from '../util/errors.js';
import type { Config } from '../config.js';
import type { Ledger } from '../store/ledger.js';
import { fail, options, table, usageError, withOx } from './common.js';

export async function reconcileCommand(args: string[]): Promise<void> {
  const { values } = options('reconcile', args, {
    instance: { type: 'string' },
    context: { type: 'string' },
    json: { type: 'boolean' },
    repair: { type: 'boolean' },
    'delete-orphans': { type: 'boolean' },
  });
  if (values['delete-orphans'] && !values.repair) usageError('ox-aps reconcile: --delete-orphans goes with --repair');
  const { reconcile } = await import('../ops/reconcile.js');
  const tty = process.stderr.isTTY && !values.json;
  const report = await withOx((ledger, ox, config) =>
    reconcile(
      { ledger, ox },
      {
        concurrency: config.JOB_CONCURRENCY,
        instanceId: values.instance,
        contextId: values.context,
        repair: Boolean(values.repair),
        deleteOrphans: Boolean(values['delete-orphans']),
        progress: tty ? (done, total) => void process.stderr.write(`\rcontexts ${done}/${total}`) : undefined,
      },
    ),
  );
  if (tty) process.stderr.write('\n');
  if (values.json) console.log(JSON.stringify(report));
  else {
    table(
      report.drift.map((d) => ({
        kind: d.kind,
        instance: d.instance,
        resource: d.resource ?? '',
        context: d.oxContextId ?? '',
        user: d.oxUserId ?? '',
        field: d.field ?? '',
        ledger: d.ledger ?? '',
        ox: d.ox ?? '',
      })),
    );
    if (values.repair) console.log(`repaired ${report.repaired.length} of ${report.drift.length}`);
  }
  const left = report.drift.length - report.repaired.length;
  if (left > 0) process.exit(3);
}

/** A failed resource with no failed job (reconcile found it gone from OX): its provisioning queued again. */
export async function recreate(ledger: Ledger, config: Config, id: string): Promise<void> {
  let rec;
  for (const instance of await ledger.listInstances()) rec ??= await ledger.getResource(instance.id, id);
  if (rec?.state !== 'failed') fail(`no failed job for ${id}`);
  const instance = await ledger.getInstance(rec.instanceId);
  const { recreateCall } = await import('../ops/recreate.js');
  const call = instance && recreateCall(instance, rec);
  if (!call) fail(`no failed job for ${id}, and a ${rec.kind} resource cannot be provisioned again from the ledger`);
  const { enqueueJob } = await import('../aps/async-protocol.js');
  const { storedCall } = await import('../aps/dispatch.js');
  await enqueueJob(
    ledger,
    `${rec.instanceId} RECREATE ${rec.kind}/${id}/${Date.now()}`,
    rec.instanceId,
    id,
    storedCall(call),
    config.JOB_DEADLINE,
  );
  console.log(
    `queued the provisioning of ${rec.kind} ${id} again (${rec.lastError ?? 'failed'}); a running endpoint performs it within 30 seconds`,
  );
}

export async function importPlanCommand(args: string[]): Promise<void> {
  const { values } = options('import-plan', args, {
    instance: { type: 'string' },
    context: { type: 'string' },
    'admin-login': { type: 'string' },
    'admin-password-file': { type: 'string' },
    passwords: { type: 'string' },
  });
  const { instance, context, 'admin-login': login, 'admin-password-file': file, passwords: list } = values;
  if (!instance || !context) usageError('ox-aps import-plan: --instance and --context are required');
  if (Boolean(file) !== Boolean(login))
    usageError('ox-aps import-plan: --admin-login and --admin-password-file go together');
  const admin = file && login ? { login, password: readSettingFile('--admin-password-file', file).trim() } : undefined;
  const { importPlan, parsePasswordList } = await import('../ops/import-plan.js');
  let passwords: Map<string, string> | undefined;
  try {
    passwords = list ? parsePasswordList(readSettingFile('--passwords', list)) : undefined;
  } catch (err) {
    fail(`ox-aps import-plan: --passwords: ${errorMessage(err)}`);
  }
  const plan = await withOx((ledger, ox) =>
    importPlan({ ledger, ox }, { instanceId: instance, context, admin, passwords }),
  );
  if (plan.passwords) {
    const { kept, notInContext } = plan.passwords;
    console.error(`kept ${kept} mailbox password(s), sealed, for the takeover`);
    if (notInContext.length) console.error(`not users of this context, left out: ${notInContext.join(', ')}`);
  }
  console.log(JSON.stringify(plan, null, 2));
  if (plan.unmatched.length)
    console.error(
      `${plan.unmatched.length} user(s) fit no tier: create a tier with their rights, or change their rights in OX, then plan again`,
    );
}

export async function deletionsCommand(args: string[]): Promise<void> {
  const { values } = options('deletions', args, { instance: { type: 'string' }, 'purge-due': { type: 'boolean' } });
  const { pendingDeletions, sweepDeletions, deleteAfterOf } = await import('../ops/deletions.js');
  await withOx(async (ledger, ox) => {
    if (values['purge-due']) console.log(`deleted ${await sweepDeletions({ ledger, ox })} in OX`);
    const pending = await pendingDeletions({ ledger }, values.instance);
    table(
      pending.map((r) => ({
        kind: r.kind,
        instance: r.instanceId,
        resource: r.id,
        context: r.oxContextId ?? '',
        user: r.oxUserId ?? '',
        login: r.login ?? '',
        'delete after': new Date(deleteAfterOf(r) ?? 0).toISOString(),
      })),
    );
  });
}

export async function restoreCommand(args: string[]): Promise<void> {
  const { values } = options('restore', args, { instance: { type: 'string' }, context: { type: 'string' } });
  const { instance, context } = values;
  if (!instance || !context) usageError('ox-aps restore: --instance and --context are required');
  const { restoreContext } = await import('../ops/deletions.js');
  const rec = await withOx((ledger, ox) => restoreContext({ ledger, ox }, instance, context));
  console.log(
    `context ${rec.id} (OX context ${rec.oxContextId}) is enabled again and held for a takeover: create a context resource with adopt {"context":"${rec.oxContextId}"} (ox-aps import-plan prints it)`,
  );
}
