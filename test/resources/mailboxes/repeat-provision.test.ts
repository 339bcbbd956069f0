// A repeated POST of a mailbox the ledger has as ready or suspended is answered from the ledger:
// no OX call at all, and nothing changes (a repeat of a suspended mailbox's POST must not turn its
// mail and rights back on). On SQLite and on PostgreSQL.
import t, { type Test } from 'tap';
import { mailboxBody, startStack, uuid } from '../../helper.js';
import { TestPostgres } from '../../../scripts/stand-ins/postgres-server.js';
import { needsPostgres } from '../../support/requirements.js';

async function repeats(t: Test, env: Record<string, string>) {
  const stack = await startStack(t, { env });
  const { ctx, profile } = await stack.withContext();
  const id = uuid();
  const body = mailboxBody(id, ctx, profile, { login: 'rae', email: 'rae@x.example', displayName: 'Rae' });
  t.equal((await stack.call('POST', '/mailboxes', { body })).status, 200);
  const user = () => [...stack.sim.model.contexts.get(100)!.users.values()].find((u) => u.name === 'rae')!;
  const state = async () => (await stack.endpoint.ledger.getResource(stack.instanceId, id))?.state;

  const calls = stack.sim.count();
  const again = await stack.call('POST', '/mailboxes', { body, transactionId: uuid() });
  t.equal(again.status, 200, 'ready: answered');
  t.equal(again.json.login, 'rae');
  t.equal(stack.sim.count(), calls, 'ready: no OX call');
  t.equal(await state(), 'ready');

  t.equal((await stack.call('PUT', `/mailboxes/${id}/disable`)).status, 204);
  const shutOut = JSON.parse(JSON.stringify(user()));
  const suspendedCalls = stack.sim.count();
  const repeat = await stack.call('POST', '/mailboxes', { body, transactionId: uuid() });
  t.equal(repeat.status, 200, 'suspended: answered');
  t.equal(stack.sim.count(), suspendedCalls, 'suspended: no OX call');
  t.equal(await state(), 'disabled', 'still suspended in the ledger');
  t.same(user(), shutOut, 'and in OX: mail and rights stay off');
  t.equal(user().fields.mailenabled, false);
}

t.test('repeated provisioning on SQLite', async (t) => repeats(t, {}));

t.test('repeated provisioning on PostgreSQL', { skip: needsPostgres() }, async (t) => {
  const pg = await new TestPostgres().start();
  t.teardown(() => pg.stop());
  await repeats(t, { DATABASE_URL: await pg.database('repeat') });
});
