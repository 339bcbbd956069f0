// PostgreSQL going away must not stop the endpoint: requests get 503 with Retry-After, /readyz
// says why, and once the database is back the endpoint carries on by itself.
import t from 'tap';
import { contextBody, startStack, uuid } from '../helper.js';
import { TestPostgres } from '../../scripts/stand-ins/postgres-server.js';
import { needsPostgres } from '../support/requirements.js';

t.test('the endpoint survives a PostgreSQL restart', { skip: needsPostgres() }, async (t) => {
  const pgServer = await new TestPostgres().start();
  t.teardown(() => pgServer.stop());
  const stack = await startStack(t, { env: { DATABASE_URL: await pgServer.database('outage') } });
  const { profile } = await stack.withContext();
  t.equal((await stack.call('GET', `/profiles/${profile}`)).status, 200, 'pooled connections are open');

  await pgServer.pause();
  const during = await stack.call('POST', '/contexts', { body: contextBody(uuid()) });
  t.equal(during.status, 503, 'a request while the database is down: 503');
  t.ok(Number(during.headers['retry-after']) > 0, 'with Retry-After');
  t.equal(during.json.error, 'LedgerUnavailable');
  t.match(during.json.message, /ledger database/);
  t.notMatch(during.text, /postgres:\/\//, 'the database URL is not echoed');
  const ready = await stack.call('GET', '/readyz');
  t.equal(ready.status, 503);
  t.match(ready.json.reason, /ledger/, '/readyz says why');
  t.equal((await stack.call('GET', '/healthz')).status, 200, 'the process is alive');

  await pgServer.resume();
  const ctx = uuid();
  let after = await stack.call('POST', '/contexts', { body: contextBody(ctx) });
  for (let i = 0; after.status === 503 && i < 50; i++) {
    await new Promise((r) => setTimeout(r, 100));
    after = await stack.call('POST', '/contexts', { body: contextBody(ctx) });
  }
  t.equal(after.status, 200, 'works again once the database is back');
  t.equal((await stack.call('GET', '/readyz')).status, 200);
});
