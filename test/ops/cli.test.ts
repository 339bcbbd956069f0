import t, { type Test as Tap } from 'tap';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OxSimulator } from '../../scripts/ox-sim/server.js';
import { authorizationHeader } from '../../app/aps/oauth.js';
import { MASTER_PASSWORD, contextBody, startStack, uuid } from '../helper.js';
import { runCli } from '../support/cli.js';
import { freePort } from '../../scripts/stand-ins/net.js';

const cli = runCli;

t.test('check: one verdict line, exit code to match', async (t) => {
  const sim = await new OxSimulator({ masterPassword: MASTER_PASSWORD }).start();
  t.teardown(() => sim.stop());
  const dir = mkdtempSync(join(tmpdir(), 'cli-'));
  const good = join(dir, 'good');
  const bad = join(dir, 'bad');
  writeFileSync(good, `${MASTER_PASSWORD}\n`);
  writeFileSync(bad, 'wrong\n');
  const ok = await cli(['check', '--url', sim.soapUrl, '--password-file', good]);
  t.equal(ok.code, 0, ok.out);
  t.match(
    ok.out.trim().split('\n').pop(),
    /^OK: OX at .* accepts the master admin "oxadminmaster"; 0 context\(s\) visible$/,
  );
  const refused = await cli(['check', '--url', sim.soapUrl, '--password-file', bad]);
  t.equal(refused.code, 1);
  t.match(
    refused.out.trim().split('\n').pop(),
    /^FAILED: OX refused the master admin "oxadminmaster" \(Authentication failed\)/,
  );
  const piped = await cli(['check', '--url', sim.soapUrl], { input: `${MASTER_PASSWORD}\n` });
  t.equal(piped.code, 0, 'the password can come on standard input');
  const down = await cli(['check', '--url', 'http://127.0.0.1:9/webservices/', '--password-file', good]);
  t.equal(down.code, 1);
  t.match(down.out, /FAILED: OX did not answer/);
  t.match(ok.out, /shared mailboxes: available/);
  const old = await new OxSimulator({
    masterPassword: MASTER_PASSWORD,
    withoutServices: ['OXSecondaryAccountService'],
  }).start();
  t.teardown(() => old.stop());
  const older = await cli(['check', '--url', old.soapUrl, '--password-file', good]);
  t.equal(older.code, 0, 'an OX without functional accounts still works for the rest');
  t.match(older.out, /shared mailboxes: NOT available: this OX has no OXSecondaryAccountService/);
  for (const r of [ok, refused, piped]) t.notMatch(r.out, MASTER_PASSWORD, 'the password is never printed');
  const missing = await cli(['check', '--url', sim.soapUrl, '--password-file', join(dir, 'nope')]);
  t.equal(missing.code, 1);
  t.equal(missing.out.trim().split('\n').length, 1, 'a missing password file: one line');
  t.match(missing.out, /--password-file .*nope.* cannot be read \(ENOENT\)/);
});

t.test('help, unknown commands and options: said plainly', async (t) => {
  for (const args of [['--help'], ['-h'], ['help']]) {
    const help = await cli(args);
    t.equal(help.code, 0, `${args[0]} exits 0`);
    t.match(help.out, /^usage: ox-aps <command>/);
  }
  const unknown = await cli(['frobnicate']);
  t.equal(unknown.code, 2);
  t.match(unknown.out, /^ox-aps: unknown command "frobnicate"\nusage: ox-aps <command>/);
  const none = await cli([]);
  t.equal(none.code, 2, 'no command is a usage error');
  const badOption = await cli(['resources', '--colour', 'red']);
  t.equal(badOption.code, 2);
  t.match(badOption.out, /^ox-aps resources: Unknown option '--colour'/);
  t.notMatch(badOption.out, /\n\s+at /, 'no stack');
});

t.test('ledger commands never create a new, empty ledger', async (t) => {
  const dir = join(mkdtempSync(join(tmpdir(), 'cli-')), 'data');
  for (const command of ['instances', 'resources']) {
    const res = await cli([command], { env: { DATA_DIR: dir } });
    t.equal(res.code, 1, command);
    t.match(res.out, /no ledger at .*ledger\.sqlite: set DATA_DIR or DATABASE_URL to the endpoint's/);
  }
  t.notOk(existsSync(dir), 'nothing was created');
});

t.test('instances, resources and retry read the endpoint ledger', async (t) => {
  const stack = await startStack(t);
  await stack.createInstance();
  const ctx = uuid();
  await stack.call('POST', '/contexts', { body: contextBody(ctx) });
  const env = { DATA_DIR: stack.dataDir };
  const instances = await cli(['instances'], { env });
  t.equal(instances.code, 0);
  t.match(instances.out, stack.instanceId);
  t.match(instances.out, stack.sim.soapUrl);
  const resources = await cli(['resources', '--kind', 'contexts'], { env });
  t.match(resources.out, new RegExp(`${ctx}\\s+contexts\\s+ready\\s+100`));

  const none = await cli(['retry', ctx], { env });
  t.equal(none.code, 1);
  t.match(none.out, /no failed job/);
  const now = Date.now();
  await stack.endpoint.ledger.saveJob({
    key: 'k',
    instanceId: stack.instanceId,
    resourceId: ctx,
    state: 'failed',
    attempts: 9,
    nextRetryAt: now,
    leaseUntil: 0,
    deadline: now,
    input: {},
    error: { status: 500, body: {} },
    createdAt: now,
    updatedAt: now,
  });
  const retried = await cli(['retry', ctx], { env });
  t.equal(retried.code, 0, retried.out);
  t.match(retried.out, /queued 1 job\(s\)/);
  const job = await stack.endpoint.ledger.getJob('k');
  t.ok(
    job && job.attempts <= 1,
    're-queued with a fresh attempt count (the running endpoint may already have picked it up)',
  );
});

/**
 * The demo on a free port: it must know its port before it listens (its public URL names it), so
 * another process may take the port meanwhile; then it is started again on another.
 */
async function startDemo(t: Tap) {
  for (let attempt = 1; ; attempt++) {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/demo.ts', '--port', String(await freePort())], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const run = { child, out: '', exited: new Promise<number | null>((r) => child.on('exit', (code) => r(code))) };
    child.stdout.on('data', (c) => (run.out += c));
    child.stderr.on('data', (c) => (run.out += c));
    t.teardown(() => child.kill('SIGKILL'));
    const waitFor = async (re: RegExp) => {
      for (let i = 0; i < 300 && !re.test(run.out); i++) await new Promise((r) => setTimeout(r, 100));
      return re.exec(run.out);
    };
    const first = await waitFor(/Login URL \(alice, webmail\): (\S+)|EADDRINUSE/);
    if (first?.[0] !== 'EADDRINUSE' || attempt === 3) return { run, waitFor, first: first?.[1] ? first : null };
    child.kill('SIGKILL');
  }
}

t.test('npm run demo walks the flow, prints working one-time links, stops cleanly', async (t) => {
  const { run, waitFor, first } = await startDemo(t);
  t.ok(first, run.out);
  for (const step of [
    '1. Application instance created',
    '3. Context 100',
    '5. Mobility (ActiveSync) for alice',
    '6. Usage poll: 2 mailboxes, 1 with mobility',
  ])
    t.match(run.out, step);
  const { request } = await import('node:https');
  const answer = await new Promise<{ status: number; location: string }>((resolve) =>
    request(first![1], { rejectUnauthorized: false }, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, location: String(res.headers.location) });
    }).end(),
  );
  t.equal(answer.status, 302, 'the login link logs in at OX (token login) and sends the browser there');
  t.match(answer.location, /^https:\/\/127\.0\.0\.1:\d+\/appsuite\/#jsessionid=\w+&serverToken=\w+&.*&clientToken=/);
  const before = (run.out.match(/Login URL \(alice/g) ?? []).length;
  run.child.stdin.write('\n');
  await waitFor(new RegExp(`(Login URL \\(alice[\\s\\S]*){${before + 1}}`));
  t.equal((run.out.match(/Login URL \(alice/g) ?? []).length, before + 1, 'Enter prints fresh links');
  run.child.kill('SIGINT');
  t.equal(await run.exited, 0);
  t.match(run.out, /Demo stopped\./);
});

t.test(
  'oauth: keys for APS Connect instances, added without a restart, never removed from under an instance',
  async (t) => {
    const key = 'apsconnect-cli-test-key-1';
    const secret = 'cli-test-secret-1';
    const signer = (k: string, s: string) => (method: string, url: string) => authorizationHeader(method, url, k, s);
    const stack = await startStack(t, { oauth: { key, secret, signer: signer(key, secret) } });
    await stack.createInstance();
    const file = stack.env.OAUTH_CLIENTS_FILE ?? '';
    const env = { DATA_DIR: stack.dataDir, OAUTH_CLIENTS_FILE: file };

    const list = await cli(['oauth', 'list'], { env });
    t.equal(list.code, 0, list.out);
    t.match(list.out, new RegExp(`${key}\\s+${stack.instanceId}`), 'each key with the instances it signs');
    t.notMatch(list.out, secret, 'no secret listed');

    const added = await cli(['oauth', 'add'], { env });
    t.equal(added.code, 0, added.out);
    const newKey = /key:\s+(\S+)/.exec(added.out)?.[1] ?? '';
    const newSecret = /secret:\s+(\S+)/.exec(added.out)?.[1] ?? '';
    t.match(newKey, /^apsconnect-[0-9a-f]{32}$/);
    t.same(JSON.parse(readFileSync(file, 'utf8')), { [key]: secret, [newKey]: newSecret }, 'the file holds both keys');
    t.equal(statSync(file).mode & 0o777, 0o600, 'readable by its owner only');
    t.equal((await cli(['oauth', 'add', key], { env })).code, 1, 'an existing key is not overwritten');

    await new Promise((r) => setTimeout(r, 1100)); // the endpoint looks at the file at most once a second
    const second = uuid();
    stack.instanceId = '';
    const made = await stack.call('POST', '/app', {
      instanceId: second,
      signer: signer(newKey, newSecret),
      body: { aps: { id: second, type: 'http://ox-connector.org/aps/app/1.0' }, ...stack.settings() },
    });
    t.equal(made.status, 200, `the running endpoint took the new key: ${made.text}`);

    const refused = await cli(['oauth', 'remove', key], { env });
    t.equal(refused.code, 1);
    t.match(refused.out, /signs application instance/);
    const removed = await cli(['oauth', 'remove', key, '--force'], { env });
    t.equal(removed.code, 0, removed.out);
    t.same(Object.keys(JSON.parse(readFileSync(file, 'utf8'))), [newKey]);
    const unset = await cli(['oauth', 'list'], { env: { DATA_DIR: stack.dataDir, OAUTH_CLIENTS_FILE: '' } });
    t.equal(unset.code, 1);
    t.match(unset.out, /OAUTH_CLIENTS_FILE is not set/);
  },
);
