// Golden wire fixtures: the exact request XML the client sends for every OX operation it uses, so
// that a change of node-soap, of the pinned WSDLs or of the client shows up as a diff here.
// After a deliberate change: UPDATE_GOLDEN=1 npx tap test/ox/golden-wire.test.ts, and review the diff.
import t from 'tap';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { OxSimulator } from '../../scripts/ox-sim/server.js';
import { OxConnections } from '../../app/ox/connections.js';
import { SERVICES, SERVICE_NAMES } from '../../app/ox/contract.js';
import type { OxClient } from '../../app/ox/ox-client.js';

const MASTER = { login: 'oxadminmaster', password: 'golden-master' };
const ADMIN = { login: 'oxadmin', password: 'golden-admin' };
const update = process.env.UPDATE_GOLDEN === '1';

const sim = await new OxSimulator({ masterPassword: MASTER.password, usernameChangeable: true }).start();
const connections = new OxConnections({
  timeoutMs: 2000,
  maxResponseBytes: 1 << 20,
  logger: { debug: () => undefined },
});
t.teardown(async () => {
  await connections.close();
  await sim.stop();
});
const ox: OxClient = await connections.client(sim.soapUrl, { master: MASTER, masterAccountOverride: false });
const admin = {
  name: 'oxadmin',
  password: ADMIN.password,
  display_name: 'Admin',
  given_name: 'A',
  sur_name: 'Dmin',
  primaryEmail: 'admin@g.example',
  email1: 'admin@g.example',
};
const user = {
  name: 'gold',
  password: 'golden-user',
  display_name: 'Gold',
  given_name: 'Go',
  sur_name: 'Ld',
  primaryEmail: 'gold@g.example',
  email1: 'gold@g.example',
  aliases: ['gold@g.example', 'g@g.example'],
  language: 'de_DE',
  timezone: 'Europe/Berlin',
  uploadFileSizeLimit: 10,
  uploadFileSizeLimitPerFile: 5,
};

// Every client method, in an order OX accepts; the last request of each operation is the fixture.
await ox.createContext(
  {
    id: 42,
    name: 'golden',
    maxQuota: 1024,
    loginMappings: ['42', 'golden', 'g.example'],
    userAttributes: { config: { 'io.ox/core//theme': 'dark' } },
  },
  admin,
  { combination: 'groupware_premium' },
);
await ox.createContext(
  { id: 43, name: 'golden-flags', maxQuota: 10 },
  { ...admin, primaryEmail: 'a@h.example', email1: 'a@h.example' },
  { flags: { webmail: true, contacts: true } },
);
await ox.changeContext({ id: 42, maxQuota: 2048, loginMappings: ['42', 'golden', 'gold.example'] });
await ox.changeContextAccess(43, 'pim');
await ox.getContext(42);
await ox.contextExists(42);
await ox.listContexts('golden*');
await ox.disableContext(43);
await ox.enableContext(43);
const created = await ox.createUser(42, ADMIN, user, { combination: 'webmail' });
await ox.createUser(
  42,
  ADMIN,
  {
    ...user,
    name: 'gold2',
    display_name: 'Gold 2',
    primaryEmail: 'gold2@g.example',
    email1: 'gold2@g.example',
    aliases: undefined,
  },
  { flags: { webmail: true, USM: true, activeSync: true } },
);
await ox.changeUser(42, ADMIN, {
  id: created.id,
  display_name: 'Gold Changed',
  password: 'golden-new',
  mailenabled: false,
});
await ox.changeUserAccess(42, ADMIN, created.id!, { combination: 'pim' });
await ox.changeUserAccess(42, ADMIN, created.id!, { flags: { webmail: true, editPassword: false } });
await ox.getUserAccess(42, ADMIN, created.id!);
await ox.changeUserCapabilities(42, ADMIN, created.id!, ['mobile_mail_app'], ['text']);
await ox.getUser(42, ADMIN, { id: created.id! });
await ox.findUser(42, ADMIN, 'gold');
await ox.listUsers(42, ADMIN);
await ox.getUserCapabilities(42, ADMIN, created.id!);
// Groups, resources and functional accounts (ox-soap.md §15), as the context admin.
const groups = ox.principals;
const second = (await ox.findUser(42, ADMIN, 'gold2'))!.id!;
const group = await groups.createGroup(42, ADMIN, { name: 'sales', displayname: 'Sales & Co', members: [created.id!] });
await groups.addGroupMember(42, ADMIN, group.id, second);
await groups.removeGroupMembers(42, ADMIN, group.id, [second]);
await groups.changeGroup(42, ADMIN, {
  id: group.id,
  name: 'sales',
  displayname: 'Sales',
  members: [created.id!, second],
});
await groups.getGroup(42, ADMIN, { id: group.id });
await groups.listGroups(42, ADMIN);
const room = await groups.createResource(42, ADMIN, {
  name: 'room1',
  displayname: 'Room 1',
  email: 'room1@g.example',
  description: 'Ten seats',
  available: true,
});
await groups.changeResource(42, ADMIN, { id: room.id, displayname: 'Room one', available: false });
await groups.getResource(42, ADMIN, { id: room.id });
await groups.listResources(42, ADMIN);
await groups.createAccount(
  42,
  ADMIN,
  { primaryAddress: 'info@g.example', name: 'Info', personal: 'Info desk', login: 'info@g.example' },
  { users: [created.id!], groups: [group.id] },
);
await groups.updateAccount(
  42,
  ADMIN,
  'info@g.example',
  { name: 'Info', personal: 'Front desk' },
  {
    users: [second],
    groups: [],
  },
);
await groups.listAccounts(42, ADMIN);
await groups.deleteAccount(42, ADMIN, 'info@g.example', { users: [second], groups: [] });
await groups.deleteResource(42, ADMIN, room.id);
await groups.deleteGroup(42, ADMIN, group.id);
await ox.deleteUser(42, ADMIN, created.id!);
await ox.deleteContext(43);

const operations = SERVICE_NAMES.flatMap((service) => Object.keys(SERVICES[service]).map((op) => `${service}.${op}`));

/** The request as kept: every password element's text replaced (fixtures hold no secrets). */
const redacted = (xml: string) => `${xml.replace(/(<(?:\w+:)?password(?:\s[^>]*)?>)[^<]*(<\/)/g, '$1[redacted]$2')}\n`;

t.test('every operation the client sends matches its recorded request', async (t) => {
  const sent = new Set(sim.calls.map((c) => `${c.service}.${c.operation}`));
  t.ok(sent.size >= 18, `${sent.size} operations recorded`);
  for (const name of operations.filter((op) => sent.has(op))) {
    const call = [...sim.calls].reverse().find((c) => `${c.service}.${c.operation}` === name)!;
    const file = new URL(`./golden/${name}.xml`, import.meta.url);
    if (update) writeFileSync(file, redacted(call.xml));
    t.ok(existsSync(file), `${name} has a fixture (UPDATE_GOLDEN=1 records it)`);
    if (!existsSync(file)) continue;
    const golden = readFileSync(file, 'utf8');
    t.equal(redacted(call.xml), golden, `${name} is sent as recorded`);
    for (const secret of [MASTER.password, ADMIN.password, 'golden-user', 'golden-new'])
      t.notOk(golden.includes(secret), `${name}: no password in the fixture`);
  }
  const fixtures = readdirSync(new URL('./golden/', import.meta.url)).map((f) => f.replace(/\.xml$/, ''));
  t.same(
    fixtures.filter((f) => !sent.has(f)),
    [],
    'no fixture of an operation the client no longer sends',
  );
});
