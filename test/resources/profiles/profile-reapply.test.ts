// A profile change reaches every mailbox of the profile through the job runner: bounded towards
// OX (JOB_CONCURRENCY), each user changed once, and the controller's own requests never queue
// behind it.
import t from 'tap';
import { mailboxBody, profileBody, startStack, uuid, type Stack } from '../../helper.js';

const MAILBOXES = 10;
const CONCURRENCY = 2;

async function converged(stack: Stack, users: number): Promise<void> {
  for (let i = 0; i < 300 && stack.sim.userChanges.size < users; i++) await new Promise((r) => setTimeout(r, 50));
}

t.test('a profile change runs at most JOB_CONCURRENCY jobs at OX and changes each user once', async (t) => {
  const stack = await startStack(t, { env: { JOB_CONCURRENCY: String(CONCURRENCY) } });
  const { profile, ctx } = await stack.withContext();
  for (let n = 0; n < MAILBOXES; n++) {
    const res = await stack.call('POST', '/mailboxes', {
      body: mailboxBody(uuid(), ctx, profile, {
        login: `user${n}`,
        email: `user${n}@x.example`,
        displayName: `User ${n}`,
      }),
    });
    t.equal(res.status, 200, res.json?.message);
  }
  stack.sim.latencyMs = 100;
  stack.sim.resetLoad();

  const change = await stack.call('PUT', `/profiles/${profile}`, {
    body: profileBody(profile, { title: 'Webmail plus', uploadFileSizeLimit: 20 }),
  });
  t.equal(change.status, 200, change.json?.message);
  await converged(stack, MAILBOXES);
  t.equal(stack.sim.userChanges.size, MAILBOXES, 'every mailbox of the profile was changed');
  t.ok(
    [...stack.sim.userChanges.values()].every((n) => n === 1),
    'each user exactly once',
  );
  t.equal(stack.sim.load.peak, CONCURRENCY, `OX saw at most ${CONCURRENCY} calls at once`);

  // While the next change runs, a new mailbox is still provisioned inline (not queued behind it).
  stack.sim.resetLoad();
  t.equal(
    (
      await stack.call('PUT', `/profiles/${profile}`, {
        body: profileBody(profile, { title: 'Webmail plus', uploadFileSizeLimit: 30 }),
      })
    ).status,
    200,
  );
  const created = await stack.call('POST', '/mailboxes', {
    body: mailboxBody(uuid(), ctx, profile, {
      login: 'newcomer',
      email: 'newcomer@x.example',
      displayName: 'Newcomer',
    }),
  });
  t.equal(created.status, 200, 'answered within the sync budget, not 202');
  t.ok(stack.sim.userChanges.size < MAILBOXES, 'the change was still running meanwhile');
  await converged(stack, MAILBOXES);
  t.equal(stack.sim.userChanges.size, MAILBOXES, 'the second change reached every earlier mailbox too');
  t.ok(
    [...stack.sim.userChanges.values()].every((n) => n === 1),
    'each user exactly once again',
  );
  const users = [...stack.sim.model.contexts.values()][0].users;
  const limits = [...users.values()].filter((u) => !u.contextadmin).map((u) => u.fields.uploadFileSizeLimit);
  const newcomer = [...users.values()].find((u) => u.name === 'newcomer')!.fields.uploadFileSizeLimit;
  t.not(newcomer, undefined, 'the new limit is in OX');
  t.same(limits, Array(MAILBOXES + 1).fill(newcomer), 'every user of the profile has the new limit');
});
