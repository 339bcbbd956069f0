// ox-aps reconcile on the real stack: OX changed behind the endpoint's back is found by kind,
// repaired to the ledger's values without deleting anything in OX, and a resource gone from OX is
// marked so that provisioning it again brings it back.
import t from 'tap';
import { contextBody, mailboxBody, profileBody, startStack, uuid } from '../helper.js';
import { runCli } from '../support/cli.js';
import { freePort } from '../../scripts/stand-ins/net.js';

const cli = (args: string[], env: Record<string, string>) => runCli(args, { env });

t.test('drift of every kind is found, repaired without deleting, and a lost mailbox comes back', async (t) => {
  const stack = await startStack(t);
  const { ctx, profile } = await stack.withContext();
  const alice = mailboxBody(uuid(), ctx, profile, { login: 'alice', email: 'alice@x.example', displayName: 'Alice' });
  const bobId = uuid();
  const bob = mailboxBody(bobId, ctx, profile, { login: 'bob', email: 'bob@x.example', displayName: 'Bob' });
  for (const body of [alice, bob]) t.equal((await stack.call('POST', '/mailboxes', { body })).status, 200);
  const env = { DATA_DIR: stack.dataDir };
  const clean = await cli(['reconcile', '--json'], env);
  t.equal(clean.code, 0, clean.out);
  t.same(JSON.parse(clean.out), { drift: [], repaired: [] }, 'no drift after provisioning');

  // Behind the endpoint's back: quota, suspend state, a display name, a deleted user, a stray context.
  const model = stack.sim.model;
  const oxCtx = model.contexts.get(100)!;
  oxCtx.maxQuota = 1;
  oxCtx.enabled = false;
  const userOf = (login: string) => [...oxCtx.users.values()].find((u) => u.name === login)!;
  userOf('alice').display_name = 'Changed By Hand';
  userOf('alice').aliases = [...userOf('alice').aliases, 'extra@x.example'];
  oxCtx.users.delete(userOf('bob').id);
  model.createContext(
    { id: 555, name: 'aps-stray', maxQuota: 10 },
    { name: 'a', display_name: 'a', password: 'p', given_name: 'a', sur_name: 'a', primaryEmail: 'a@stray.example' },
    model.minimalAccess(),
  );

  const found = await cli(['reconcile', '--json'], env);
  t.equal(found.code, 3, 'exit 3: drift found');
  const report = JSON.parse(found.out);
  const brief = report.drift.map((d: { kind: string; field: string | null; ledger: unknown; ox: unknown }) => [
    d.kind,
    d.field,
    d.ledger,
    d.ox,
  ]);
  t.same(
    brief.sort(),
    [
      ['attribute', 'enabled', true, false],
      ['attribute', 'maxQuota', 2048, 1],
      ['unknown-in-ox', null, null, 'aps-stray'],
    ].sort(),
    "the context's drift; its users cannot be read while OX has it disabled",
  );

  const repaired = await cli(['reconcile', '--repair', '--json'], env);
  t.equal(repaired.code, 3, 'the stray context is left (nothing is deleted), so drift remains');
  const second = JSON.parse(repaired.out);
  const kinds = second.drift.map((d: { kind: string; field: string | null; ledger: unknown; ox: unknown }) => [
    d.kind,
    d.field,
    d.ledger,
    d.ox,
  ]);
  t.same(
    kinds.sort(),
    [
      ['attribute', 'aliases', ['alice@x.example'], ['alice@x.example', 'extra@x.example']],
      ['attribute', 'display_name', 'Alice', 'Changed By Hand'],
      ['attribute', 'enabled', true, false],
      ['attribute', 'maxQuota', 2048, 1],
      ['missing-in-ox', null, 'ready', null],
      ['unknown-in-ox', null, null, 'aps-stray'],
    ].sort(),
    'once the context is enabled again, its users: every kind, with the ledger value and the OX value',
  );
  t.equal(second.drift.find((d: { kind: string }) => d.kind === 'missing-in-ox').resource, bobId);
  t.equal(second.repaired.length, 5, 'all but the stray context repaired');
  t.equal(oxCtx.maxQuota, 2048);
  t.equal(oxCtx.enabled, true);
  t.equal(userOf('alice').display_name, 'Alice');
  t.same(userOf('alice').aliases, ['alice@x.example'], 'the hand-made alias removed again');
  t.ok(model.contexts.has(555), 'nothing deleted in OX');
  const lost = await stack.endpoint.ledger.getResource(stack.instanceId, bobId);
  t.equal(lost?.state, 'failed');
  t.match(lost?.lastError, /Gone from OX/);

  const again = await stack.call('POST', '/mailboxes', { body: bob });
  t.equal(again.status, 200, again.text);
  t.ok(userOf('bob'), 'provisioning it again created the user in OX');

  // Or the operator: ox-aps retry queues its provisioning again from what the ledger recorded.
  oxCtx.users.delete(userOf('bob').id);
  t.equal((await cli(['reconcile', '--repair', '--context', ctx], env)).code, 0);
  const retried = await cli(['retry', bobId], env);
  t.equal(retried.code, 0, retried.out);
  t.match(retried.out, /queued the provisioning of mailboxes .* again \(Gone from OX/);
  stack.endpoint.apsAsync.start(); // the runner is idle: look for work now rather than within 30 s
  for (let i = 0; i < 50 && (await stack.endpoint.ledger.getResource(stack.instanceId, bobId))?.state !== 'ready'; i++)
    await new Promise((r) => setTimeout(r, 100));
  t.equal((await stack.endpoint.ledger.getResource(stack.instanceId, bobId))?.state, 'ready');
  t.equal(userOf('bob').display_name, 'Bob', 'created again as the ledger had it');
  t.equal(
    userOf('bob').password,
    (await stack.endpoint.ledger.getResource(stack.instanceId, bobId))?.secrets.password,
    'with the password the ledger keeps',
  );
  const after = await cli(['reconcile', '--json', '--context', ctx], env);
  t.equal(after.code, 0, after.out);

  t.equal((await cli(['reconcile', '--delete-orphans'], env)).code, 2, '--delete-orphans only with --repair');
  const orphans = await cli(['reconcile', '--repair', '--delete-orphans', '--json'], env);
  t.equal(orphans.code, 0, orphans.out);
  t.same(
    JSON.parse(orphans.out).repaired.map((d: { kind: string; oxContextId: number }) => [d.kind, d.oxContextId]),
    [['unknown-in-ox', 555]],
  );
  t.notOk(model.contexts.has(555), 'the stray context deleted, when asked');
  t.ok(model.contexts.has(100), 'ours kept');
});

t.test('periodic reconcile reports drift in metrics, changes nothing, and leaves readiness alone', async (t) => {
  const metricsPort = await freePort();
  const stack = await startStack(t, { env: { RECONCILE_INTERVAL: '1', METRICS_PORT: String(metricsPort) } });
  await stack.withContext();
  const oxCtx = stack.sim.model.contexts.get(100)!;
  oxCtx.maxQuota = 7;
  const drift = async () =>
    /ox_drift_resources\{kind="attribute"\} (\d+)/.exec(
      await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text(),
    )?.[1];
  let seen: string | undefined;
  for (let i = 0; i < 100 && seen !== '1'; i++) {
    await new Promise((r) => setTimeout(r, 100));
    seen = await drift();
  }
  t.equal(seen, '1', 'the quota drift is counted');
  t.equal(oxCtx.maxQuota, 7, 'report only: OX unchanged');
  t.equal((await stack.call('GET', '/readyz', { as: 'none' })).status, 200, 'readiness unaffected');
});

type Row = { kind: string; field: string | null; ledger: unknown; ox: unknown };

t.test(
  'users: an unknown one, rights and mobility of the tier, its capabilities and a suspended mailbox',
  async (t) => {
    const stack = await startStack(t);
    await stack.createInstance();
    const profile = uuid();
    const tier = {
      accessCombination: undefined,
      moduleAccess: ['webmail', 'contacts'],
      capabilities: ['mobile_mail_app'],
    };
    t.equal((await stack.call('POST', '/profiles', { body: profileBody(profile, tier) })).status, 200);
    const ctx = uuid();
    t.equal((await stack.call('POST', '/contexts', { body: contextBody(ctx) })).status, 200);
    const carol = uuid();
    const dave = uuid();
    for (const [id, login] of [
      [carol, 'carol'],
      [dave, 'dave'],
    ]) {
      const res = await stack.call('POST', '/mailboxes', {
        body: mailboxBody(id, ctx, profile, { login, email: `${login}@x.example`, displayName: login }),
      });
      t.equal(res.status, 200, res.text);
    }
    t.equal((await stack.call('PUT', `/mailboxes/${dave}/disable`)).status, 204);
    const env = { DATA_DIR: stack.dataDir, JOB_CONCURRENCY: '4' };
    const clean = await cli(['reconcile', '--json'], env);
    t.same(JSON.parse(clean.out), { drift: [], repaired: [] }, clean.out);

    const oxCtx = stack.sim.model.contexts.get(100)!;
    const userOf = (login: string) => [...oxCtx.users.values()].find((u) => u.name === login)!;
    userOf('carol').access = { ...userOf('carol').access, calendar: true, USM: true, activeSync: true };
    userOf('carol').capabilities = [];
    userOf('dave').fields.mailenabled = true;
    const eve = {
      name: 'eve',
      password: 'p',
      display_name: 'Eve',
      given_name: 'E',
      sur_name: 'Ve',
      primaryEmail: 'eve@x.example',
      email1: 'eve@x.example',
    };
    const stray = stack.sim.model.createUser(oxCtx, eve, userOf('carol').access);
    const found = await cli(['reconcile', '--json'], env);
    t.equal(found.code, 3);
    const brief = JSON.parse(found.out).drift.map((d: Row) => [d.kind, d.field, d.ledger, d.ox]);
    t.same(
      brief.sort(),
      [
        ['attribute', 'capabilities', ['mobile_mail_app'], []],
        ['attribute', 'mailenabled', false, true],
        ['attribute', 'mobility', false, true],
        ['attribute', 'moduleAccess', { calendar: false }, { calendar: true }],
        ['unknown-in-ox', null, null, 'eve'],
      ].sort(),
      'each drift with the ledger value and the OX value; the administrator is not unknown',
    );

    const repaired = await cli(['reconcile', '--repair', '--delete-orphans', '--json'], env);
    t.equal(repaired.code, 0, repaired.out);
    t.equal(userOf('carol').access.calendar, false);
    t.equal(userOf('carol').access.USM, false);
    t.equal(userOf('carol').access.webmail, true);
    t.same(userOf('carol').capabilities, ['mobile_mail_app']);
    t.equal(userOf('dave').fields.mailenabled, false);
    t.notOk(oxCtx.users.has(stray.id), 'the user no mailbox holds deleted, when asked');
    t.equal((await cli(['reconcile', '--json'], env)).code, 0, 'no drift left');

    // The administrator's password changed in OX: without master override only reported.
    const adminUser = oxCtx.users.get(oxCtx.adminId)!;
    const kept = adminUser.password;
    adminUser.password = 'changed-by-hand-1';
    const refused = await cli(['reconcile', '--json', '--repair'], env);
    t.equal(refused.code, 3);
    t.same(
      JSON.parse(refused.out).drift.map((d: Row) => [d.kind, d.field, d.ledger, d.ox]),
      [['attribute', 'admin', 'oxadmin', 'refused']],
      'its users are not read then',
    );
    t.equal(adminUser.password, 'changed-by-hand-1', 'not repairable without the password');
    adminUser.password = kept;
  },
);

t.test(
  'a context deleted in OX behind the endpoint is reported, and --repair marks it for provisioning again',
  async (t) => {
    const stack = await startStack(t);
    const { ctx, profile } = await stack.withContext();
    const body = mailboxBody(uuid(), ctx, profile, { login: 'gus', email: 'gus@x.example', displayName: 'Gus' });
    t.equal((await stack.call('POST', '/mailboxes', { body })).status, 200);
    const oxId = (await stack.endpoint.ledger.getResource(stack.instanceId, ctx))!.oxContextId!;
    stack.sim.model.contexts.delete(oxId);
    const env = { DATA_DIR: stack.dataDir };
    const found = await cli(['reconcile', '--json'], env);
    t.equal(found.code, 3, 'drift');
    t.same(
      JSON.parse(found.out).drift.map((d: { kind: string; resource: string; oxContextId: number }) => [
        d.kind,
        d.resource,
        d.oxContextId,
      ]),
      [['missing-in-ox', ctx, oxId]],
      'the context is reported missing (its mailboxes with it: OX has nothing to list)',
    );
    const repaired = await cli(['reconcile', '--json', '--repair'], env);
    t.equal(repaired.code, 0, repaired.out);
    t.equal(
      (await stack.endpoint.ledger.getResource(stack.instanceId, ctx))?.state,
      'failed',
      'marked for provisioning again',
    );
  },
);

t.test(
  "under master override one call reads the administrator's rights with its own password: a changed password is found and given back",
  async (t) => {
    const stack = await startStack(t, { sim: { masterAccountOverride: true } });
    const { ctx, profile } = await stack.withContext({ masterAccountOverride: true });
    for (const login of ['hana', 'ivo']) {
      const body = mailboxBody(uuid(), ctx, profile, { login, email: `${login}@x.example`, displayName: login });
      t.equal((await stack.call('POST', '/mailboxes', { body })).status, 200);
    }
    const env = { DATA_DIR: stack.dataDir };
    stack.sim.callCounts.clear();
    const clean = await cli(['reconcile', '--json'], env);
    t.equal(clean.code, 0, clean.out);
    t.same(
      Object.fromEntries(stack.sim.callCounts),
      {
        'OXContextService.list': 1,
        'OXContextService.getData': 1,
        'OXUserService.list': 1,
        'OXUserService.getMultipleData': 1,
        'OXUserService.getModuleAccess': 3,
      },
      'per context: the context, its users (two calls), the administrator and each mailbox once',
    );

    const oxCtx = stack.sim.model.contexts.get(100)!;
    const admin = oxCtx.users.get(oxCtx.adminId)!;
    const kept = admin.password;
    admin.password = 'changed-by-hand-2';
    const found = await cli(['reconcile', '--json', '--repair'], env);
    t.equal(found.code, 0, 'every drift repaired');
    t.same(
      JSON.parse(found.out).drift.map((d: Record<string, unknown>) => [d.kind, d.field, d.ox]),
      [['attribute', 'admin', 'refused']],
    );
    t.same(JSON.parse(found.out).repaired.length, 1);
    t.equal(admin.password, kept, "repaired: OX has the ledger's password again");

    admin.access.editPassword = true;
    const rights = await cli(['reconcile', '--json'], env);
    t.same(
      JSON.parse(rights.out).drift.map((d: Record<string, unknown>) => [d.kind, d.field, d.ox]),
      [['admin-rights', 'editPassword', true]],
      "the administrator's rights, read in the same call, still show a right it must not have",
    );
  },
);
