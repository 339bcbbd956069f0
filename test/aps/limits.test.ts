// Numbers OX cannot take (xsd:int upload limits, MB quotas that overflow OX's 64-bit byte count,
// fractions) and unbounded strings are refused with 400 before anything reaches OX.
import t from 'tap';
import { readFileSync, readdirSync } from 'node:fs';
import { contextBody, mailboxBody, profileBody, startStack, uuid } from '../helper.js';

t.test('every string, array and integer property of every type is bounded', async (t) => {
  const unbounded: string[] = [];
  for (const file of readdirSync('schemas').filter((f) => f.endsWith('.schema'))) {
    const schema = JSON.parse(readFileSync(`schemas/${file}`, 'utf8'));
    const check = (name: string, p: Record<string, any>) => {
      if (p.type === 'string' && p.maxLength === undefined && !p.enum) unbounded.push(`${file} ${name}: maxLength`);
      if (p.type === 'integer' && (p.minimum === undefined || p.maximum === undefined))
        unbounded.push(`${file} ${name}: minimum/maximum`);
      if (p.type === 'array') {
        if (p.maxItems === undefined) unbounded.push(`${file} ${name}: maxItems`);
        check(`${name}[]`, p.items);
      }
    };
    for (const [name, p] of Object.entries(schema.properties)) check(name, p as Record<string, any>);
  }
  t.same(unbounded, []);
});

t.test('out-of-range numbers and long strings: 400, OX and the ledger unchanged', async (t) => {
  const stack = await startStack(t);
  const { profile, ctx } = await stack.withContext();
  const ctxRaw = (limit: string) =>
    JSON.stringify(contextBody(uuid(), { diskspace: { limit: 0 } })).replace(
      '"diskspace":{"limit":0}',
      `"diskspace":{"limit":${limit}}`,
    );
  const snapshot = JSON.stringify(stack.sim.snapshot());
  const calls = stack.sim.count();
  const bad: Array<[string, string, string]> = [];
  for (const limit of ['10.5', '1e300', '9223372036854775808', '-2']) {
    bad.push([`new context, diskspace ${limit}`, '/contexts', ctxRaw(limit)]);
  }
  for (const [field, value] of [
    ['uploadFileSizeLimit', 2 ** 31],
    ['uploadFileSizeLimitPerFile', 2 ** 40],
    ['uploadFileSizeLimit', -1],
    ['uploadFileSizeLimit', 1.5],
  ] as const) {
    bad.push([`profile ${field} ${value}`, '/profiles', JSON.stringify(profileBody(uuid(), { [field]: value }))]);
  }
  bad.push([
    'access combination of 65 characters',
    '/profiles',
    JSON.stringify(profileBody(uuid(), { accessCombination: 'a'.repeat(65) })),
  ]);
  bad.push([
    'capability of 129 characters',
    '/profiles',
    JSON.stringify(profileBody(uuid(), { capabilities: ['c'.repeat(129)] })),
  ]);
  bad.push([
    '101 capabilities',
    '/profiles',
    JSON.stringify(profileBody(uuid(), { capabilities: Array.from({ length: 101 }, (_, i) => `c${i}`) })),
  ]);
  bad.push([
    'alias of 255 characters',
    '/mailboxes',
    JSON.stringify(
      mailboxBody(uuid(), ctx, profile, {
        login: 'a',
        email: 'a@x.example',
        aliases: [`${'a'.repeat(250)}@x.example`],
      }),
    ),
  ]);
  for (const [label, path, raw] of bad) {
    const res = await stack.call('POST', path, { rawBody: raw });
    t.equal(res.status, 400, label);
    t.equal(res.json?.error, 'ValidationError', `${label}: names the property`);
  }
  const change = await stack.call('PUT', `/contexts/${ctx}`, {
    rawBody: JSON.stringify(contextBody(ctx)).replace(
      '"diskspace":{"limit":2048}',
      '"diskspace":{"limit":9223372036854775807}',
    ),
  });
  t.equal(change.status, 400, 'a limit change OX cannot take');
  t.match(change.json.message, /diskspace\.limit/);
  t.equal(stack.sim.count(), calls, 'OX not called');
  t.equal(JSON.stringify(stack.sim.snapshot()), snapshot, 'OX unchanged');
  t.equal(await stack.endpoint.ledger.countResources({ instanceId: stack.instanceId }), 2, 'nothing stored');

  // The largest values OX takes pass.
  const max = await stack.call('POST', '/profiles', {
    body: profileBody(uuid(), { uploadFileSizeLimit: 2 ** 31 - 1, uploadFileSizeLimitPerFile: 2 ** 31 - 1 }),
  });
  t.equal(max.status, 200);
  const big = await stack.call('PUT', `/contexts/${ctx}`, {
    body: contextBody(ctx, { diskspace: { limit: 2 ** 43 - 1 } }),
  });
  t.equal(big.status, 200, big.json?.message);
  t.equal(stack.sim.model.contexts.get(100)!.maxQuota, 2 ** 43 - 1);
});
