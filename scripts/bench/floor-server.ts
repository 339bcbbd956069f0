// The bench's stack floor: what the parts the endpoint is built on cost on their own for a mailbox
// provision, with none of the endpoint's logic. Fastify over TLS asking for the client certificate
// (as app/server.ts), one request line per call at info, a claim and a final row in SQLite (WAL),
// the createUser SOAP call through the OX layer (node-soap with our writer and HTTP client) and the
// service-user subscription to the controller over TLS, sent while OX works (as mailbox-service).
// Reads BENCH_FLOOR (JSON) from its environment: nothing secret on its command line.
import https from 'node:https';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import Fastify from 'fastify';
import { OxConnections } from '../../app/ox/connections.js';
import { CHANGED_EVENT, HANDLER } from '../../app/resources/mailboxes/service-user-sync.js';

interface FloorConfig {
  soapUrl: string;
  master: string;
  contextId: number;
  controllerUrl: string;
  /** The instance's certificate and key (PEM), for the controller call and as the server's identity. */
  cert: string;
  key: string;
  dataDir: string;
}
interface MailboxBody {
  aps: { id: string };
  login: string;
  email: string;
  displayName: string;
  password: string;
}

const config = JSON.parse(process.env.BENCH_FLOOR ?? '{}') as FloorConfig;
const connections = OxConnections.forTool();
const ox = await connections.client(config.soapUrl, {
  master: { login: 'oxadminmaster', password: config.master },
  masterAccountOverride: true,
});
const controllerAgent = new https.Agent({
  keepAlive: true,
  rejectUnauthorized: false,
  cert: config.cert,
  key: config.key,
});

const db = new Database(join(config.dataDir, 'floor.db'));
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.exec('CREATE TABLE IF NOT EXISTS mailbox (id TEXT PRIMARY KEY, state TEXT NOT NULL, data TEXT NOT NULL)');
const claim = db.prepare(
  "INSERT INTO mailbox (id, state, data) VALUES (?, 'provisioning', ?) ON CONFLICT (id) DO NOTHING",
);
const finish = db.prepare("UPDATE mailbox SET state = 'ready', data = ? WHERE id = ?");

function subscribe(id: string): Promise<void> {
  const body = JSON.stringify({ event: CHANGED_EVENT, source: { id }, handler: HANDLER });
  return new Promise((resolve, reject) => {
    const url = new URL(`aps/2/resources/${encodeURIComponent(id)}/aps/subscriptions`, config.controllerUrl);
    const req = https.request(
      url,
      { method: 'POST', agent: controllerAgent, headers: { 'content-type': 'application/json' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve());
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const server = Fastify({
  https: { cert: config.cert, key: config.key, requestCert: true, rejectUnauthorized: false },
  logger: { level: 'info' },
  disableRequestLogging: true,
});
server.addHook('onResponse', async (request, reply) => {
  request.log.info(
    { method: request.method, url: request.url, statusCode: reply.statusCode, responseTime: reply.elapsedTime },
    'request completed',
  );
});
server.post<{ Body: MailboxBody }>('/mailboxes', async (request) => {
  const body = request.body;
  claim.run(body.aps.id, JSON.stringify({ login: body.login }));
  // Under master account override OX takes the master's credentials, not these.
  const creating = ox.createUser(
    config.contextId,
    { login: 'floor-admin', password: '' },
    {
      name: body.login,
      password: body.password,
      display_name: body.displayName,
      given_name: 'Bench',
      sur_name: body.login,
      primaryEmail: body.email,
      email1: body.email,
      imapLogin: body.email,
      language: 'en_US',
      timezone: 'Europe/Berlin',
    },
    { combination: 'webmail' },
  );
  const subscribed = new Promise<void>((resolve, reject) =>
    setImmediate(() => subscribe(body.aps.id).then(resolve, reject)),
  );
  const user = await creating;
  finish.run(JSON.stringify({ login: body.login, email: body.email, oxUserId: user.id }), body.aps.id);
  await subscribed;
  return { aps: { id: body.aps.id }, login: body.login, email: body.email, oxUserId: user.id };
});
await server.listen({ port: 0, host: '127.0.0.1' });
const address = server.server.address();
process.stderr.write(`bench floor listening on ${typeof address === 'object' && address ? address.port : ''}\n`);
const stop = () =>
  void server
    .close()
    .then(() => connections.close())
    .then(() => process.exit(0));
process.on('SIGTERM', stop);
