// The groups, resources and functional-account client against the simulator's default OX: what is
// idempotent, what OX refuses (ox-soap.md §15.6), and what the default group keeps.
import t from 'tap';
import { OxSimulator } from '../../scripts/ox-sim/server.js';
import { OxConnections } from '../../app/ox/connections.js';
import { OxFault } from '../../app/ox/faults.js';
import { principals } from '../../scripts/ox-sim/principals.js';

const MASTER = { login: 'oxadminmaster', password: 'm-secret' };
const ADMIN = { login: 'oxadmin', password: 'a-secret' };
const sim = await new OxSimulator({ masterPassword: MASTER.password }).start();
const connections = new OxConnections({
  timeoutMs: 2000,
  maxResponseBytes: 1 << 20,
  logger: { debug: () => undefined },
});
t.teardown(async () => {
  await connections.close();
  await sim.stop();
});
const ox = await connections.client(sim.soapUrl, { master: MASTER, masterAccountOverride: false });
const person = (name: string) => ({
  name,
  password: `${name}-pw`,
  display_name: name,
  given_name: name,
  sur_name: 'X',
  primaryEmail: `${name}@p.example`,
  email1: `${name}@p.example`,
});
await ox.createContext(
  { id: 7, name: 'p', maxQuota: 100 },
  { ...person('oxadmin'), password: ADMIN.password },
  {
    combination: 'groupware',
  },
);
const ann = (await ox.createUser(7, ADMIN, person('ann'), { combination: 'webmail' })).id;
const bob = (await ox.createUser(7, ADMIN, person('bob'), { combination: 'webmail' })).id;
const p = ox.principals;
const fault = async (call: Promise<unknown>) => {
  try {
    await call;
    return undefined;
  } catch (err) {
    return err instanceof OxFault ? err : undefined;
  }
};

t.test('groups: members added once, changes keep the full list, deletes idempotent, users untouched', async (t) => {
  const group = await p.createGroup(7, ADMIN, { name: 'sales', displayname: 'Sales', members: [ann] });
  t.not(group.id, ann, 'one id sequence for users and groups');
  await p.addGroupMember(7, ADMIN, group.id, ann);
  await p.addGroupMember(7, ADMIN, group.id, bob);
  t.same((await p.getGroup(7, ADMIN, { id: group.id })).members, [ann, bob], '"Member already exists" is done');
  await p.changeGroup(7, ADMIN, { id: group.id, name: 'sales', displayname: 'Sales team', members: [bob] });
  t.same((await p.getGroup(7, ADMIN, { id: group.id })).members, [bob]);
  t.equal((await fault(p.createGroup(7, ADMIN, { name: 'SALES', displayname: 'x' })))?.kind, 'group-exists');
  t.equal((await fault(p.createGroup(7, ADMIN, { name: 'users', displayname: 'x' })))?.kind, 'group-exists');
  t.match((await fault(p.createGroup(7, ADMIN, { name: 'Müller', displayname: 'x' })))?.message, /Illegal chars: "ü"/);
  const names = (await p.listGroups(7, ADMIN)).map((g) => g.name);
  t.same(names, ['users', 'sales'], 'the default group is listed first');
  await ox.deleteUser(7, ADMIN, bob);
  t.same((await p.getGroup(7, ADMIN, { id: group.id })).members, [], 'a deleted user leaves the group; it stays');
  await p.deleteGroup(7, ADMIN, group.id);
  await p.deleteGroup(7, ADMIN, group.id);
  t.equal((await fault(p.getGroup(7, ADMIN, { id: group.id })))?.kind, 'no-such-group');
  t.match((await fault(p.deleteGroup(7, ADMIN, 1)))?.message, /Group with id 1 cannot be deleted/);
});

t.test('the simulator empties a group changed without members, as OX does', async (t) => {
  const ctx = sim.model.contexts.get(7)!;
  const group = await p.createGroup(7, ADMIN, { name: 'empty', displayname: 'E', members: [ann] });
  const { OPERATIONS } = await import('../../scripts/ox-sim/operations.js');
  OPERATIONS.OXGroupService.change(sim.model, { ctx: { id: 7 }, grp: { id: group.id }, auth: ADMIN });
  t.same([...principals(ctx).groups.get(group.id)!.members], []);
});

t.test('resources: addresses unique among resources and users, deletes idempotent', async (t) => {
  const room = await p.createResource(7, ADMIN, { name: 'room1', displayname: 'Room 1', email: 'room1@p.example' });
  t.same(await p.getResource(7, ADMIN, { id: room.id }), {
    id: room.id,
    name: 'room1',
    displayname: 'Room 1',
    email: 'room1@p.example',
    description: '',
    available: true,
  });
  t.equal(
    (await fault(p.createResource(7, ADMIN, { name: 'room2', displayname: 'R', email: 'ROOM1@p.example' })))?.kind,
    'resource-exists',
  );
  t.equal(
    (await fault(p.createResource(7, ADMIN, { name: 'room3', displayname: 'R', email: 'ann@p.example' })))?.kind,
    'mail-taken',
  );
  t.match(
    (await fault(p.createResource(7, ADMIN, { name: 'room4', displayname: 'R' })))?.message,
    /Mandatory fields not set: \[email\]/,
  );
  await p.changeResource(7, ADMIN, { id: room.id, available: false, description: 'Closed' });
  t.match(await p.getResource(7, ADMIN, { id: room.id }), { available: false, description: 'Closed' });
  await p.deleteResource(7, ADMIN, room.id);
  await p.deleteResource(7, ADMIN, room.id);
  t.same(await p.listResources(7, ADMIN), []);
});

t.test('functional accounts: groups expanded now, duplicates refused for all, unknown addresses false', async (t) => {
  const cid = (await ox.createUser(7, ADMIN, person('cid'), { combination: 'webmail' })).id;
  const team = await p.createGroup(7, ADMIN, { name: 'team', displayname: 'Team', members: [cid] });
  await p.createAccount(
    7,
    ADMIN,
    { primaryAddress: 'Info@p.example', name: 'Info' },
    { users: [ann], groups: [team.id] },
  );
  t.same(
    (await p.listAccounts(7, ADMIN)).map((a) => [a.userId, a.primaryAddress]).sort(),
    [
      [ann, 'info@p.example'],
      [cid, 'info@p.example'],
    ].sort(),
  );
  t.equal(
    (
      await fault(
        p.createAccount(7, ADMIN, { primaryAddress: 'info@p.example', name: 'I' }, { users: [ann], groups: [] }),
      )
    )?.kind,
    'duplicate-account',
  );
  t.equal(
    await p.updateAccount(7, ADMIN, 'info@p.example', { name: 'Info', personal: 'Desk' }, { users: [cid], groups: [] }),
    true,
  );
  t.equal(await p.deleteAccount(7, ADMIN, 'info@p.example', { users: [cid], groups: [] }), true);
  t.equal(
    await p.deleteAccount(7, ADMIN, 'info@p.example', { users: [cid], groups: [] }),
    false,
    'gone already: false',
  );
  t.equal(await p.updateAccount(7, ADMIN, 'nobody@p.example', { name: 'x' }, { users: [ann], groups: [] }), false);
  t.match(
    (await fault(p.deleteAccount(7, ADMIN, 'info@p.example', { users: [], groups: [] })))?.message,
    /Missing users\/groups in account data/,
  );
  await ox.deleteUser(7, ADMIN, ann);
  t.same(await p.listAccounts(7, ADMIN), [], "a deleted user's accounts go with it");
});
