// A suspended mailbox cannot log in to OX (its data stays); enable restores exactly what it had.
import t from 'tap';
import { randomUUID } from 'node:crypto';
import { mailboxBody, startStack, uuid, type Stack } from '../helper.js';

async function formLogin(stack: Stack, login: string, password: string): Promise<number> {
  const res = await fetch(`${stack.sim.url}/ajax/login?action=formlogin&authId=${randomUUID()}`, {
    method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ login, password, client: 'open-xchange-appsuite', version: '8', uiWebPath: '/appsuite/' }).toString(),
  });
  await res.arrayBuffer();
  return res.status;
}

t.test('disable blocks OX login and keeps the data; enable restores it exactly', async (t) => {
  const stack = await startStack(t);
  const { ctx, profile } = await stack.withContext();
  const id = uuid();
  const password = 'Alice-Pass-2024';
  const body = mailboxBody(id, ctx, profile, { login: 'alice', email: 'alice@x.example', displayName: 'Alice', aliases: ['al@x.example'], password });
  t.equal((await stack.call('POST', '/mailboxes', { body })).status, 200);
  const user = () => [...stack.sim.model.contexts.get(100)!.users.values()].find((u) => u.name === 'alice')!;
  t.equal(await formLogin(stack, 'alice@100', password), 302, 'an active mailbox logs in');
  const before = JSON.parse(JSON.stringify(user()));

  t.equal((await stack.call('PUT', `/mailboxes/${id}/disable`)).status, 204);
  t.equal(await formLogin(stack, 'alice@100', password), 403, 'a suspended mailbox cannot log in');
  const suspended = user();
  t.equal(suspended.id, before.id, 'the same OX user: nothing deleted');
  t.same(suspended.aliases, before.aliases, 'addresses kept');
  t.equal(suspended.display_name, before.display_name);
  t.equal((await stack.call('PUT', `/mailboxes/${id}/disable`, { transactionId: uuid() })).status, 204, 'disable twice is fine');
  t.equal((await stack.call('GET', `/mailboxes/${id}/login`)).status, 409, 'no SSO link while suspended');

  t.equal((await stack.call('PUT', `/mailboxes/${id}/enable`)).status, 204);
  t.equal(await formLogin(stack, 'alice@100', password), 302, 'logs in again after enable');
  const after = user();
  t.same(after.access, before.access, 'module rights restored exactly');
  t.not(after.fields.mailenabled, false, 'mail enabled again');
  t.same({ ...after, fields: { ...after.fields, mailenabled: undefined } }, { ...before, fields: { ...before.fields, mailenabled: undefined } }, 'every other field as before');
});
