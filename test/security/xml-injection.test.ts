// Text from the controller must reach OX as text. node-soap's own writer passes a value shaped
// like a CDATA section through unescaped (ours, app/ox/wire-xml.ts, escapes every value), so a name such as
// `<![CDATA[x]]></…:display_name><…:mailenabled>…`
// would become elements of the SOAP request. Checked on the wire, in the simulator's raw request.
import t from 'tap';
import { mailboxBody, startStack, uuid, type Stack } from '../helper.js';
import { parseXml, type XmlNode } from '../../scripts/ox-sim/xml.js';

const DATA_NS = 'http://dataobjects.soap.admin.openexchange.com/xsd';
const close = (name: string) => `]]></ns4:${name}>`;
const element = (name: string, value: string) => `<ns4:${name} xmlns:ns4="${DATA_NS}">${value}</ns4:${name}>`;
/** Ends the field, adds `mailenabled=false`, and reopens the field so the XML stays well formed. */
const inject = (field: string) =>
  `<![CDATA[x${close(field)}${element('mailenabled', 'false')}<ns4:${field} xmlns:ns4="${DATA_NS}"><![CDATA[y]]>`;

function usrdata(stack: Stack, operation: string): XmlNode {
  const call = [...stack.sim.calls].reverse().find((c) => `${c.service}.${c.operation}` === operation)!;
  const find = (n: XmlNode): XmlNode | undefined => (n.local === 'usrdata' ? n : n.children.map(find).find(Boolean));
  return find(parseXml(call.xml))!;
}

const texts = (node: XmlNode, local: string) => node.children.filter((c) => c.local === local).map((c) => c.text);

t.test('names from the service user arrive as text, never as elements', async (t) => {
  const stack = await startStack(t);
  const { ctx, profile } = await stack.withContext();
  const userId = uuid();
  const hostile = {
    displayName: inject('display_name'),
    givenName: inject('given_name'),
    familyName: '<![CDATA[]]>]]>',
  };
  stack.controller.resources.set(userId, {
    aps: { id: userId },
    login: 'eve@x.example',
    email: 'eve@x.example',
    ...hostile,
  });
  const res = await stack.call('POST', '/mailboxes', {
    body: { ...mailboxBody(uuid(), ctx, profile), user: { aps: { id: userId } } },
  });
  t.equal(res.status, 200, res.json?.message);

  const sent = usrdata(stack, 'OXUserService.createByModuleAccessName');
  t.same(texts(sent, 'display_name'), [hostile.displayName], 'one display_name, the whole string as its text');
  t.same(texts(sent, 'given_name'), [hostile.givenName]);
  t.same(texts(sent, 'sur_name'), [hostile.familyName]);
  t.same(texts(sent, 'mailenabled'), [], 'no injected element');

  const user = [...stack.sim.model.contexts.get(100)!.users.values()].find((u) => u.name === 'eve@x.example')!;
  t.equal(user.display_name, hostile.displayName, 'OX stored the text');
  t.not(user.fields.mailenabled, false, 'mail stays enabled: no injected flag reached OX');
});

t.test('names in the body arrive as text on create and change; a CDATA-shaped time zone is refused', async (t) => {
  const stack = await startStack(t);
  const { ctx, profile } = await stack.withContext();
  const id = uuid();
  const body = mailboxBody(id, ctx, profile, {
    login: 'eve',
    email: 'eve@x.example',
    displayName: '<![CDATA[a]]><b>',
    givenName: '<![CDATA[g&]]>',
    familyName: '<![CDATA[f]]>',
  });
  const zoned = await stack.call('POST', '/mailboxes', {
    body: { ...body, aps: { id: uuid() }, login: 'eve2', timezone: '<![CDATA[Europe/Berlin]]>' },
  });
  t.equal(zoned.status, 400, 'not a time zone OX knows: refused before OX');
  t.equal(zoned.json.error, 'InvalidTimeZone');
  t.equal((await stack.call('POST', '/mailboxes', { body })).status, 200);
  const sent = usrdata(stack, 'OXUserService.createByModuleAccessName');
  t.same(texts(sent, 'display_name'), ['<![CDATA[a]]><b>']);
  t.same(texts(sent, 'given_name'), ['<![CDATA[g&]]>']);

  const changed = '<![CDATA[c]]>';
  t.equal((await stack.call('PUT', `/mailboxes/${id}`, { body: { ...body, displayName: changed } })).status, 200);
  t.same(texts(usrdata(stack, 'OXUserService.change'), 'display_name'), [changed]);
});
