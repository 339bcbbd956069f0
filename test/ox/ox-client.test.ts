import t from 'tap';
import { OxSimulator } from '../../scripts/ox-sim/server.js';
import { OxConnections } from '../../app/ox/connections.js';
import { OxFault, OxTransportError } from '../../app/ox/faults.js';
import { MODULE_ACCESS_FLAGS } from '../../app/ox/contract.js';
import { captureLog } from '../support/log-capture.js';
import type { OxClient, OxUser } from '../../app/ox/ox-client.js';

const MASTER = { login: 'oxadminmaster', password: 'master-Secret-1' };
const ADMIN = { login: 'admin1', password: 'ctx-Admin-Secret' };

const sim = await new OxSimulator({ masterPassword: MASTER.password }).start();
const log = captureLog('debug');
const connections = new OxConnections({ timeoutMs: 1500, maxResponseBytes: 1 << 20, logger: log.logger });
t.teardown(async () => {
  await connections.close();
  await sim.stop();
});

const adminUser = (n = 1): OxUser => ({
  name: ADMIN.login,
  password: ADMIN.password,
  display_name: `Admin ${n}`,
  given_name: 'Ada',
  sur_name: 'Admin',
  primaryEmail: `admin@c${n}.example`,
  email1: `admin@c${n}.example`,
});
const mailUser = (name: string, extra: Partial<OxUser> = {}): OxUser => ({
  name,
  password: 'User-Secret-9',
  display_name: `${name} Display`,
  given_name: name,
  sur_name: 'User',
  primaryEmail: `${name}@c1.example`,
  email1: `${name}@c1.example`,
  language: 'de_DE',
  timezone: 'Europe/Berlin',
  ...extra,
});

async function client(override = false): Promise<OxClient> {
  return connections.client(sim.soapUrl, { master: MASTER, masterAccountOverride: override });
}

const lastXml = (op: string) => [...sim.calls].reverse().find((c) => `${c.service}.${c.operation}` === op)!.xml;

t.test('creates a context by access combination, with OX namespaces on the wire', async (t) => {
  sim.reset();
  const ox = await client();
  const ctx = await ox.createContext(
    {
      id: 101,
      name: 'acme',
      maxQuota: 1024,
      loginMappings: ['acme.example'],
      userAttributes: { config: { 'io.ox/core//theme': 'blue' } },
    },
    adminUser(),
    { combination: 'groupware_premium' },
  );
  t.equal(ctx.id, 101);
  t.same(ctx.loginMappings?.sort(), ['101', 'acme', 'acme.example']);
  const xml = lastXml('OXContextService.createModuleAccessByName');
  t.match(xml, /<createModuleAccessByName xmlns="http:\/\/soap\.admin\.openexchange\.com">/);
  t.match(
    xml,
    /<ctx><ns4:enabled|<ctx><ns4:id xmlns:ns4="http:\/\/dataobjects\.soap\.admin\.openexchange\.com\/xsd">101<\/ns4:id>/,
  );
  t.match(
    xml,
    /<auth><ns5:login xmlns:ns5="http:\/\/dataobjects\.rmi\.admin\.openexchange\.com\/xsd">oxadminmaster<\/ns5:login>/,
  );
  t.match(xml, /<access_combination_name>groupware_premium<\/access_combination_name>/);
  const state = sim.snapshot().contexts[0];
  t.equal(state.maxQuota, 1024);
  t.same(state.userAttributes, { config: { 'io.ox/core//theme': 'blue' } });
  t.equal(state.users[0].name, 'admin1');
  t.equal(state.users[0].contextadmin, true);
  t.equal(state.users[0].access.USM, true, 'groupware_premium includes USM');
});

t.test('creates a context with explicit access: every flag travels', async (t) => {
  sim.reset();
  const ox = await client();
  await ox.createContext({ id: 7, maxQuota: 50 }, adminUser(7), { flags: { webmail: true, contacts: true } });
  const xml = lastXml('OXContextService.createModuleAccess');
  for (const flag of MODULE_ACCESS_FLAGS) t.match(xml, new RegExp(`<ns4:${flag}[ >]`), `flag ${flag} sent`);
  const admin = sim.snapshot().contexts[0].users[0];
  t.equal(admin.access.webmail, true);
  t.equal(admin.access.calendar, false, 'omitted flags are not granted');
  t.equal(admin.access.activeSync, false);
});

t.test('context lifecycle: change, get, exists, list, disable twice, enable, delete twice', async (t) => {
  sim.reset();
  const ox = await client();
  await ox.createContext({ id: 5, name: 'five', maxQuota: 100 }, adminUser(5), { combination: 'webmail' });
  await ox.changeContext({ id: 5, maxQuota: 2048, userAttributes: { config: { tz: 'Europe/Amsterdam' } } });
  sim.model.contexts.get(5)!.usedQuota = 77;
  const got = await ox.getContext(5);
  t.equal(got.maxQuota, 2048);
  t.equal(got.usedQuota, 77);
  t.same(got.userAttributes, { config: { tz: 'Europe/Amsterdam' } });
  t.equal(await ox.contextExists(5), true);
  t.equal(await ox.contextExists(6), false);
  t.same(
    (await ox.listContexts('fi*')).map((c) => c.id),
    [5],
  );
  await ox.disableContext(5);
  await ox.disableContext(5);
  t.equal(sim.model.contexts.get(5)!.enabled, false, 'disable of a disabled context is done, not an error');
  await ox.enableContext(5);
  t.equal(sim.model.contexts.get(5)!.enabled, true);
  await ox.changeContextAccess(5, 'pim');
  t.equal(sim.model.contexts.get(5)!.users.get(2)!.access.calendar, true);
  await ox.deleteContext(5);
  await ox.deleteContext(5);
  t.equal(sim.model.contexts.size, 0, 'delete of a missing context is done');
});

t.test('user lifecycle with the context admin', async (t) => {
  sim.reset();
  const ox = await client();
  await ox.createContext({ id: 1, name: 'c1', maxQuota: 100 }, adminUser(), { combination: 'groupware_premium' });
  const created = await ox.createUser(1, ADMIN, mailUser('alice', { aliases: ['al@c1.example'] }), {
    flags: { webmail: true, contacts: true, calendar: true },
  });
  t.equal(created.id, 3);
  t.equal(created.password, undefined, 'passwords are not returned to callers');
  const xml = lastXml('OXUserService.createByModuleAccess');
  t.match(xml, /<usrdata><ns4:aliases[^>]*>al@c1\.example<\/ns4:aliases>/);
  for (const flag of MODULE_ACCESS_FLAGS) t.match(xml, new RegExp(`<ns4:${flag}[ >]`));
  const access = await ox.getUserAccess(1, ADMIN, 3);
  t.equal(access.calendar, true);
  t.equal(access.infostore, false);
  await ox.changeUserAccess(1, ADMIN, 3, { flags: { ...access, USM: true, activeSync: true } });
  t.equal((await ox.getUserAccess(1, ADMIN, 3)).activeSync, true);
  await ox.changeUserAccess(1, ADMIN, 3, { combination: 'webmail' });
  t.equal((await ox.getUserAccess(1, ADMIN, 3)).calendar, false);
  await ox.changeUser(1, ADMIN, { id: 3, display_name: 'Alice New', password: 'New-Secret-1' });
  const got = await ox.getUser(1, ADMIN, { id: 3 });
  t.equal(got.display_name, 'Alice New');
  t.equal(got.language, 'de_DE');
  t.same(got.aliases?.sort(), ['al@c1.example', 'alice@c1.example']);
  await ox.changeUserCapabilities(1, ADMIN, 3, ['mobile_mail_app', 'guard'], []);
  await ox.changeUserCapabilities(1, ADMIN, 3, [], ['guard']);
  t.same(sim.model.contexts.get(1)!.users.get(3)!.capabilities, ['mobile_mail_app']);
  t.equal((await ox.findUser(1, ADMIN, 'alice'))?.id, 3);
  t.equal(await ox.findUser(1, ADMIN, 'nobody'), undefined);
  await ox.deleteUser(1, ADMIN, 3);
  await ox.deleteUser(1, ADMIN, 3);
  t.equal(await ox.findUser(1, ADMIN, 'alice'), undefined);
});

t.test('user operations with the master admin under MASTER_ACCOUNT_OVERRIDE', async (t) => {
  sim.reset();
  const plain = await client(false);
  await plain.createContext({ id: 2, maxQuota: 10 }, adminUser(2), { combination: 'webmail' });
  const wrongAdmin = { login: 'admin1', password: 'not-it' };
  const denied = await plain
    .createUser(2, wrongAdmin, mailUser('bob'), { combination: 'webmail' })
    .catch((e: unknown) => e as OxFault);
  t.equal((denied as OxFault).kind, 'authentication');
  sim.model.options.masterAccountOverride = true;
  const override = await client(true);
  const bob = await override.createUser(2, wrongAdmin, mailUser('bob'), { combination: 'webmail' });
  t.ok(bob.id, 'master credentials used for the user call');
  t.match(lastXml('OXUserService.createByModuleAccessName'), /<ns5:login[^>]*>oxadminmaster</);
  sim.model.options.masterAccountOverride = false;
});

t.test('faults become OxFault with class, message, exceptionId and kind', async (t) => {
  sim.reset();
  const ox = await client();
  await ox.createContext({ id: 1, name: 'c1', maxQuota: 100 }, adminUser(), { combination: 'groupware_premium' });
  await ox.createUser(1, ADMIN, mailUser('alice'), { combination: 'webmail' });
  const cases: Array<[string, () => Promise<unknown>, string, string, boolean]> = [
    [
      'bad master password',
      async () =>
        (
          await connections.client(sim.soapUrl, { master: { ...MASTER, password: 'x' }, masterAccountOverride: false })
        ).getContext(1),
      'InvalidCredentialsException',
      'authentication',
      false,
    ],
    [
      'context id taken',
      () => ox.createContext({ id: 1, name: 'other', maxQuota: 1 }, adminUser(), { combination: 'webmail' }),
      'ContextExistsException',
      'context-exists',
      false,
    ],
    ['missing context', () => ox.getContext(999), 'NoSuchContextException', 'no-such-context', false],
    [
      'user name taken',
      () =>
        ox.createUser(
          1,
          ADMIN,
          mailUser('alice', { display_name: 'Other', primaryEmail: 'x@c1.example', email1: 'x@c1.example' }),
          { combination: 'webmail' },
        ),
      'InvalidDataException',
      'user-exists',
      false,
    ],
    [
      'display name taken',
      () => ox.createUser(1, ADMIN, mailUser('carol', { display_name: 'alice Display' }), { combination: 'webmail' }),
      'InvalidDataException',
      'display-name-taken',
      false,
    ],
    [
      'primary mail taken',
      () =>
        ox.createUser(1, ADMIN, mailUser('dave', { primaryEmail: 'alice@c1.example', email1: 'alice@c1.example' }), {
          combination: 'webmail',
        }),
      'InvalidDataException',
      'mail-taken',
      false,
    ],
    [
      'unknown access combination',
      () => ox.createUser(1, ADMIN, mailUser('erin'), { combination: 'gold' }),
      'InvalidDataException',
      'no-such-access-combination',
      false,
    ],
    ['missing user', () => ox.getUser(1, ADMIN, { id: 99 }), 'NoSuchUserException', 'no-such-user', false],
    [
      'bad language',
      () => ox.createUser(1, ADMIN, mailUser('frank', { language: 'german' }), { combination: 'webmail' }),
      'InvalidDataException',
      'invalid-data',
      false,
    ],
  ];
  for (const [label, call, cls, kind, retryable] of cases) {
    const err = await call().then(
      () => undefined,
      (e: unknown) => e,
    );
    t.type(err, OxFault, label);
    const fault = err as OxFault;
    t.equal(fault.exceptionClass, cls, `${label}: class`);
    t.equal(fault.kind, kind, `${label}: kind`);
    t.equal(fault.retryable, retryable, `${label}: retryable`);
    t.match(fault.exceptionId ?? '', /^-?\d+-\d+$/, `${label}: exceptionId split off`);
    t.notMatch(fault.oxMessage, /exceptionId/, `${label}: message without exceptionId`);
  }
  sim.failNext(1, { mode: 'fault' });
  const busy = (await ox.getContext(1).catch((e: unknown) => e)) as OxFault;
  t.equal(busy.exceptionClass, 'DatabaseUpdateException');
  t.equal(busy.retryable, true, 'schema updates are worth retrying');
});

t.test('timeouts, resets and HTTP errors are retryable transport errors', async (t) => {
  sim.reset();
  const ox = await client();
  for (const mode of ['hang', 'reset', 'http503'] as const) {
    sim.failNext(1, { mode });
    const err = await ox.contextExists(1).catch((e: unknown) => e);
    t.type(err, OxTransportError, mode);
    t.equal((err as OxTransportError).retryable, true, `${mode} is retryable`);
  }
  t.equal(await ox.contextExists(1), false, 'the next call goes through on the same client');
});

t.test('the simulator refuses what a real OX would not parse', async (t) => {
  const post = (body: string) =>
    fetch(`${sim.soapUrl}OXContextService`, { method: 'POST', headers: { 'content-type': 'text/xml' }, body });
  const env = (inner: string) =>
    `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>${inner}</s:Body></s:Envelope>`;
  const wrongNs = await post(env('<exists xmlns="http://example.com/wrong"><ctx/></exists>'));
  t.equal(wrongNs.status, 500);
  t.match(await wrongNs.text(), /Unexpected wrapper element/);
  const unqualified = await post(
    env('<exists xmlns="http://soap.admin.openexchange.com"><ctx><id xmlns="">1</id></ctx></exists>'),
  );
  t.match(await unqualified.text(), /unexpected element \(uri:&quot;&quot;, local:&quot;id&quot;\)/);
  const wsdl = await fetch(`${sim.soapUrl}OXUserService?wsdl`);
  t.match(await wsdl.text(), /soap:address location="http:\/\/localhost:80\/webservices\/OXUserService"/);
});

t.test('transports are built once per OX and reused; logs carry no credentials', async (t) => {
  const before = connections.builds;
  const a = await client();
  const b = await client(true);
  await Promise.all([a.contextExists(1), b.contextExists(2)]);
  t.equal(connections.builds, before, 'no new build for the same OX URL');
  t.equal(await connections.transport(sim.soapUrl), await connections.transport(sim.soapUrl));
  t.match(log.text(), /"soap":"OXContextService.exists"/);
  for (const secret of [MASTER.password, ADMIN.password, 'User-Secret-9']) t.notMatch(log.text(), secret);
});

t.test('npm run ox-sim starts a standalone simulator that says where it listens', async (t) => {
  const { spawn } = await import('node:child_process');
  const { freePort } = await import('../../scripts/stand-ins/net.js');
  const port = await freePort();
  const child = spawn('npm', ['run', '-s', 'ox-sim', '--', '--port', String(port), '--master-password', 'p4ss-word'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const exited = new Promise((r) => child.on('exit', r));
  let out = '';
  child.stdout.on('data', (c) => (out += c));
  for (let i = 0; i < 200 && !out.includes('listening'); i++) await new Promise((r) => setTimeout(r, 50));
  t.match(out, `OX simulator listening on http://127.0.0.1:${port}`);
  const wsdl = await fetch(`http://127.0.0.1:${port}/webservices/OXContextService?wsdl`);
  t.match(await wsdl.text(), /<wsdl:definitions name="OXContextService"/);
  const standalone = await connections.client(`http://127.0.0.1:${port}/webservices/`, {
    master: { login: 'oxadminmaster', password: 'p4ss-word' },
    masterAccountOverride: false,
  });
  t.equal(await standalone.contextExists(1), false, 'the master password from the command line is the one it checks');
  process.kill(-child.pid!, 'SIGTERM'); // npm, its shell and the simulator: the whole group
  await exited;
});
