// A migration that carries passwords: the old package kept each mailbox's password (its
// user_password setting); `ox-aps import-plan --passwords` seals them in the ledger, never printing
// them, and each mailbox taken over then holds its user's password, so single sign-on works at once
// instead of ending at PasswordUnknown.
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { contextBody, mailboxBody, ssoFormLogin, startStack, uuid } from '../helper.js';
import { runCli } from '../support/cli.js';
import { handMadeContext, webmailTier } from '../support/hand-made.js';
import { parsePasswordList } from '../../app/ops/import-plan.js';

t.test('password lists: lines or JSON; a bad entry is named by its place, never its content', async (t) => {
  t.same(
    [...parsePasswordList('# old package\nann,pw,with,commas\n\nben,b-pass\n')],
    [
      ['ann', 'pw,with,commas'],
      ['ben', 'b-pass'],
    ],
  );
  t.same([...parsePasswordList('{"ann":"a1"}')], [['ann', 'a1']]);
  t.same([...parsePasswordList('[{"login":"ben","password":"b1"}]')], [['ben', 'b1']]);
  t.throws(() => parsePasswordList('ann,ok\nSecret-Without-Login\n'), /line 2/);
  try {
    parsePasswordList('Secret-Without-Login');
  } catch (err) {
    t.notMatch(String(err), /Secret-Without-Login/, 'the content is not echoed');
  }
  t.throws(() => parsePasswordList('{"ann": '), /not valid JSON/);
});

t.test('a migrated mailbox signs in with its old password; no password is printed', async (t) => {
  const stack = await startStack(t, { sim: { masterAccountOverride: true } });
  await stack.createInstance({ ssoMethod: 'form', masterAccountOverride: true });
  handMadeContext(stack);
  const profile = await webmailTier(stack);
  const list = join(stack.dataDir, 'user-passwords.csv');
  writeFileSync(list, '# login,password from the old package\nann,pw-ann-12345\nzed,Zed-Old-Pass-9\n', { mode: 0o600 });
  stack.secrets.add('pw-ann-12345');
  stack.secrets.add('Zed-Old-Pass-9');
  const env = { DATA_DIR: stack.dataDir };
  const planned = await runCli(
    ['import-plan', '--instance', stack.instanceId, '--context', 'handmade', '--passwords', list],
    { env },
  );
  t.equal(planned.code, 0, planned.stderr);
  t.notMatch(planned.out, /pw-ann-12345|Zed-Old-Pass-9|hand-made-admin/i, 'no password in the output');
  t.match(planned.stderr, /kept 1 mailbox password\(s\), sealed/);
  t.match(planned.stderr, /not users of this context, left out: zed/);
  const plan = JSON.parse(planned.stdout);
  t.same(plan.passwords, { kept: 1, notInContext: ['zed'] });

  const ctx = uuid();
  t.equal(
    (
      await stack.call('POST', '/contexts', {
        body: contextBody(ctx, { diskspace: plan.context.diskspace, adopt: plan.context.adopt }),
      })
    ).status,
    200,
  );
  const ids: Record<string, string> = {};
  const owners: Record<string, string> = {};
  for (const { resource } of plan.mailboxes as Array<{ resource: Record<string, unknown> }>) {
    const id = uuid();
    ids[String(resource.login)] = id;
    owners[String(resource.login)] = uuid();
    const res = await stack.call('POST', '/mailboxes', {
      body: {
        ...mailboxBody(id, ctx, profile),
        ...resource,
        user: { aps: { id: owners[String(resource.login)] } },
        aps: { id, type: 'http://ox-connector.org/aps/mailboxes/1.0' },
      },
    });
    t.equal(res.status, 200, res.json?.message);
  }
  const ann = await stack.endpoint.ledger.getResource(stack.instanceId, ids.ann);
  t.equal(ann?.secrets.password, 'pw-ann-12345', "ann's mailbox holds the old password");
  const oxAnn = [...stack.sim.model.contexts.get(900)!.users.values()].find((u) => u.name === 'ann')!;
  t.equal(oxAnn.password, 'pw-ann-12345', "OX's password is left as it is");

  const asOwner = (login: string) => ({ headers: { 'APS-Identity-ID': owners[login] } });
  const link = await stack.call('GET', `/mailboxes/${ids.ann}/login`, asOwner('ann'));
  t.equal(link.status, 200, link.json?.message);
  const signedIn = await ssoFormLogin(link.json.url);
  t.equal(signedIn.status, 302, 'single sign-on signs ann in with the old password');
  const ben = await stack.call('GET', `/mailboxes/${ids.ben}/login`, asOwner('ben'));
  t.equal(ben.status, 409, 'ben had no password in the list: his mailbox says so');
  t.match(ben.json.error, /PasswordUnknown/);
  t.notOk((await stack.endpoint.ledger.takeImportedPassword(stack.instanceId, 900, 'ann')) !== undefined, 'taken once');
  t.notMatch(stack.logText(), /pw-ann-12345|Zed-Old-Pass-9/, 'no password in the log');
});
