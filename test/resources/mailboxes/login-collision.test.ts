// A second mailbox with a login already used in the context must not take over the first
// mailbox's OX user (nor delete it when it goes).
import t from 'tap';
import { mailboxBody, startStack, uuid } from '../../helper.js';

t.test('a login already used by another mailbox is refused, and nothing of the first changes', async (t) => {
  const stack = await startStack(t);
  const { ctx, profile } = await stack.withContext();
  const first = uuid();
  const res1 = await stack.call('POST', '/mailboxes', {
    body: mailboxBody(first, ctx, profile, { login: 'alice', email: 'alice@x.example', displayName: 'Alice' }),
  });
  t.equal(res1.status, 200);
  const users = () => [...stack.sim.model.contexts.get(100)!.users.values()].filter((u) => u.name === 'alice');
  const aliceBefore = JSON.stringify(users());

  const second = uuid();
  const res2 = await stack.call('POST', '/mailboxes', {
    body: mailboxBody(second, ctx, profile, {
      login: 'alice',
      email: 'alice2@x.example',
      displayName: 'Alice Two',
      password: 'Second-Pass-123',
    }),
  });
  t.equal(res2.status, 409, 'refused');
  t.equal(res2.json.error, 'OxLoginTaken');
  t.match(res2.json.message, /alice.*another mailbox.*choose another login/);
  t.notMatch(res2.text, /oxUserId/);
  t.equal(JSON.stringify(users()), aliceBefore, 'the first user is untouched (password included)');

  const repeat = await stack.call('POST', '/mailboxes', {
    body: mailboxBody(second, ctx, profile, { login: 'alice', email: 'alice2@x.example', displayName: 'Alice Two' }),
  });
  t.equal(repeat.status, 409, 'a retry is refused the same way');

  t.equal((await stack.call('DELETE', `/mailboxes/${second}`)).status, 204, 'the refused mailbox can be removed');
  t.equal(users().length, 1, "and the first mailbox's user is still in OX");
  t.equal((await stack.call('GET', `/mailboxes/${first}`)).json.oxUserId, users()[0].id);
  t.equal((await stack.call('GET', `/contexts/${ctx}`)).json.mailboxCount.usage, 1);
});
