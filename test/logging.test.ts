// Request logging at the default level: one line per change or refusal, none for a read that
// succeeds (the controller's usage polls); at debug every request, start and end.
import { Writable } from 'node:stream';
import { pino } from 'pino';
import t from 'tap';
import { logDestination, loggerOptions } from '../app/logging.js';
import { mailboxBody, startStack, uuid, type Stack } from './helper.js';

interface Line {
  msg?: string;
  level?: number;
  req?: { method?: string; url?: string };
  res?: { statusCode?: number };
  responseTime?: number;
}

const requestLines = (stack: Stack, from: number): Line[] =>
  stack.logLines
    .slice(from)
    .join('')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Line)
    .filter((l) => l.msg === 'request completed' || l.msg === 'request received');

/**
 * The request lines written since `from`, once every request answered so far has its line: a
 * request's line is written after its answer has gone (Fastify's onResponse), so a marker (a
 * refused read, logged at any level) is sent and waited for. The marker's own lines are left out.
 */
async function linesSince(stack: Stack, from: number): Promise<Line[]> {
  const marker = `/mailboxes/${uuid()}`;
  if ((await stack.call('GET', marker)).status !== 404) throw new Error('the marker read was not refused');
  for (let i = 0; i < 300; i++) {
    const lines = requestLines(stack, from);
    if (lines.some((l) => l.req?.url === marker && l.msg === 'request completed'))
      return lines.filter((l) => l.req?.url !== marker);
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('the marker request was never logged');
}

/** A position in the log after every line of the requests answered so far. */
async function settled(stack: Stack): Promise<number> {
  await linesSince(stack, 0);
  return stack.logLines.length;
}

t.test('at info: changes and refusals are logged once each, successful reads not at all', async (t) => {
  const stack = await startStack(t, { env: { LOG_LEVEL: 'info' } });
  const { ctx, profile } = await stack.withContext();
  const mailbox = uuid();
  let from = await settled(stack);
  const person = { login: 'lou', email: 'lou@acme.example', displayName: 'Lou' };
  t.equal((await stack.call('POST', '/mailboxes', { body: mailboxBody(mailbox, ctx, profile, person) })).status, 200);
  const [created, ...more] = await linesSince(stack, from);
  t.same(more, [], 'one line for the provision');
  t.match(created, {
    msg: 'request completed',
    level: 30,
    req: { method: 'POST', url: '/mailboxes' },
    res: { statusCode: 200 },
  });
  t.type(created.responseTime, 'number', 'with its time');

  from = await settled(stack);
  for (let i = 0; i < 5; i++) t.equal((await stack.call('GET', `/contexts/${ctx}`)).status, 200);
  t.same(await linesSince(stack, from), [], 'usage polls that succeed write no line');

  from = await settled(stack);
  const missing = `/mailboxes/${uuid()}`;
  t.equal((await stack.call('GET', missing)).status, 404);
  t.match(
    await linesSince(stack, from),
    [{ msg: 'request completed', level: 30, req: { url: missing }, res: { statusCode: 404 } }],
    'a refused read is logged',
  );
});

t.test('at debug: every request, when it comes and when it is answered', async (t) => {
  const stack = await startStack(t, { env: { LOG_LEVEL: 'debug' } });
  const { ctx } = await stack.withContext();
  const from = await settled(stack);
  t.equal((await stack.call('GET', `/contexts/${ctx}`)).status, 200);
  t.match(await linesSince(stack, from), [
    { msg: 'request received', level: 20, req: { method: 'GET' } },
    { msg: 'request completed', level: 20, res: { statusCode: 200 } },
  ]);
});

t.test('LOG_FORMAT: JSON lines for a collector, readable lines on a terminal, secrets redacted in both', async (t) => {
  t.equal(logDestination('auto', false), undefined, 'auto, not a terminal: pino writes JSON to stdout');
  t.equal(logDestination('json', true), undefined, 'json, even on a terminal');
  const written = (format: 'auto' | 'pretty', terminal: boolean): string => {
    let out = '';
    const sink = new Writable({
      write(chunk, _enc, done) {
        out += String(chunk);
        done();
      },
    });
    const log = pino(loggerOptions('info'), logDestination(format, terminal, sink));
    log.info(
      { req: { method: 'POST', url: '/mailboxes?x=1' }, body: { password: 'Hunter-2-secret' }, responseTime: 3.4 },
      'request completed',
    );
    log.debug('not at info');
    return out;
  };
  const plain = written('pretty', false);
  t.match(plain, /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: request completed\n/, 'time, level and message first');
  t.match(plain, /"url": "\/mailboxes"/, 'with its fields');
  t.notMatch(plain, 'Hunter-2-secret', 'the password is redacted');
  t.match(plain, '[redacted]');
  t.notMatch(plain, 'not at info', 'the level still applies');
  t.notMatch(plain, '\u001b[', 'no colours when the output is not a terminal');
  t.throws(() => JSON.parse(plain.split('\n')[0]), 'not JSON');
  const coloured = written('auto', true);
  t.match(coloured, '\u001b[', 'auto on a terminal: coloured');
  t.notMatch(coloured, 'Hunter-2-secret');
});
