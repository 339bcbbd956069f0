// Taking over OX contexts on the real stack: a hand-made context planned with ox-aps import-plan
// and taken over with its users (nothing created twice in OX), refused when it is held or the
// credentials are wrong, and cancelled per the instance's adoptedUnprovision setting.
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { contextBody, mailboxBody, startStack, uuid } from '../../helper.js';
import { runCli } from '../../support/cli.js';
import { ADMIN_PASSWORD, handMadeContext, webmailTier } from '../../support/hand-made.js';

const cli = (args: string[], env: Record<string, string>) => runCli(args, { env });

t.test(
  'a hand-made context is planned, taken over with its users, managed, and left disabled when cancelled',
  async (t) => {
    const stack = await startStack(t);
    await stack.createInstance();
    const oxCtx = handMadeContext(stack);
    const profile = await webmailTier(stack);
    t.same(oxCtx.users.get([...oxCtx.users.values()].find((u) => u.name === 'ann')!.id)!.access.webmail, true);
    const passwordFile = join(stack.dataDir, 'admin-password');
    writeFileSync(passwordFile, ADMIN_PASSWORD, { mode: 0o600 });
    const env = { DATA_DIR: stack.dataDir };

    const refused = await cli(['import-plan', '--instance', stack.instanceId, '--context', 'handmade'], env);
    t.equal(refused.code, 1, 'without the administrator nor master override: a clear refusal');
    t.match(refused.stderr, /--admin-login/);
    const planned = await cli(
      [
        'import-plan',
        '--instance',
        stack.instanceId,
        '--context',
        'handmade',
        '--admin-login',
        'oxadmin',
        '--admin-password-file',
        passwordFile,
      ],
      env,
    );
    t.equal(planned.code, 0, planned.stderr);
    t.notOk(planned.out.includes(ADMIN_PASSWORD), 'the plan carries no password');
    const plan = JSON.parse(planned.stdout);
    t.same(plan.context.adopt, { context: '900', adminLogin: 'oxadmin' });
    t.same(plan.context.diskspace, { limit: 3000 }, 'the quota OX has, so that taking over changes nothing');
    t.same(
      plan.mailboxes.map((m: { resource: { login: string; profile: { aps: { id: string } } } }) => [
        m.resource.login,
        m.resource.profile.aps.id,
      ]),
      [
        ['ann', profile],
        ['ben', profile],
      ],
    );
    t.same(
      plan.unmatched.map((u: { login: string }) => u.login),
      ['cid'],
      'a user with rights no tier has',
    );
    t.match(planned.stderr, /1 user\(s\) fit no tier/);

    const usersBefore = oxCtx.users.size;
    const ctx = uuid();
    const adopt = { ...plan.context.adopt, adminPassword: 'wrong-password-1' };
    const wrong = await stack.call('POST', '/contexts', {
      body: contextBody(ctx, { diskspace: plan.context.diskspace, adopt }),
    });
    t.equal(wrong.status, 400);
    t.match(wrong.json, { error: 'AdoptionRefused', message: /OX refused the administrator "oxadmin" of context 900/ });
    const missing = await stack.call('POST', '/contexts', {
      body: { ...contextBody(uuid()), adopt: { context: 'no-such-context' } },
    });
    t.match(missing.json, { error: 'AdoptionRefused', message: /OX has no context "no-such-context"/ });

    const body = contextBody(ctx, {
      diskspace: plan.context.diskspace,
      adopt: { ...plan.context.adopt, adminPassword: ADMIN_PASSWORD },
    });
    const taken = await stack.call('POST', '/contexts', { body });
    t.equal(taken.status, 200, taken.text);
    t.equal(taken.json.contextId, 900);
    t.equal(taken.json.contextName, 'handmade', 'nothing renamed');
    t.equal(oxCtx.maxQuota, 3000, 'the planned quota is the one OX had');
    t.equal(oxCtx.name, 'handmade');
    t.same(taken.json.adopt, { context: '900', adminLogin: 'oxadmin' }, 'the password is never answered');
    t.equal((await stack.call('POST', '/contexts', { body })).status, 200, 'a repeated takeover is the same one');

    for (const { resource } of plan.mailboxes) {
      const mailbox = { ...resource, ...mailboxBody(uuid(), ctx, profile) };
      const res = await stack.call('POST', '/mailboxes', { body: mailbox });
      t.equal(res.status, 200, res.text);
    }
    t.equal(oxCtx.users.size, usersBefore, 'no user created twice');
    const ann = [...oxCtx.users.values()].find((u) => u.name === 'ann')!;
    t.equal(ann.password, 'pw-ann-12345', 'a taken-over user keeps the password its mail programs use');

    const other = await stack.call('POST', '/contexts', { body: contextBody(uuid(), { adopt: body.adopt }) });
    t.equal(other.status, 409);
    t.match(other.json, { error: 'ContextHeld', message: /already managed by resource/ });

    const quota = await stack.call('PUT', `/contexts/${ctx}`, { body: { ...body, diskspace: { limit: 4000 } } });
    t.equal(quota.status, 200, quota.text);
    t.equal(oxCtx.maxQuota, 4000, "the quota is the subscription's from now on");
    const stored = await stack.endpoint.ledger.getResource(stack.instanceId, ctx);
    t.same(
      stored?.props.adopt,
      { context: '900', adminLogin: 'oxadmin' },
      'a configure leaves the takeover as it was, its password kept apart',
    );

    const reconciled = await cli(['reconcile', '--json', '--context', ctx], env);
    t.equal(reconciled.code, 3, 'cid is in OX and no mailbox holds it');
    t.same(
      JSON.parse(reconciled.out).drift.map((d: { kind: string; ox: unknown }) => [d.kind, d.ox]),
      [['unknown-in-ox', 'cid']],
    );
    t.equal(
      (await cli(['reconcile', '--json', '--repair', '--delete-orphans', '--context', ctx], env)).code,
      3,
      'never deleted in a context taken over',
    );
    t.ok([...oxCtx.users.values()].some((u) => u.name === 'cid'));

    t.equal((await stack.call('DELETE', `/contexts/${ctx}`)).status, 204);
    t.ok(stack.sim.model.contexts.has(900), 'left in OX (adoptedUnprovision: disable)');
    t.equal(oxCtx.enabled, false, 'and disabled');
    t.equal(await stack.endpoint.ledger.getResource(stack.instanceId, ctx), undefined, 'no longer in the ledger');
  },
);

t.test(
  'a second instance cannot take over a context another holds; adoptedUnprovision delete deletes it',
  async (t) => {
    const stack = await startStack(t, { sim: { masterAccountOverride: true } });
    await stack.createInstance({ adoptedUnprovision: 'delete', masterAccountOverride: true });
    const first = stack.instanceId;
    handMadeContext(stack);
    const ctx = uuid();
    const taken = await stack.call('POST', '/contexts', {
      body: { ...contextBody(ctx), adopt: { context: 'handmade' } },
    });
    t.equal(taken.status, 200, taken.text);
    const held = await stack.endpoint.ledger.getResource(first, ctx);
    t.not(
      held?.secrets.adminPassword,
      ADMIN_PASSWORD,
      'without a password, master override gives the administrator a new one',
    );
    t.equal(
      stack.sim.model.contexts.get(900)!.users.get(stack.sim.model.contexts.get(900)!.adminId)!.password,
      held?.secrets.adminPassword,
    );

    await stack.createInstance({ masterAccountOverride: true });
    t.not(stack.instanceId, first);
    const second = await stack.call('POST', '/contexts', {
      body: {
        ...contextBody(uuid()),
        adopt: { context: '900', adminLogin: 'oxadmin', adminPassword: held!.secrets.adminPassword },
      },
    });
    t.equal(second.status, 409);
    t.match(second.json, { error: 'ContextHeld', message: /a resource of another application instance/ });

    // Under master override reconcile gives the administrator the ledger's password back.
    const oxAdmin = stack.sim.model.contexts.get(900)!.users.get(stack.sim.model.contexts.get(900)!.adminId)!;
    oxAdmin.password = 'changed-by-hand-1';
    const repaired = await cli(['reconcile', '--json', '--repair', '--instance', first], { DATA_DIR: stack.dataDir });
    t.equal(
      repaired.code,
      3,
      'its users, not imported, remain unknown (and are never deleted in a context taken over)',
    );
    t.same(
      JSON.parse(repaired.stdout).repaired.map((d: { field: string }) => d.field),
      ['admin'],
    );
    t.equal(oxAdmin.password, held!.secrets.adminPassword);

    stack.instanceId = first;
    t.equal((await stack.call('DELETE', `/contexts/${ctx}`)).status, 204);
    t.notOk(stack.sim.model.contexts.has(900), 'deleted, as the instance says');
  },
);
