// The OAuth 1.0a check of APS Connect requests, against signatures made elsewhere: oauthlib's
// (the spec's vectors, fixed nonce and time) and the oauth-1.0a package's (used only here).
import t from 'tap';
import { createHash, createHmac } from 'node:crypto';
import OAuth from 'oauth-1.0a';
import {
  authorizationHeader,
  baseString,
  checkSignature,
  isOAuthSigned,
  parseAuthorization,
  pct,
  signature,
} from '../../app/aps/oauth.js';

const KEY = 'ox-demo-key';
const SECRET = 's3cr3t/with+chars';
const secretOf = (key: string) => (key === KEY ? SECRET : undefined);

/** An Authorization header as a controller builds it, from given parts. */
function header(params: Record<string, string>): string {
  return `OAuth ${Object.entries(params)
    .map(([n, v]) => `${n}="${pct(v)}"`)
    .join(', ')}`;
}

function oauthlibHeader(
  nonce: string,
  timestamp: string,
  signature: string,
  extra: Record<string, string> = {},
): string {
  return header({
    oauth_nonce: nonce,
    oauth_timestamp: timestamp,
    oauth_version: '1.0',
    oauth_signature_method: 'HMAC-SHA1',
    oauth_consumer_key: KEY,
    ...extra,
    oauth_signature: signature,
  });
}

/** The independent signer, optionally with a fixed nonce and time. */
function library(secret = SECRET, fixed?: { nonce: string; timestamp: number }): OAuth {
  const oauth = new OAuth({
    consumer: { key: KEY, secret },
    signature_method: 'HMAC-SHA1',
    hash_function: (base, key) => createHmac('sha1', key).update(base).digest('base64'),
  });
  if (fixed) {
    oauth.getNonce = () => fixed.nonce;
    oauth.getTimeStamp = () => fixed.timestamp;
  }
  return oauth;
}

const signedBy = (oauth: OAuth, method: string, url: string) =>
  oauth.toHeader(oauth.authorize({ url, method })).Authorization;

t.test("oauthlib's vectors (aps-connect-oauth.md §9) pass, and fail with one thing changed", async (t) => {
  const body2 = '{"aps": {"type": "http://ox.example/contexts/1.0"}}';
  const body5 = '{"displayName": "J\\u00f6rg"}';
  const vectors = [
    {
      method: 'POST',
      url: 'https://connector.example.net/ox/contexts/',
      nonce: '0123456789abcdef0123',
      ts: '1700000000',
      sig: 'cxtaTJ52jVo3ARo2jGRv3TnaIA8=',
    },
    {
      method: 'POST',
      url: 'https://connector.example.net/ox/contexts/',
      nonce: '0123456789abcdef0123',
      ts: '1700000000',
      sig: 'hnuLGjVd5AWWr9HBBi27dke3cGE=',
      body: body2,
      hash: 'B6cMHSXK6KTXFFk1IGWPMHGeDiA=',
    },
    {
      method: 'GET',
      url: 'https://apsc.example.net:6308/aps/2/resources?implementing(http://ox.example/contexts/1.0),limit(0,10)',
      nonce: 'ZZ9plural9zalpha1234',
      ts: '1700000100',
      sig: 'bsnboVR6p9w4mXyfoGI5sbKZ/o0=',
    },
    {
      method: 'PUT',
      url: 'https://Connector.Example.NET:443/ox/mailboxes/5d0a3c2e-1111-2222-3333-444455556666',
      nonce: 'nonceNonceNonce12345',
      ts: '1700000200',
      sig: '7lEqAtBMkcg8KB/D4utGaXOl3mE=',
    },
    {
      method: 'PUT',
      url: 'https://Connector.Example.NET:443/ox/mailboxes/5d0a3c2e-1111-2222-3333-444455556666',
      nonce: 'nonceNonceNonce12345',
      ts: '1700000200',
      sig: 'PUHFQColIDvN4bz47Dq862c70/E=',
      body: body5,
      hash: 'LB2k/7Sw7oWdZHDFieIAFzt5ZW8=',
    },
  ];
  for (const [i, v] of vectors.entries()) {
    const now = Number(v.ts) * 1000 + 5000;
    const authorization = oauthlibHeader(v.nonce, v.ts, v.sig, v.hash ? { oauth_body_hash: v.hash } : {});
    const check = checkSignature({ method: v.method, url: v.url, authorization, body: v.body }, secretOf, now);
    t.same(check, { ok: true, key: KEY, nonce: v.nonce, timestamp: Number(v.ts) }, `vector ${i + 1}`);
    t.equal(
      checkSignature({ method: v.method, url: v.url, authorization }, () => 'another-secret', now).ok,
      false,
      `vector ${i + 1}, wrong secret`,
    );
    t.equal(
      checkSignature(
        { method: v.method === 'GET' ? 'POST' : 'GET', url: v.url, authorization, body: v.body },
        secretOf,
        now,
      ).ok,
      false,
      `vector ${i + 1}, other method`,
    );
    if (v.hash) {
      const tampered = checkSignature(
        { method: v.method, url: v.url, authorization, body: `${v.body} ` },
        secretOf,
        now,
      );
      t.same(
        tampered,
        { ok: false, reason: 'oauth_body_hash does not match the body' },
        `vector ${i + 1}, changed body`,
      );
      t.equal(
        createHash('sha1')
          .update(v.body ?? '')
          .digest('base64'),
        v.hash,
        'the body hash is SHA-1 of the bytes',
      );
    }
  }
  t.equal(
    baseString(
      'GET',
      vectors[2].url,
      parseAuthorization(oauthlibHeader(vectors[2].nonce, vectors[2].ts, 'x')) as Map<string, string>,
    ),
    'GET&https%3A%2F%2Fapsc.example.net%3A6308%2Faps%2F2%2Fresources&implementing%2528http%253A%252F%252Fox.example%252Fcontexts%252F1.0%2529%252Climit%25280%252C10%2529%3D%26oauth_consumer_key%3Dox-demo-key%26oauth_nonce%3DZZ9plural9zalpha1234%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1700000100%26oauth_version%3D1.0',
    "the RQL query's base string is oauthlib's",
  );
});

t.test('requests signed by the oauth-1.0a package', async (t) => {
  const cases = [
    ['POST with a JSON body', 'POST', 'https://connector.example.net/ox/contexts'],
    [
      'GET with a query',
      'GET',
      'https://connector.example.net/ox/contexts/5d0a3c2e-1111-2222-3333-444455556666/usage?from=2026-01-01&kind=a%20b',
    ],
    [
      'GET with an RQL query',
      'GET',
      'https://connector.example.net/ox/contexts?implementing(http://ox.example/contexts/1.0),limit(0,10)',
    ],
    ['an explicit port', 'PUT', 'https://connector.example.net:8443/ox/mailboxes/x/disable'],
    ['the default port left out', 'DELETE', 'https://connector.example.net/ox/mailboxes/x'],
  ] as const;
  for (const [label, method, url] of cases) {
    const authorization = signedBy(library(), method, url);
    const check = checkSignature({ method, url, authorization }, secretOf);
    t.ok(check.ok, label);
    t.notOk(
      checkSignature({ method, url, authorization: signedBy(library('not-the-secret'), method, url) }, secretOf).ok,
      `${label}: wrong secret`,
    );
  }
  // A + and a %20 in the query are the same space.
  const plus = signedBy(library(), 'GET', 'https://connector.example.net/ox/x?q=a%20b');
  t.ok(
    checkSignature({ method: 'GET', url: 'https://connector.example.net/ox/x?q=a+b', authorization: plus }, secretOf)
      .ok,
    '+ and %20 normalise alike',
  );
});

t.test('refusals say why', async (t) => {
  const url = 'https://connector.example.net/ox/contexts';
  const now = Date.now();
  const at = (seconds: number) =>
    library(SECRET, {
      nonce: `nonce${seconds < 0 ? 'm' : 'p'}${Math.abs(seconds)}abcdefghijk`,
      timestamp: Math.floor(now / 1000) + seconds,
    });
  const reason = (authorization: string, secrets = secretOf) => {
    const check = checkSignature({ method: 'POST', url, authorization }, secrets, now);
    return check.ok ? 'accepted' : check.reason;
  };
  t.equal(reason(signedBy(at(-599), 'POST', url)), 'accepted', '599 s old is inside the window');
  t.match(reason(signedBy(at(-601), 'POST', url)), /more than 600 s/, 'a stale timestamp');
  t.match(reason(signedBy(at(601), 'POST', url)), /more than 600 s/, 'a timestamp from the future');
  const fields = parseAuthorization(signedBy(at(0), 'POST', url)) as Map<string, string>;
  const rebuilt = (patch: Record<string, string>) => header({ ...Object.fromEntries(fields), ...patch });
  t.match(reason(rebuilt({ oauth_version: '2.0' })), /oauth_version must be 1.0/);
  t.match(
    reason(rebuilt({ oauth_signature_method: 'PLAINTEXT', oauth_signature: `${pct(SECRET)}&` })),
    /must be HMAC-SHA1/,
  );
  t.match(reason(rebuilt({ oauth_token: 'abc' })), /oauth_token/);
  t.match(reason(rebuilt({ oauth_nonce: 'short' })), /oauth_nonce/);
  t.match(reason(rebuilt({ oauth_timestamp: '17000' })), /ten digits/);
  t.match(reason(rebuilt({ oauth_signature: '' })), /oauth_signature are missing|missing/);
  t.match(
    reason(signedBy(at(0), 'POST', url), () => undefined),
    /signature does not match/,
    'an unknown key',
  );
  t.match(reason(`${signedBy(at(0), 'POST', url)}, oauth_nonce="again1234567890abc"`), /appears twice/);
  t.match(reason('Basic dXNlcjpwYXNz'), /no OAuth Authorization header/);
  t.match(reason('OAuth oauth_consumer_key'), /name="value"/);
  t.equal(reason(signedBy(at(0), 'POST', `${url}?extra=1`)) === 'accepted', false, 'a query other than the signed one');
});

t.test("the endpoint's own signature passes the other signer's check", async (t) => {
  const url = 'https://apsc.example.net:6308/aps/2/resources/5d0a3c2e-1111-2222-3333-444455556666';
  const authorization = authorizationHeader('GET', url, KEY, SECRET);
  const fields = parseAuthorization(authorization) as Map<string, string>;
  const fixed = { nonce: fields.get('oauth_nonce') ?? '', timestamp: Number(fields.get('oauth_timestamp')) };
  const expected = library(SECRET, fixed).authorize({ url, method: 'GET' }).oauth_signature;
  t.equal(fields.get('oauth_signature'), expected, 'the same signature as oauth-1.0a makes');
  t.not(parseAuthorization(authorizationHeader('GET', url, KEY, SECRET)), fields, 'a new nonce each time');
  t.notMatch(authorization, SECRET);
});

t.test('RFC 5849 details no vector above holds', async (t) => {
  t.equal(pct("!'()*"), '%21%27%28%29%2A', 'the characters encodeURIComponent leaves, upper-case hex');
  t.equal(pct('a b~-._'), 'a%20b~-._');
  // The base string: the default port left out, scheme and host lower-case, oauth_signature left out,
  // pairs sorted by name, then by value.
  const base = (url: string, params: Record<string, string> = {}) =>
    baseString('get', url, new Map(Object.entries(params)));
  t.equal(base('HTTPS://Example.COM:443/a'), 'GET&https%3A%2F%2Fexample.com%2Fa&');
  t.equal(base('http://example.com:80/a'), 'GET&http%3A%2F%2Fexample.com%2Fa&');
  t.equal(base('http://example.com:443/a'), 'GET&http%3A%2F%2Fexample.com%3A443%2Fa&', 'not the default port of http');
  t.equal(base('https://example.com:80/a'), 'GET&https%3A%2F%2Fexample.com%3A80%2Fa&', 'not the default port of https');
  t.equal(base('https://example.com:8443/a'), 'GET&https%3A%2F%2Fexample.com%3A8443%2Fa&');
  t.equal(
    base('https://h/p?b=2&a=3&a=1&c=', { oauth_signature: 'x', oauth_nonce: 'n' }),
    `GET&https%3A%2F%2Fh%2Fp&${pct('a=1&a=3&b=2&c=&oauth_nonce=n')}`,
  );
  t.equal(base('https://h/p?z=1&y=2&x=3&w=4'), `GET&https%3A%2F%2Fh%2Fp&${pct('w=4&x=3&y=2&z=1')}`);
  // The endpoint's own header: the time in seconds.
  const own = parseAuthorization(authorizationHeader('GET', 'https://h/p', KEY, SECRET, 1_700_000_000_999));
  t.equal((own as Map<string, string>).get('oauth_timestamp'), '1700000000');
});

t.test('the header: its form, spaces, realm, a missing version, the window edge, a body hash', async (t) => {
  const url = 'https://connector.example.net/ox/contexts';
  const now = 1_700_000_000_000;
  const check = (authorization: string, body?: string) => {
    const c = checkSignature({ method: 'POST', url, authorization, body }, secretOf, now);
    return c.ok ? 'accepted' : c.reason;
  };
  /** Signed here, with exactly these parameters. */
  const ours = (params: Record<string, string>) => {
    const map = new Map(Object.entries(params));
    return header({ ...params, oauth_signature: signature(SECRET, baseString('POST', url, map)) });
  };
  const basic = {
    oauth_consumer_key: KEY,
    oauth_nonce: 'abcdefghijklmnop1234',
    oauth_signature_method: 'HMAC-SHA1',
    oauth_timestamp: String(now / 1000),
  };
  t.equal(check(ours(basic)), 'accepted', 'no oauth_version: 1.0 is meant');
  t.equal(check(`${ours(basic)}, realm="Example"`), 'accepted', 'a realm is no parameter');
  t.equal(check(ours({ ...basic, oauth_timestamp: String(now / 1000 - 600) })), 'accepted', '600 s old: inside');
  const emptyBodyHash = createHash('sha1').update('').digest('base64');
  t.equal(check(ours({ ...basic, oauth_body_hash: emptyBodyHash })), 'accepted', 'no body: the hash of nothing');
  t.match(check(ours({ ...basic, oauth_body_hash: emptyBodyHash }), '{}'), /oauth_body_hash does not match/);
  const { oauth_nonce: _n, oauth_timestamp: _t, ...partial } = basic;
  t.equal(
    check(header({ ...partial, oauth_signature: 'x' })),
    'the OAuth parameters oauth_timestamp, oauth_nonce are missing',
  );
  for (const nonce of ['!abcdefghijklmnopq', 'abcdefghijklmnopq!'])
    t.match(check(ours({ ...basic, oauth_nonce: nonce })), /oauth_nonce must be/, `nonce ${nonce}`);
  for (const ts of [`x${now / 1000}`, `${now / 1000}1`])
    t.match(check(ours({ ...basic, oauth_timestamp: ts })), /ten digits/, `timestamp ${ts}`);
  const spaced = ours(basic).replace(/, /g, ' ,  ').replace(/="/g, ' =  "');
  t.equal(check(spaced), 'accepted', 'spaces around = and ,');
  t.equal(check(`${ours(basic)}\t`), 'accepted', 'white space after the last pair');
  t.match(check('OAuth oauth_consumer_key="%E0%A4%A"'), /malformed percent-encoding/);
  t.match(check('OAuth junk oauth_consumer_key="k"'), /name="value"/, 'no junk before a pair');
  t.match(check('OAuth oauth_consumer_key="k"junk'), /name="value"/, 'no junk after a pair');
  t.match(check('Bearer OAuth oauth_consumer_key="k"'), /no OAuth Authorization header/, 'OAuth first');
  t.equal(isOAuthSigned('OAuth\toauth_consumer_key="k"'), true);
  t.equal(isOAuthSigned('OAuthx'), false);
  t.equal(isOAuthSigned(undefined), false);
  const unreadable = checkSignature({ method: 'POST', url: 'not a URL', authorization: ours(basic) }, secretOf, now);
  t.same(unreadable, { ok: false, reason: 'the request URL cannot be read for the signature' });
});
