// A generated password is shown to exactly one caller, however many ask at once: ten concurrent
// revealPassword requests through the endpoint give one 200 and nine 409, never a shared answer
// (the async protocol joins concurrent requests for one resource; this operation is exempt).
// PostgreSQL's slower ledger makes the race wide (up to ten callers saw it before); SQLite too.
import t, { type Test } from 'tap';
import { mailboxBody, startStack, uuid } from '../../helper.js';
import { TestPostgres } from '../../../scripts/stand-ins/postgres-server.js';
import { needsPostgres } from '../../support/requirements.js';

async function concurrentReveals(t: Test, env: Record<string, string>) {
  const stack = await startStack(t, { env });
  const { ctx, profile } = await stack.withContext();
  for (let m = 0; m < 4; m++) {
    const id = uuid();
    const body = mailboxBody(id, ctx, profile, { login: `u${m}`, email: `u${m}@x.example`, displayName: `U ${m}` });
    t.equal((await stack.call('POST', '/mailboxes', { body })).status, 200);
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => stack.call('POST', `/mailboxes/${id}/revealPassword`)),
    );
    for (const a of answers) if (a.status === 200) stack.secrets.add(String(a.json.password));
    t.same(
      answers.map((a) => a.status).sort(),
      [200, 409, 409, 409, 409, 409, 409, 409, 409, 409],
      `mailbox ${m}: one caller sees the password`,
    );
    t.ok(
      answers.filter((a) => a.status === 409).every((a) => a.json.error === 'PasswordNotRevealable'),
      'the others are told it was revealed already',
    );
  }
}

t.test('on SQLite', async (t) => concurrentReveals(t, {}));

t.test('on PostgreSQL', { skip: needsPostgres() }, async (t) => {
  const pg = await new TestPostgres().start();
  t.teardown(() => pg.stop());
  await concurrentReveals(t, { DATABASE_URL: await pg.database('reveal') });
});
