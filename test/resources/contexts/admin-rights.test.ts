// The context administrator (the identity the endpoint uses for every user call of a context) may
// not change its own password in OX: created without editPassword whatever its combination grants,
// an older one is found by reconcile (admin-rights) and repaired, and an upgrade settles them all.
import t from 'tap';
import { contextBody, startStack, uuid, type Stack } from '../../helper.js';
import { reconcile } from '../../../app/ops/reconcile.js';

/** The context's administrator in the simulator. */
function adminOf(stack: Stack, oxId: number) {
  const admin = [...(stack.sim.model.contexts.get(oxId)?.users.values() ?? [])].find((u) => u.contextadmin);
  if (!admin) throw new Error(`no administrator in context ${oxId}`);
  return admin;
}

/** Signs in to OX's UI as the administrator (form login) and asks to change its password. */
async function changeOwnPassword(stack: Stack, oxId: number, password: string): Promise<Record<string, unknown>> {
  const admin = adminOf(stack, oxId);
  const form = new URLSearchParams({
    login: `${admin.name}@${oxId}`,
    password,
    client: 'open-xchange-appsuite',
    version: '1',
  });
  const login = await fetch(`${stack.sim.url}/ajax/login?action=formlogin&authId=${uuid()}`, {
    method: 'POST',
    body: form,
    redirect: 'manual',
  });
  const session = /session=([^&]+)/.exec(login.headers.get('location') ?? '')?.[1];
  if (!session) throw new Error(`the administrator could not sign in (${login.status})`);
  const change = await fetch(`${stack.sim.url}/ajax/passwordchange?action=update&session=${session}`, {
    method: 'PUT',
    body: JSON.stringify({ old_password: password, new_password: 'Changed-In-OX-1' }),
  });
  return (await change.json()) as Record<string, unknown>;
}

async function oxIdOf(stack: Stack, ctx: string): Promise<number> {
  const id = (await stack.endpoint.ledger.getResource(stack.instanceId, ctx))?.oxContextId;
  if (id == null) throw new Error(`context ${ctx} has no OX id`);
  return id;
}

t.test('a new context administrator cannot change its password in OX; the endpoint keeps working', async (t) => {
  const stack = await startStack(t);
  await stack.createInstance({ contextAdminAccess: 'groupware_premium' });
  t.ok(stack.sim.model.resolveAccess('groupware_premium').editPassword, "OX's combination grants editPassword");
  const ctx = uuid();
  t.equal((await stack.call('POST', '/contexts', { body: contextBody(ctx) })).status, 200);
  const oxId = await oxIdOf(stack, ctx);
  const admin = adminOf(stack, oxId);
  t.equal(admin.access.editPassword, false, 'the administrator has every right of the combination but editPassword');
  t.equal(admin.access.webmail, true);
  const password = admin.password;
  const answer = await changeOwnPassword(stack, oxId, password);
  t.match(answer, { code: String }, `OX refuses the change: ${JSON.stringify(answer)}`);
  t.equal(adminOf(stack, oxId).password, password, 'the password is unchanged');
  t.equal((await stack.call('GET', `/contexts/${ctx}/adminLogin`)).status, 200, '"Open OX as administrator" works');
  t.same((await reconcile({ ledger: stack.endpoint.ledger, ox: stack.endpoint.ox }, {})).drift, [], 'no drift');

  // The check can fail: with the right, the change goes through.
  adminOf(stack, oxId).access.editPassword = true;
  t.same(await changeOwnPassword(stack, oxId, password), { data: {} }, 'with editPassword OX would take it');
});

t.test(
  'an older administrator with editPassword: reconcile reports it, --repair and an upgrade remove it',
  async (t) => {
    const stack = await startStack(t);
    await stack.createInstance();
    const [first, second] = [uuid(), uuid()];
    for (const ctx of [first, second])
      t.equal((await stack.call('POST', '/contexts', { body: contextBody(ctx) })).status, 200);
    const [a, b] = [await oxIdOf(stack, first), await oxIdOf(stack, second)];
    // As the endpoint left them before: the combination's rights, editPassword included.
    for (const id of [a, b]) adminOf(stack, id).access.editPassword = true;
    const deps = { ledger: stack.endpoint.ledger, ox: stack.endpoint.ox };
    const found = await reconcile(deps, {});
    t.same(
      found.drift.map((d) => [d.kind, d.resource, d.field, d.ledger, d.ox]).sort(),
      [
        ['admin-rights', first, 'editPassword', false, true],
        ['admin-rights', second, 'editPassword', false, true],
      ].sort(),
    );
    const repaired = await reconcile(deps, { repair: true, contextId: first });
    t.equal(repaired.repaired.length, 1);
    t.equal(adminOf(stack, a).access.editPassword, false, 'repaired in OX');
    t.equal(adminOf(stack, a).access.webmail, true, 'the other rights stay');

    // The package upgrade settles every context in the background.
    const upgrade = await stack.call('POST', `/app/${stack.instanceId}/upgrade?version=1.0`, { body: {} });
    t.equal(upgrade.status, 200, upgrade.json?.message);
    stack.endpoint.apsAsync.start(20);
    for (let i = 0; i < 100 && adminOf(stack, b).access.editPassword; i++) await new Promise((r) => setTimeout(r, 50));
    t.equal(adminOf(stack, b).access.editPassword, false, 'the upgrade took it away');
    t.same((await reconcile(deps, {})).drift, [], 'no drift left');
  },
);
