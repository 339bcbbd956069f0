// What node-soap decodes from OX's answers, read into the client's types: single values where OX
// sends one element instead of a list, absent structures, booleans as text, attributes nested two
// deep; and what the client sends, in the schema's order with nothing undefined.
import t from 'tap';
import {
  asArray,
  asBoolean,
  asWire,
  contextFromWire,
  contextToWire,
  userFromWire,
  userToWire,
} from '../../app/ox/wire-mapping.js';

t.test('decoding helpers: one element is a list of one, nothing is empty, booleans from text', async (t) => {
  t.same(asArray(undefined), []);
  t.same(asArray(null), []);
  t.same(asArray('a'), ['a'], 'one element');
  t.same(asArray(['a', 'b']), ['a', 'b']);
  t.same(asArray(0), [0], 'a zero is a value');
  t.same(asWire({ a: 1 }), { a: 1 });
  for (const notObject of [null, undefined, 'x', 3, ['a']])
    t.same(asWire(notObject), {}, `${JSON.stringify(notObject)}`);
  const source = { a: 1 };
  t.not(asWire(source), source, 'a copy');
  t.equal(asBoolean(true), true);
  t.equal(asBoolean('true'), true);
  for (const no of [false, 'false', 'TRUE', 1, undefined, '']) t.equal(asBoolean(no), false, `${JSON.stringify(no)}`);
});

t.test('a context as OX answers it', async (t) => {
  const ctx = contextFromWire({
    id: '42',
    name: 'acme',
    enabled: 'false',
    loginMappings: 'acme.example',
    maxQuota: '1024',
    usedQuota: 0,
    userAttributes: {
      entries: [
        { key: 'config', value: { entries: [{ key: 'theme', value: 'dark' }, { key: 'empty' }] } },
        { key: 'other', value: { entries: { key: 'one', value: '1' } } },
      ],
    },
  });
  t.same(ctx, {
    id: 42,
    name: 'acme',
    enabled: false,
    loginMappings: ['acme.example'],
    maxQuota: 1024,
    usedQuota: 0,
    userAttributes: { config: { theme: 'dark', empty: '' }, other: { one: '1' } },
  });
  t.same(contextFromWire({ id: 7, enabled: true }).enabled, true);
  const bare = contextFromWire(null);
  t.same(
    { enabled: bare.enabled, name: bare.name, maxQuota: bare.maxQuota, usedQuota: bare.usedQuota },
    { enabled: undefined, name: undefined, maxQuota: undefined, usedQuota: undefined },
    'what OX left out stays unknown',
  );
  t.same(bare.loginMappings, []);
  t.equal(bare.userAttributes, undefined, 'no attributes');
  t.equal(contextFromWire({ id: 1, name: 5, userAttributes: { entries: [] } }).name, undefined, 'a name is text');
  t.equal(contextFromWire({ id: 1, userAttributes: { entries: [] } }).userAttributes, undefined);
  t.equal(contextFromWire({ id: 1, maxQuota: null }).maxQuota, undefined);
});

t.test('a user as OX answers it: numbers, aliases as a list, never its password', async (t) => {
  const user = userFromWire({
    id: '3',
    name: 'alice',
    aliases: 'alice@x.example',
    password: 'secret',
    mailenabled: true,
    userAttributes: { entries: { key: 'config', value: { entries: { key: 'k', value: 'v' } } } },
  });
  t.same(user, {
    id: 3,
    name: 'alice',
    aliases: ['alice@x.example'],
    mailenabled: true,
    userAttributes: { config: { k: 'v' } },
  });
  t.notOk('password' in user, 'the password is dropped');
  const empty = userFromWire(undefined);
  t.same([empty.id, empty.aliases, empty.userAttributes], [undefined, [], undefined]);
});

t.test('what the client sends: the schema order, nothing undefined, attributes nested', async (t) => {
  const wire = contextToWire({
    name: 'acme',
    id: 5,
    maxQuota: 10,
    enabled: true,
    userAttributes: { config: { a: '1' } },
  });
  t.same(Object.keys(wire), ['enabled', 'id', 'maxQuota', 'name', 'userAttributes'], 'in the schema order');
  t.same(wire.userAttributes, { entries: [{ key: 'config', value: { entries: [{ key: 'a', value: '1' }] } }] });
  t.same(contextToWire({ id: 5, name: undefined }), { id: 5 }, 'nothing undefined');
  const user = userToWire({ name: 'bob', id: 2, display_name: 'Bob', aliases: ['b@x.example'], password: 'p' });
  t.same(Object.keys(user), ['aliases', 'display_name', 'id', 'name', 'password']);
  t.notOk('userAttributes' in userToWire({ id: 1 }), 'no attributes: none sent');
});
