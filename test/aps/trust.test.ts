// Instance creation refuses certificates outside their validity period (the pinning of the
// controller certificate stays as it is).
import t from 'tap';
import { randomUUID } from 'node:crypto';
import { startStack } from '../helper.js';

const DAY = 86_400_000;

t.test('expired or not-yet-valid certificates: 400 with the date, nothing stored', async (t) => {
  const stack = await startStack(t);
  const { ca } = stack.controller;
  const cases = [
    {
      label: 'expired controller certificate',
      controller: ca.issue('old-controller', { from: -30 * DAY, to: -DAY }),
      self: undefined,
      message: /aps\.x509\.controller.*expired on \d{4}-\d\d-\d\d/,
    },
    {
      label: 'controller certificate not valid yet',
      controller: ca.issue('future-controller', { from: DAY, to: 30 * DAY }),
      self: undefined,
      message: /aps\.x509\.controller.*not valid before \d{4}-\d\d-\d\d/,
    },
    {
      label: 'expired instance certificate',
      controller: stack.controller.identity,
      self: ca.issue('old-instance', { from: -30 * DAY, to: -DAY }),
      message: /aps\.x509\.self.*expired on/,
    },
  ];
  for (const c of cases) {
    const inst = stack.controller.newInstance();
    const self = c.self ? `${c.self.cert}${c.self.key}` : inst.x509.self;
    const res = await stack.call('POST', '/app', {
      instanceId: inst.id,
      as: c.controller,
      body: { aps: { id: inst.id, x509: { self, controller: c.controller.cert } }, ...stack.settings() },
    });
    t.equal(res.status, 400, c.label);
    t.match(res.json.message, c.message, `${c.label}: says which and when`);
    t.equal(await stack.endpoint.ledger.getInstance(inst.id), undefined, `${c.label}: no instance stored`);
  }
  t.equal((await stack.createInstance()).status, 200, 'a valid pair is accepted');
  t.equal((await stack.call('POST', '/app', { instanceId: randomUUID(), body: {} })).status, 400);
});
