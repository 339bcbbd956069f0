// PUT /app: a change of OX, its master login or password is verified against OX before it is
// kept; a refused change leaves the previous settings in force and every later call working.
import t from 'tap';
import { MASTER_PASSWORD, contextBody, startStack, uuid } from '../../helper.js';
import { OxSimulator } from '../../../scripts/ox-sim/server.js';
import { freePort } from '../../../scripts/stand-ins/net.js';

t.test('master password: rotation, a wrong one, a changed SOAP URL', async (t) => {
  const stack = await startStack(t);
  await stack.createInstance();
  const app = `/app/${stack.instanceId}`;
  const put = (body: Record<string, unknown>) =>
    stack.call('PUT', app, { body: { aps: { id: stack.instanceId }, ...body } });
  const stored = async () => (await stack.endpoint.ledger.getInstance(stack.instanceId))!;
  const provisions = async (label: string) => {
    const res = await stack.call('POST', '/contexts', { body: contextBody(uuid()) });
    t.equal(res.status, 200, `${label}: provisioning works (${res.json?.message ?? ''})`);
  };

  const wrong = await put({ masterPassword: 'Not-The-Password-1' });
  t.equal(wrong.status, 502, 'a password OX refuses is refused');
  t.equal(wrong.json.error, 'OxAuthenticationFailed');
  t.match(wrong.json.message, /not changed/);
  t.notMatch(wrong.text, /Not-The-Password-1/, 'the password is not echoed');
  t.equal((await stored()).secrets.masterPassword, MASTER_PASSWORD, 'the old password is kept');
  await provisions('after a refused password');

  // Rotation: OX gets a new master password; until the endpoint has it, calls fail; then they work.
  stack.sim.model.options.masterPassword = 'Rotated-Master-2';
  stack.secrets.add('Rotated-Master-2');
  const rotated = await put({ masterPassword: 'Rotated-Master-2' });
  t.equal(rotated.status, 200, rotated.json?.message);
  t.equal((await stored()).secrets.masterPassword, 'Rotated-Master-2');
  await provisions('after the rotation');

  const deadPort = await freePort();
  const before = (await stored()).settings.oxSoapUrl;
  const dead = await put({ oxSoapUrl: `http://127.0.0.1:${deadPort}/webservices/` });
  t.equal(dead.status, 502, 'a SOAP URL where nothing answers is refused');
  t.equal(dead.json.error, 'OxUnavailable');
  t.equal((await stored()).settings.oxSoapUrl, before, 'the old SOAP URL is kept');
  await provisions('after a refused SOAP URL');

  // Moving to another OX that accepts the credentials is kept, and provisioning goes there.
  const other = await new OxSimulator({ masterPassword: 'Rotated-Master-2' }).start();
  t.teardown(() => other.stop());
  const moved = await put({ oxSoapUrl: other.soapUrl });
  t.equal(moved.status, 200, moved.json?.message);
  await provisions('on the new OX');
  t.equal(other.model.contexts.size, 1, 'the new context is on the new OX');

  // A change that does not touch the connection is stored without asking OX first.
  await other.stop();
  const lang = await put({ defaultLanguage: 'de_DE' });
  t.equal(lang.status, 200, 'other settings change while OX is down');
  t.equal((await stored()).settings.defaultLanguage, 'de_DE');
  t.notOk(stack.logText().includes('Not-The-Password-1'), 'no password in the logs');
});
