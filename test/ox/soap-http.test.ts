// The HTTP client node-soap posts with, against a real loopback server: what it sends, how a
// fault, an oversized answer and a silent server come back, and that it keeps its connection.
import t from 'tap';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SoapHttpClient, SoapHttpError, type SoapHttpResponse } from '../../app/ox/soap-http.js';
import { toOxError, OxFault, OxTransportError } from '../../app/ox/faults.js';

type Handler = (req: http.IncomingMessage, body: string, res: http.ServerResponse) => void;
let handler: Handler = (_req, _body, res) => res.end('<ok/>');
const sockets = new Set<unknown>();
const server = http.createServer((req, res) => {
  sockets.add(req.socket);
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => handler(req, Buffer.concat(chunks).toString('utf8'), res));
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webservices/OXUserService`;
const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
const client = new SoapHttpClient({ agent, timeoutMs: 300, maxResponseBytes: 4096 });
t.teardown(() => {
  agent.destroy();
  server.closeAllConnections();
  server.close();
});

function post(
  data: string,
  headers: Record<string, string> = {},
): Promise<{ err: unknown; res?: SoapHttpResponse; body?: string }> {
  return new Promise((resolve) => client.request(url, data, (err, res, body) => resolve({ err, res, body }), headers));
}

t.test('posts the envelope with its headers and a length, and hands back the body', async (t) => {
  let seen: { headers: http.IncomingHttpHeaders; body: string; method?: string } | undefined;
  handler = (req, body, res) => {
    seen = { headers: req.headers, body, method: req.method };
    res.writeHead(200, { 'content-type': 'text/xml' }).end('<answer>ä</answer>');
  };
  const { err, res, body } = await post('<envelope>ü</envelope>', {
    SOAPAction: 'urn:createByModuleAccessName',
    'Content-Type': 'text/xml; charset=utf-8',
  });
  t.equal(err, null);
  t.equal(res?.status, 200);
  t.equal(body, '<answer>ä</answer>', 'the body decoded as UTF-8');
  t.equal(seen?.method, 'POST');
  t.equal(seen?.body, '<envelope>ü</envelope>');
  t.equal(
    seen?.headers['content-length'],
    String(Buffer.byteLength('<envelope>ü</envelope>')),
    'the length in bytes, not characters',
  );
  t.equal(seen?.headers.soapaction, 'urn:createByModuleAccessName');
  t.equal(seen?.headers['content-type'], 'text/xml; charset=utf-8');
});

t.test('a fault answered with HTTP 500 comes back with its body, and becomes an OxFault', async (t) => {
  const fault =
    '<?xml version="1.0"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>' +
    '<soapenv:Fault><faultcode>soapenv:Server</faultcode><faultstring>No such context 7; exceptionId 1-2</faultstring></soapenv:Fault></soapenv:Body></soapenv:Envelope>';
  handler = (_req, _body, res) => res.writeHead(500, { 'content-type': 'text/xml' }).end(fault);
  const { err } = await post('<x/>');
  t.ok(err instanceof SoapHttpError);
  const e = err as SoapHttpError;
  t.equal(e.response?.status, 500);
  t.equal(e.response?.data, fault, 'node-soap reads the fault from the body');
  handler = (_req, _body, res) => res.writeHead(503).end('<html>down</html>');
  const down = toOxError('OXUserService.create', (await post('<x/>')).err);
  t.ok(down instanceof OxTransportError);
  t.match(down.message, /HTTP 503/);
  t.notOk(down instanceof OxFault);
});

t.test('an answer over the size bound is refused and its connection dropped', async (t) => {
  handler = (_req, _body, res) => res.writeHead(200).end('x'.repeat(10_000));
  const { err, res } = await post('<x/>');
  t.equal(res, undefined);
  t.equal((err as SoapHttpError).code, 'ERR_RESPONSE_TOO_LARGE');
  t.match(toOxError('OXUserService.list', err).message, /ERR_RESPONSE_TOO_LARGE/);
});

t.test('a server that does not answer times out as a transport error', async (t) => {
  handler = () => undefined;
  const started = Date.now();
  const { err } = await post('<x/>');
  t.equal((err as SoapHttpError).code, 'ETIMEDOUT');
  t.ok(Date.now() - started < 2000, 'within the configured idle time');
  const mapped = toOxError('OXUserService.create', err);
  t.ok(mapped instanceof OxTransportError);
  t.match(mapped.message, /timed out/);
});

t.test('a refused connection is a transport error naming its code', async (t) => {
  const closed = new SoapHttpClient({ agent, timeoutMs: 300, maxResponseBytes: 4096 });
  const err = await new Promise((resolve) =>
    closed.request('http://127.0.0.1:1/webservices/OXUserService', '<x/>', (e) => resolve(e)),
  );
  t.match(toOxError('OXUserService.create', err).message, /ECONNREFUSED/);
});

t.test('sequential calls reuse one keep-alive connection', async (t) => {
  handler = (_req, _body, res) => res.end('<ok/>');
  agent.destroy();
  const fresh = new http.Agent({ keepAlive: true, maxSockets: 4 });
  const reusing = new SoapHttpClient({ agent: fresh, timeoutMs: 300, maxResponseBytes: 4096 });
  sockets.clear();
  for (let i = 0; i < 5; i++) {
    const ok = await new Promise<unknown>((resolve) => reusing.request(url, '<x/>', (e) => resolve(e)));
    t.equal(ok, null);
  }
  t.equal(sockets.size, 1, 'five calls over one connection');
  fresh.destroy();
});
