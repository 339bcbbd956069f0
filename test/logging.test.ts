// Request logging at the default level: one line per change or refusal, none for a read that
// succeeds (the controller's usage polls); at debug every request, start and end.
import t from 'tap';
import { mailboxBody, startStack, uuid, type Stack } from './helper.js';

interface Line { msg?: string; level?: number; req?: { method?: string; url?: string }; res?: { statusCode?: number }; responseTime?: number }

const requestLines = (stack: Stack, from: number): Line[] => stack.logLines.slice(from).join('').split('\n').filter(Boolean)
  .map((l) => JSON.parse(l) as Line).filter((l) => l.msg === 'request completed' || l.msg === 'request received');

t.test('at info: changes and refusals are logged once each, successful reads not at all', async (t) => {
  const stack = await startStack(t, { env: { LOG_LEVEL: 'info' } });
  const { ctx, profile } = await stack.withContext();
  const mailbox = uuid();
  let from = stack.logLines.length;
  const person = { login: 'lou', email: 'lou@acme.example', displayName: 'Lou' };
  t.equal((await stack.call('POST', '/mailboxes', { body: mailboxBody(mailbox, ctx, profile, person) })).status, 200);
  const [created, ...more] = requestLines(stack, from);
  t.same(more, [], 'one line for the provision');
  t.match(created, { msg: 'request completed', level: 30, req: { method: 'POST', url: '/mailboxes' }, res: { statusCode: 200 } });
  t.type(created.responseTime, 'number', 'with its time');

  from = stack.logLines.length;
  for (let i = 0; i < 5; i++) t.equal((await stack.call('GET', `/contexts/${ctx}`)).status, 200);
  t.same(requestLines(stack, from), [], 'usage polls that succeed write no line');

  from = stack.logLines.length;
  t.equal((await stack.call('GET', `/mailboxes/${uuid()}`)).status, 404);
  t.match(requestLines(stack, from), [{ msg: 'request completed', level: 30, res: { statusCode: 404 } }], 'a refused read is logged');
});

t.test('at debug: every request, when it comes and when it is answered', async (t) => {
  const stack = await startStack(t, { env: { LOG_LEVEL: 'debug' } });
  const { ctx } = await stack.withContext();
  const from = stack.logLines.length;
  t.equal((await stack.call('GET', `/contexts/${ctx}`)).status, 200);
  t.match(requestLines(stack, from), [
    { msg: 'request received', level: 20, req: { method: 'GET' } },
    { msg: 'request completed', level: 20, res: { statusCode: 200 } },
  ]);
});
