// Who gets a single sign-on link and what its token opens, path by path on one stack: a resource
// that is not ready, disabled, in a disabled context or without a known password gets no link and
// says why; a token whose resource stopped being able to log in opens nothing; the login as the
// mailbox user or the context admin, by token or by form, with the client the instance chose.
import t from 'tap';
import { browserGet, contextBody, mailboxBody, profileBody, startStack, uuid } from '../helper.js';

const stack = await startStack(t, { env: { SSO_TOKEN_TTL: '60' } });
await stack.createInstance({ ssoMethod: 'form', adminMailboxLogin: true });
const profile = uuid();
await stack.call('POST', '/profiles', { body: profileBody(profile) });
const ctx = uuid();
await stack.call('POST', '/contexts', { body: contextBody(ctx) });
const ledger = stack.endpoint.ledger;
const record = (id: string) => ledger.getResource(stack.instanceId, id);
const lines = () => stack.logLines.map((l) => JSON.parse(l) as Record<string, unknown>);
/** A PUT of the instance replaces its settings: the ones this file starts with, changed by `extra`. */
const settings = (extra: Record<string, unknown>) =>
  stack.call('PUT', `/app/${stack.instanceId}`, {
    body: {
      aps: { id: stack.instanceId },
      ...stack.settings({ ssoMethod: 'form', adminMailboxLogin: true }),
      ...extra,
    },
  });

async function mailbox(login: string, owner = uuid(), ownerUser: Record<string, unknown> = {}): Promise<string> {
  stack.controller.resources.set(owner, { login, email: `${login}@x.example`, displayName: login, ...ownerUser });
  const id = uuid();
  const body = { ...mailboxBody(id, ctx, profile, { password: `${login}-Pass-2024` }), user: { aps: { id: owner } } };
  const res = await stack.call('POST', '/mailboxes', { body });
  if (res.status !== 200) throw new Error(`mailbox ${login}: ${res.status} ${res.text}`);
  stack.secrets.add(`${login}-Pass-2024`);
  return id;
}

const link = (path: string, identity?: string, original?: string) =>
  stack.call('GET', path, {
    headers: {
      ...(identity ? { 'APS-Identity-ID': identity } : {}),
      ...(original ? { 'APS-Original-Identity-ID': original } : {}),
    },
  });

/** The hidden fields of the form login page a token opens (404: none). */
async function formFields(url: string): Promise<{ status: number; fields: Record<string, string> }> {
  const page = await browserGet(url);
  const fields: Record<string, string> = {};
  for (const m of page.body.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) fields[m[1]] = m[2];
  return { status: page.status, fields };
}

t.test('a context opens as its administrator, a mailbox as its user, each with the chosen client', async (t) => {
  const id = await mailbox('ada');
  const ctxLink = await link(`/contexts/${ctx}/adminLogin`);
  t.equal(ctxLink.status, 200, ctxLink.json?.message);
  t.match(ctxLink.json.url, /^https?:\/\/127\.0\.0\.1:\d+\/sso\/[A-Za-z0-9_-]{43}$/);
  const admin = await formFields(ctxLink.json.url as string);
  t.equal(admin.status, 200);
  t.equal(admin.fields.login, `${(await record(ctx))?.login}@100`, 'the context admin at its context');
  t.equal(admin.fields.client, 'open-xchange-appsuite');
  t.equal(admin.fields.uiWebPath, '/appsuite/');
  t.match(
    lines().find((l) => l.audit === 'sso' && l.kind === 'contexts'),
    { method: 'form' },
  );

  const user = await formFields((await link(`/mailboxes/${id}/login`)).json.url as string);
  t.equal(user.fields.login, 'ada@100');
  t.match(
    lines()
      .filter((l) => l.audit === 'sso' && l.kind === 'mailboxes')
      .at(-1),
    { as: 'ada@100' },
  );

  t.equal((await settings({ loginClient: 'ox6', productPath: '/ox6/', ssoMethod: 'token' })).status, 200);
  const ox6 = await formFields((await link(`/mailboxes/${id}/login`)).json.url as string);
  t.equal(ox6.status, 200, 'OX6 always logs in by form');
  t.same([ox6.fields.client, ox6.fields.uiWebPath], ['com.openexchange.ox.gui.dhtml', '/ox6/index.html']);
  t.equal((await settings({ loginClient: 'appsuite', productPath: '/appsuite/', ssoMethod: 'token' })).status, 200);
  const byToken = await browserGet((await link(`/mailboxes/${id}/login`)).json.url as string);
  t.equal(byToken.status, 302, 'App Suite by token: the endpoint signs in and redirects');
  t.match(
    lines()
      .filter((l) => l.audit === 'sso')
      .at(-1),
    { method: 'token', kind: 'mailboxes' },
  );
  t.equal((await settings({ ssoMethod: 'form' })).status, 200);
});

t.test('the link says why a resource cannot log in now', async (t) => {
  const id = await mailbox('bea');
  t.equal((await stack.call('PUT', `/mailboxes/${id}/disable`)).status, 204);
  const off = await link(`/mailboxes/${id}/login`);
  t.same(
    [off.status, off.json.error, off.json.message],
    [409, 'ResourceDisabled', 'The mailbox is disabled: enable it before logging in'],
  );
  t.equal((await stack.call('PUT', `/mailboxes/${id}/enable`)).status, 204);

  await ledger.updateResource(stack.instanceId, id, { state: 'failed' });
  const failed = await link(`/mailboxes/${id}/login`);
  t.same(
    [failed.status, failed.json.error, failed.json.message],
    [409, 'ContextNotReady', 'The mailbox is not provisioned yet (state failed); try again when it is ready'],
  );
  await ledger.updateResource(stack.instanceId, id, { state: 'ready' });
  await ledger.updateResource(stack.instanceId, ctx, { state: 'provisioning' });
  const ctxLink = await link(`/contexts/${ctx}/adminLogin`);
  t.equal(ctxLink.json.message, 'The context is not provisioned yet (state provisioning); try again when it is ready');
  await ledger.updateResource(stack.instanceId, ctx, { state: 'ready' });

  t.equal((await stack.call('PUT', `/contexts/${ctx}/disable`)).status, 204);
  const inOff = await link(`/mailboxes/${id}/login`);
  t.same([inOff.status, inOff.json.message], [409, 'The context is disabled: enable it before logging in']);
  t.equal(
    (await link(`/contexts/${ctx}/adminLogin`)).json.message,
    'The context is disabled: enable it before logging in',
  );
  t.equal((await stack.call('PUT', `/contexts/${ctx}/enable`)).status, 204);

  await ledger.updateResource(stack.instanceId, id, { secrets: {} });
  const unknown = await link(`/mailboxes/${id}/login`);
  t.same([unknown.status, unknown.json.error], [409, 'PasswordUnknown']);
  t.match(unknown.json.message, /does not know: set a password for it first/);
  t.equal((await link(`/contexts/${ctx}/adminLogin`)).status, 200, 'a context has no such condition');
});

t.test('a token whose resource can no longer log in opens nothing', async (t) => {
  const id = await mailbox('cleo');
  const fresh = async () => (await link(`/mailboxes/${id}/login`)).json.url as string;
  const refused = async (change: () => Promise<unknown>, undo: () => Promise<unknown>, why: string) => {
    const url = await fresh();
    await change();
    t.equal((await browserGet(url)).status, 404, why);
    await undo();
    t.equal((await browserGet(await fresh())).status, 200, `${why}: and back`);
  };
  const set = (rid: string, patch: Record<string, unknown>) => () =>
    ledger.updateResource(stack.instanceId, rid, patch);
  const pw = (await record(id))!.secrets;
  const ctxId = (await record(ctx))!.oxContextId;
  await refused(set(id, { state: 'disabled' }), set(id, { state: 'ready' }), 'the mailbox is suspended');
  await refused(set(ctx, { state: 'disabled' }), set(ctx, { state: 'ready' }), 'its context is suspended');
  await refused(set(ctx, { oxContextId: null }), set(ctx, { oxContextId: ctxId }), 'its context has no OX id');
  await refused(set(id, { secrets: {} }), set(id, { secrets: pw }), 'no password');
  await refused(set(id, { login: null }), set(id, { login: 'cleo' }), 'no login');
  await refused(set(id, { parentId: null }), set(id, { parentId: ctx }), 'no context');
  const ctxUrl = (await link(`/contexts/${ctx}/adminLogin`)).json.url as string;
  const adminSecrets = (await record(ctx))!.secrets;
  await ledger.updateResource(stack.instanceId, ctx, { secrets: {} });
  t.equal((await browserGet(ctxUrl)).status, 404, 'a context without its admin password');
  await ledger.updateResource(stack.instanceId, ctx, { secrets: adminSecrets });
});

t.test('who asked is audited with whom they act for and as what', async (t) => {
  const owner = uuid();
  const id = await mailbox('dot', owner, { userId: 42 });
  t.equal((await link(`/mailboxes/${id}/login`, owner, 'staff-9')).status, 200);
  t.match(
    lines()
      .filter((l) => l.audit === 'sso-link')
      .at(-1),
    {
      msg: 'single sign-on link issued',
      who: owner,
      onBehalfOf: 'staff-9',
      role: 'own user',
      resource: id,
      kind: 'mailboxes',
      as: 'dot',
    },
  );
  t.equal((await link(`/mailboxes/${id}/login`)).status, 200);
  t.match(
    lines()
      .filter((l) => l.audit === 'sso-link')
      .at(-1),
    { who: null, onBehalfOf: null, role: 'administrator' },
  );
  t.equal((await link(`/contexts/${ctx}/adminLogin`, 'boss')).status, 200);
  t.match(
    lines()
      .filter((l) => l.audit === 'sso-link')
      .at(-1),
    { role: 'context administrator', kind: 'contexts' },
  );
});

t.test("a mailbox's own user is known by the service user's id or its platform user's", async (t) => {
  await settings({ adminMailboxLogin: false });
  const owner = uuid();
  const id = await mailbox('eve', owner, { userId: 501 });
  const reads = (of = owner) =>
    stack.controller.received.filter((r) => r.method === 'GET' && r.url.includes(of)).length;
  const before = reads();
  t.equal((await link(`/mailboxes/${id}/login`, owner)).status, 200, 'the service user');
  t.equal(reads(), before, 'known from the ledger: the controller is not asked');
  t.equal((await link(`/mailboxes/${id}/login`, '501')).status, 200, 'its platform user (kept at provisioning)');
  t.equal(reads(), before);
  const stranger = await link(`/mailboxes/${id}/login`, 'someone-else');
  t.same([stranger.status, stranger.json.error], [403, 'MailboxLoginRefused']);
  t.equal(reads(), before, 'the platform user id is known already: no need to ask');

  const quiet = uuid();
  const id2 = await mailbox('fay', quiet);
  t.same((await record(id2))?.props.owner, { id: quiet }, 'no platform user id at provisioning');
  const known = reads(quiet);
  t.equal((await link(`/mailboxes/${id2}/login`, quiet)).status, 200, 'its own service user');
  t.equal(reads(quiet), known, 'needs no platform user id: the controller is not asked');
  stack.controller.resources.set(quiet, { login: 'fay', userId: 777 });
  t.equal((await link(`/mailboxes/${id2}/login`, '777')).status, 200, 'learned from the controller');
  t.same((await record(id2))?.props.owner, { id: quiet, userId: '777' }, 'and kept');
  const asked = reads(quiet);
  t.equal((await link(`/mailboxes/${id2}/login`, '777')).status, 200);
  t.equal(reads(quiet), asked);

  const plain = uuid();
  const id4 = await mailbox('hub', plain);
  await ledger.updateResource(stack.instanceId, id4, {
    props: { ...(await record(id4))!.props, owner: { id: plain } },
  });
  t.equal((await link(`/mailboxes/${id4}/login`, 'not-hub')).status, 403);
  t.same((await record(id4))?.props.owner, { id: plain }, 'a service user without a platform user id: none kept');

  // A mailbox from before owners were kept: its controller copy names its service user.
  const early = uuid();
  const id5 = await mailbox('ida', early);
  const { owner: _owner, ...withoutOwner } = (await record(id5))!.props;
  await ledger.updateResource(stack.instanceId, id5, { props: withoutOwner });
  stack.controller.resources.set(id5, { user: { aps: { id: early } } });
  const userReads = () => stack.controller.received.filter((r) => r.method === 'GET' && r.url.includes(early)).length;
  const beforeEarly = userReads();
  t.equal((await link(`/mailboxes/${id5}/login`, early)).status, 200, 'its service user');
  t.equal(userReads(), beforeEarly, 'known from the mailbox: the service user is not read');
  t.same((await record(id5))?.props.owner, { id: early }, 'and kept');

  const lost = uuid();
  const id3 = await mailbox('gus', lost);
  stack.controller.resources.delete(lost);
  const refused = await link(`/mailboxes/${id3}/login`, 'who-knows');
  t.equal(refused.status, 403, 'the service user cannot be read: only its own id would do');
  const warned = lines().filter(
    (l) => l.msg === "could not read the mailbox's service user to check who asks for its login",
  );
  t.equal(warned.length, 1);
  t.ok(typeof warned[0].err === 'string' && (warned[0].err as string).length > 0, 'with why');
  t.equal((await link(`/mailboxes/${id3}/login`, lost)).status, 200);
  await settings({ adminMailboxLogin: true });
});
