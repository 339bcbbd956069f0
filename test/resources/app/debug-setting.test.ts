// The `debug` setting: that instance's OX calls are logged with their arguments, passwords and
// credentials redacted; other instances' calls are not.
import t from 'tap';
import { contextBody, mailboxBody, profileBody, startStack, uuid } from '../../helper.js';

t.test("debug traces one instance's OX calls, redacted", async (t) => {
  const stack = await startStack(t, { env: { LOG_LEVEL: 'info' } });
  await stack.createInstance({ debug: true, contextIdStart: 100 });
  const traced = stack.instanceId;
  await stack.createInstance({ contextIdStart: 5000 });
  const quiet = stack.instanceId;
  for (const instanceId of [traced, quiet]) {
    const profile = uuid();
    const ctx = uuid();
    await stack.call('POST', '/profiles', { instanceId, body: profileBody(profile) });
    t.equal((await stack.call('POST', '/contexts', { instanceId, body: contextBody(ctx) })).status, 200);
    const mb = await stack.call('POST', '/mailboxes', {
      instanceId,
      body: mailboxBody(uuid(), ctx, profile, {
        login: 'tess',
        email: 'tess@x.example',
        displayName: 'Tess',
        password: 'Tess-Secret-Pw-9',
      }),
    });
    t.equal(mb.status, 200);
  }
  type Line = { instance?: string; oxTrace?: { service: string; operation: string; args: Record<string, unknown> } };
  const lines = stack.logLines.map((l) => JSON.parse(l) as Line);
  const traces = lines.filter((l) => l.oxTrace);
  t.ok(traces.length >= 3, `${traces.length} traced calls`);
  t.ok(
    traces.every((l) => l.instance === traced),
    'only the debug instance is traced',
  );
  const ops = traces.map((l) => `${l.oxTrace!.service}.${l.oxTrace!.operation}`);
  t.ok(
    ops.includes('OXContextService.createModuleAccessByName') && ops.includes('OXUserService.createByModuleAccessName'),
    'context and user creation traced',
  );
  const create = traces.find((l) => l.oxTrace!.operation === 'createByModuleAccessName')!.oxTrace!;
  t.equal(create.args.auth, '[redacted]', 'credentials redacted');
  t.equal((create.args.usrdata as Record<string, unknown>).password, '[redacted]', "the user's password redacted");
  t.equal((create.args.usrdata as Record<string, unknown>).name, 'tess', 'the rest is there to diagnose');
  t.notOk(stack.logText().includes('Tess-Secret-Pw-9'), 'no password in the log');
});
