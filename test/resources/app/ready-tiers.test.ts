// A new instance gets the classic tiers as profile resources, created through the controller's
// REST API once the instance exists (so the provider can edit or delete them), and only once.
import t from 'tap';
import { randomUUID } from 'node:crypto';
import { startStack, type Stack } from '../../helper.js';

const TITLES = ['Webmail', 'PIM', 'Groupware', 'Groupware with mobility'];

async function createdFor(stack: Stack, appId: string, count: number): Promise<Array<Record<string, any>>> {
  const mine = () => stack.controller.created.filter((c) => c.parentId === appId).map((c) => c.resource);
  for (let i = 0; i < 200 && mine().length < count; i++) await new Promise((r) => setTimeout(r, 50));
  return mine();
}

t.test('the ready tiers are created in the controller and provisioned here, each once', async (t) => {
  const stack = await startStack(t, { env: { READY_TIERS_DELAY: '0' } });
  const inst = stack.controller.newInstance();
  const create = () =>
    stack.call('POST', '/app', {
      instanceId: inst.id,
      body: {
        aps: { id: inst.id, type: 'http://ox-connector.org/aps/app/1.0', x509: inst.x509 },
        ...stack.settings({ readyTiers: true }),
      },
    });
  t.equal((await create()).status, 200);
  stack.instanceId = inst.id;
  const tiers = await createdFor(stack, stack.instanceId, 4);
  t.same(
    tiers.map((p) => p.title),
    TITLES,
  );
  t.match(
    tiers.find((p) => p.title === 'Groupware'),
    { accessCombination: 'groupware' },
    "the old package's Groupware level",
  );
  const premium = tiers.find((p) => p.title === 'Groupware with mobility')!;
  t.match(premium, {
    accessCombination: 'groupware_premium',
    includesMobility: true,
    app: { aps: { id: stack.instanceId } },
  });
  for (const tier of tiers) {
    const here = await stack.call('GET', `/profiles/${tier.aps.id}`);
    t.equal(here.status, 200, `${tier.title} is a profile of the endpoint`);
    t.equal(here.json.title, tier.title);
  }
  const posts = stack.controller.received.filter((r) => r.method === 'POST' && r.url.endsWith('/profiles'));
  t.ok(
    posts.every((r) => r.instanceCertOk && r.transactionId === undefined),
    'signed with the instance certificate; no stale transaction id',
  );

  // The controller repeats the instance creation: the instance has tiers, none is added.
  const again = await create();
  t.equal(again.status, 200, again.json?.message);
  await new Promise((r) => setTimeout(r, 1500));
  t.equal(stack.controller.created.filter((c) => c.parentId === inst.id).length, 4, 'no tier twice');
});

t.test('a tier the instance has already is left alone; readyTiers false creates none', async (t) => {
  const stack = await startStack(t, { env: { READY_TIERS_DELAY: '1' } });
  t.equal((await stack.createInstance({ readyTiers: true })).status, 200);
  const own = randomUUID();
  stack.controller.resources.set(own, {
    aps: { id: own, type: 'http://ox-connector.org/aps/profiles/1.0' },
    title: 'Webmail',
    app: { aps: { id: stack.instanceId } },
  });
  const tiers = await createdFor(stack, stack.instanceId, 3);
  t.same(
    tiers.map((p) => p.title),
    TITLES.slice(1),
    "the provider's Webmail is kept, the rest created",
  );

  const withTiers = stack.instanceId;
  t.equal((await stack.createInstance({ readyTiers: false })).status, 200);
  await new Promise((r) => setTimeout(r, 1500));
  t.equal(
    stack.controller.created.filter((c) => c.parentId === stack.instanceId).length,
    0,
    'none for an instance that said no',
  );
  t.equal(stack.controller.created.filter((c) => c.parentId === withTiers).length, 3);
});
