// The client fed OX's own XML (response and fault shapes recorded from real OX servers, see
// shared/spec/ox-soap.md §2 and §9), not the simulator's: fields the pinned WSDL does not list,
// xsi:nil, the default-namespace wrapper, faults with their exceptionId suffix.
import t from 'tap';
import http from 'node:http';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { OxConnections } from '../../app/ox/connections.js';
import { OxFault } from '../../app/ox/faults.js';
import { captureLog } from '../support/log-capture.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

/** An "OX" that answers every SOAP POST with the next queued fixture. */
const queue: Array<{ status: number; xml: string }> = [];
const server = http.createServer((req, res) => {
  req.resume().on('end', () => {
    const next = queue.shift() ?? { status: 500, xml: 'no fixture queued' };
    res.writeHead(next.status, { 'content-type': 'text/xml;charset=UTF-8' }).end(next.xml);
  });
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const connections = new OxConnections({
  timeoutMs: 2000,
  maxResponseBytes: 1 << 20,
  logger: captureLog('warn').logger,
});
t.teardown(async () => {
  await connections.close();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webservices/`;
const ox = await connections.client(base, {
  master: { login: 'oxadminmaster', password: 'pw' },
  masterAccountOverride: false,
});
const admin = { login: 'oxadmin', password: 'pw' };

t.test('a real user createResponse: id, aliases, attributes; unknown fields and nil do no harm', async (t) => {
  queue.push({ status: 200, xml: fixture('user-create-response.xml') });
  const user = await ox.createUser(
    424242,
    admin,
    {
      name: 'jdoe',
      password: 'x',
      display_name: 'John Doe',
      given_name: 'John',
      sur_name: 'Doe',
      primaryEmail: 'jdoe@example.org',
      email1: 'jdoe@example.org',
    },
    { flags: { webmail: true } },
  );
  t.equal(user.id, 3);
  t.equal(user.name, 'jdoe');
  t.same(user.aliases, ['jdoe@example.org', 'john@example.org']);
  t.same(user.userAttributes, { config: { 'com.openexchange.mail.specialuse.check': 'true' } });
  t.equal(user.password, undefined, 'no password is kept from an answer');
});

t.test('a real context createResponse: id, mappings, quota', async (t) => {
  queue.push({ status: 200, xml: fixture('context-create-response.xml') });
  const ctx = await ox.createContext(
    { id: 424242, name: 'aps-sub-1', maxQuota: 1024 },
    { name: 'oxadmin', password: 'x' },
    { combination: 'groupware' },
  );
  t.equal(ctx.id, 424242);
  t.equal(ctx.name, 'aps-sub-1');
  t.same(ctx.loginMappings, ['424242', 'aps-sub-1', 'acme.example']);
  t.equal(ctx.maxQuota, 1024);
  t.equal(ctx.usedQuota, undefined, 'nil usedQuota is "not known", not 0');
});

t.test('an empty void response counts as done', async (t) => {
  queue.push({ status: 200, xml: fixture('void-response.xml') });
  await t.resolves(ox.deleteUser(424242, admin, 3));
});

t.test('real faults: class, message without exceptionId, kind', async (t) => {
  queue.push({ status: 500, xml: fixture('fault-displayname.xml') });
  const err = await ox.createUser(1, admin, { name: 'x' }, { combination: 'webmail' }).catch((e: unknown) => e);
  t.ok(err instanceof OxFault);
  const fault = err as OxFault;
  t.equal(fault.exceptionClass, 'InvalidDataException');
  t.equal(fault.oxMessage, 'The displayname is already used');
  t.equal(fault.exceptionId, '-225208343-74');
  t.equal(fault.kind, 'display-name-taken');
  t.equal(fault.retryable, false);

  queue.push({ status: 500, xml: fixture('fault-no-such-context.xml') });
  await t.resolves(ox.deleteContext(424242), 'deleting a context OX no longer has is done');
  queue.push({ status: 500, xml: fixture('fault-no-such-context.xml') });
  const missing = await ox.getContext(424242).catch((e: unknown) => e);
  t.equal((missing as OxFault).kind, 'no-such-context');
  t.equal((missing as OxFault).exceptionClass, 'NoSuchContextException');
});
