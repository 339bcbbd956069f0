// A mailbox's primary address and aliases: what the panel shows is what OX has. OX takes a new
// primary address with email1, the sender address and the aliases; where its configuration
// refuses primary-address changes the PUT is refused clearly and nothing changes.
import t from 'tap';
import { mailboxBody, startStack, uuid } from '../../helper.js';

const oxUser = (stack: Awaited<ReturnType<typeof startStack>>, login: string) =>
  [...stack.sim.model.contexts.get(100)!.users.values()].find((u) => u.name === login)!;

t.test('a new primary e-mail reaches OX (with email1, sender address and aliases)', async (t) => {
  const stack = await startStack(t);
  const { ctx, profile } = await stack.withContext();
  const id = uuid();
  const body = mailboxBody(id, ctx, profile, {
    login: 'carol',
    email: 'carol@old.example',
    displayName: 'Carol',
    aliases: ['c@old.example'],
  });
  t.equal((await stack.call('POST', '/mailboxes', { body })).status, 200);
  const res = await stack.call('PUT', `/mailboxes/${id}`, { body: { ...body, email: 'Carol@New.example' } });
  t.equal(res.status, 200, res.json?.message);
  const user = oxUser(stack, 'carol');
  t.equal(user.primaryEmail, 'carol@new.example', 'OX has the new primary address (lower case)');
  t.equal(user.email1, 'carol@new.example');
  t.equal(user.defaultSenderAddress, 'carol@new.example');
  t.same(
    [...user.aliases].sort(),
    ['c@old.example', 'carol@new.example'],
    'aliases: the new address and the extra alias',
  );
  t.equal(res.json.email, 'carol@new.example', 'the answer shows what OX has');
  t.equal((await stack.call('GET', `/mailboxes/${id}`)).json.email, 'carol@new.example');

  const aliases = await stack.call('PUT', `/mailboxes/${id}`, {
    body: { ...body, email: 'carol@new.example', aliases: ['sales@new.example'] },
  });
  t.equal(aliases.status, 200);
  t.same(
    [...oxUser(stack, 'carol').aliases].sort(),
    ['carol@new.example', 'sales@new.example'],
    'aliases change and reach OX',
  );
});

t.test('where OX refuses primary-address changes: 409 naming the setting, OX and the ledger unchanged', async (t) => {
  const stack = await startStack(t, { sim: { primaryMailUnchangeable: true } });
  const { ctx, profile } = await stack.withContext();
  const id = uuid();
  const body = mailboxBody(id, ctx, profile, { login: 'dave', email: 'dave@old.example', displayName: 'Dave' });
  t.equal((await stack.call('POST', '/mailboxes', { body })).status, 200);
  const res = await stack.call('PUT', `/mailboxes/${id}`, {
    body: { ...body, email: 'dave@new.example', displayName: 'Dave Renamed' },
  });
  t.equal(res.status, 409);
  t.equal(res.json.error, 'OxChangeNotAllowed');
  t.match(res.json.message, /PRIMARY_MAIL_UNCHANGEABLE=false/);
  t.equal(oxUser(stack, 'dave').primaryEmail, 'dave@old.example', 'OX kept the address');
  t.equal(oxUser(stack, 'dave').display_name, 'Dave', 'and nothing else of the refused change');
  const now = await stack.call('GET', `/mailboxes/${id}`);
  t.equal(now.json.email, 'dave@old.example', 'the panel shows the old address');
  t.equal(now.json.displayName, 'Dave');
  const aliases = await stack.call('PUT', `/mailboxes/${id}`, { body: { ...body, aliases: ['d@old.example'] } });
  t.equal(aliases.status, 200, 'aliases still change');
  t.ok(oxUser(stack, 'dave').aliases.includes('d@old.example'));
});
