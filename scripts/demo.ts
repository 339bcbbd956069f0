// npm run demo [-- --port 8443]: the whole flow on this machine. Starts the OX simulator, the
// endpoint and a scripted controller (mutual TLS) that creates an instance, profiles, a context,
// mailboxes and a mobility add-on, then prints single sign-on links. Enter prints fresh links
// (each works once); Ctrl-C stops everything.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { loadConfig } from '../app/config.js';
import { buildServer } from '../app/server.js';
import { selfSignedCertificate } from '../app/util/tls.js';
import { OxSimulator } from './ox-sim/server.js';
import { TestController } from './stand-ins/controller.js';

const MASTER = `demo-${randomUUID().slice(0, 8)}`;

export async function runDemo(args: string[] = []): Promise<void> {
  const { values } = parseArgs({ args, options: { port: { type: 'string', default: '8443' } } });
  const dataDir = mkdtempSync(join(tmpdir(), 'ox-aps-demo-'));
  const oxTls = selfSignedCertificate('127.0.0.1');
  const sim = await new OxSimulator({ masterPassword: MASTER, tls: oxTls }).start();
  // The endpoint logs in at the simulator's HTTPS side itself (token login): trust its certificate.
  const oxCaFile = join(dataDir, 'ox-ca.pem');
  writeFileSync(oxCaFile, oxTls.cert);
  const config = loadConfig({
    ...process.env,
    OX_CA_FILE: oxCaFile,
    DATA_DIR: dataDir,
    PORT: values.port,
    HOST: '127.0.0.1',
    PUBLIC_URL: `https://127.0.0.1:${values.port}`,
    LOG_LEVEL: 'warn',
    MAX_EVENT_LOOP_DELAY_MS: process.env.MAX_EVENT_LOOP_DELAY_MS ?? '0',
  });
  const endpoint = await buildServer({ config });
  await endpoint.listen({ port: config.PORT, host: config.HOST });
  const controller = await new TestController().start();
  const base = `https://127.0.0.1:${values.port}/`;
  const say = (s: string) => console.log(s);

  const stop = async () => {
    await endpoint.close();
    await controller.stop();
    await sim.stop();
    rmSync(dataDir, { recursive: true, force: true });
    say('Demo stopped.');
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());

  say(`OX simulator: SOAP ${sim.soapUrl}, UI ${sim.httpsUrl}`);
  say(`Endpoint: ${base}`);
  const inst = controller.newInstance();
  const call = async (method: string, path: string, body?: unknown, headers?: Record<string, string>) => {
    const res = await controller.call(base, method, path, { instanceId: inst.id, body, headers });
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${res.text}`);
    return res.json;
  };
  await call('POST', '/app', {
    aps: { id: inst.id, x509: inst.x509 },
    oxSoapUrl: sim.soapUrl,
    oxPublicUrl: sim.httpsUrl,
    masterPassword: MASTER,
    contextIdStart: 100,
  });
  say('1. Application instance created (certificates stored, OX checked)');
  const webmail = randomUUID();
  const groupware = randomUUID();
  await call('POST', '/profiles', {
    aps: { id: webmail },
    app: { aps: { id: inst.id } },
    title: 'Webmail',
    accessCombination: 'webmail',
  });
  await call('POST', '/profiles', {
    aps: { id: groupware },
    app: { aps: { id: inst.id } },
    title: 'Groupware',
    accessCombination: 'groupware_standard',
    capabilities: ['mobile_mail_app'],
  });
  say('2. Profiles: Webmail, Groupware');
  const ctx = randomUUID();
  const link = () => ({ aps: { id: randomUUID() } });
  const context = await call('POST', '/contexts', {
    aps: { id: ctx, subscription: randomUUID() },
    app: { aps: { id: inst.id } },
    subscription: link(),
    account: link(),
    domain: 'demo.example',
    diskspace: { limit: 2048 },
  });
  say(`3. Context ${context.contextId} for the subscription (2048 MB)`);
  const alice = randomUUID();
  const aliceUser = randomUUID(); // her service user: the panel sends it as APS-Identity-ID
  await call('POST', '/mailboxes', {
    aps: { id: alice },
    context: { aps: { id: ctx } },
    profile: { aps: { id: groupware } },
    user: { aps: { id: aliceUser } },
    login: 'alice',
    email: 'alice@demo.example',
    displayName: 'Alice Example',
  });
  await call('POST', '/mailboxes', {
    aps: { id: randomUUID() },
    context: { aps: { id: ctx } },
    profile: { aps: { id: webmail } },
    user: link(),
    login: 'bob',
    email: 'bob@demo.example',
    displayName: 'Bob Example',
  });
  say('4. Mailboxes alice (Groupware) and bob (Webmail)');
  await call('POST', '/mobility', { aps: { id: randomUUID() }, mailbox: { aps: { id: alice } } });
  say('5. Mobility (ActiveSync) for alice');
  const usage = await call('GET', `/contexts/${ctx}`);
  say(
    `6. Usage poll: ${usage.mailboxCount.usage} mailboxes, ${usage.mobilityCount.usage} with mobility, ${usage.diskspace.usage} of ${usage.diskspace.limit} MB`,
  );

  const links = async () => {
    say(
      `Login URL (alice, webmail): ${(await call('GET', `/mailboxes/${alice}/login`, undefined, { 'APS-Identity-ID': aliceUser })).url}`,
    );
    say(`Login URL (context administrator): ${(await call('GET', `/contexts/${ctx}/adminLogin`)).url}`);
    say(
      'Each link works once, for 60 s; accept the self-signed certificates. Press Enter for fresh links, Ctrl-C to stop.',
    );
  };
  await links();
  createInterface({ input: process.stdin }).on('line', () => void links());
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await runDemo(process.argv.slice(2));
