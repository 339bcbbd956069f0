// Mail programs and phones set themselves up from an address: Thunderbird's autoconfig and
// Autodiscover answer on the public listener for the domains the endpoint's contexts serve, with
// the instance's servers, and 404 with nothing in it for any other domain or address.
import t, { type Test } from 'tap';
import http from 'node:http';
import { contextBody, mailboxBody, profileBody, startStack, uuid, type Stack } from '../helper.js';

const MOBILESYNC = 'http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006';
const OUTLOOK = 'http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a';

async function served(t: Test): Promise<Stack> {
  const stack = await startStack(t, { env: { SSO_PORT: '0' } });
  await stack.createInstance({
    imapServer: 'imaps://imap.shop.example:993',
    smtpServer: 'smtp://smtp.shop.example:587',
    oxPublicUrl: 'https://ox.shop.example',
  });
  const profile = uuid();
  await stack.call('POST', '/profiles', { body: profileBody(profile, { includesMobility: true }) });
  const ctx = uuid();
  t.equal((await stack.call('POST', '/contexts', { body: contextBody(ctx, { domain: 'shop.example' }) })).status, 200);
  const body = mailboxBody(uuid(), ctx, profile, { login: 'dana', email: 'dana@shop.example', displayName: 'Dana' });
  t.equal((await stack.call('POST', '/mailboxes', { body })).status, 200);
  return stack;
}

const autodiscoverRequest = (address: string, schema: string) =>
  `<?xml version="1.0" encoding="utf-8"?><Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/mobilesync/requestschema/2006"><Request><EMailAddress>${address}</EMailAddress><AcceptableResponseSchema>${schema}</AcceptableResponseSchema></Request></Autodiscover>`;

t.test('autoconfig and Autodiscover for a served domain; 404 and nothing else for any other', async (t) => {
  const stack = await served(t);
  const pub = stack.publicUrl;
  // fetch() may not set Host: a plain request does, as a mail program reaching autoconfig.<domain> would.
  const get = (path: string, host?: string) =>
    new Promise<Response>((resolve, reject) => {
      const req = http.get(`${pub}${path}`, host ? { headers: { host } } : {}, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () =>
          resolve(
            new Response(res.statusCode === 204 ? null : body, {
              status: res.statusCode,
              headers: { 'content-type': String(res.headers['content-type'] ?? '') },
            }),
          ),
        );
      });
      req.on('error', reject);
    });

  const tb = await get('/.well-known/autoconfig/mail/config-v1.1.xml?emailaddress=dana%40shop.example');
  t.equal(tb.status, 200);
  t.match(tb.headers.get('content-type'), /xml/);
  const config = await tb.text();
  t.match(config, /<clientConfig version="1.1"><emailProvider id="shop.example">/);
  t.match(
    config,
    /<incomingServer type="imap"><hostname>imap.shop.example<\/hostname><port>993<\/port><socketType>SSL<\/socketType><username>dana@shop.example<\/username>/,
  );
  t.match(
    config,
    /<outgoingServer type="smtp"><hostname>smtp.shop.example<\/hostname><port>587<\/port><socketType>STARTTLS<\/socketType>/,
  );
  const byHost = await get('/mail/config-v1.1.xml', 'autoconfig.shop.example');
  t.equal(byHost.status, 200, 'autoconfig.<domain> without an address');
  t.match(await byHost.text(), /<username>%EMAILADDRESS%<\/username>/);
  const sub = await get('/mail/config-v1.1.xml', 'autoconfig.mail.shop.example');
  t.equal(sub.status, 200, 'a subdomain of a served domain');

  const refused: Array<[string, Response]> = [
    ['an unknown domain', await get('/mail/config-v1.1.xml?emailaddress=eve%40elsewhere.example')],
    ['an unknown address of a served domain', await get('/mail/config-v1.1.xml?emailaddress=nobody%40shop.example')],
    ['a Host no context serves', await get('/mail/config-v1.1.xml', 'autoconfig.elsewhere.example')],
  ];
  for (const [label, res] of refused) {
    t.equal(res.status, 404, label);
    t.equal(await res.text(), '', `${label}: nothing in the answer`);
  }

  const post = (address: string, schema: string, path = '/autodiscover/autodiscover.xml') =>
    fetch(`${pub}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'text/xml' },
      body: autodiscoverRequest(address, schema),
    });
  const eas = await post('dana@shop.example', MOBILESYNC, '/Autodiscover/Autodiscover.xml');
  t.equal(eas.status, 200);
  const easXml = await eas.text();
  t.match(easXml, /<Type>MobileSync<\/Type><Url>https:\/\/ox.shop.example\/Microsoft-Server-ActiveSync<\/Url>/);
  t.match(easXml, /<DisplayName>Dana<\/DisplayName><EMailAddress>dana@shop.example<\/EMailAddress>/);
  const outlook = await (await post('dana@shop.example', OUTLOOK)).text();
  t.match(
    outlook,
    /<Protocol><Type>IMAP<\/Type><Server>imap.shop.example<\/Server><Port>993<\/Port><LoginName>dana@shop.example<\/LoginName><SSL>on<\/SSL>/,
  );
  t.match(
    outlook,
    /<Protocol><Type>SMTP<\/Type><Server>smtp.shop.example<\/Server><Port>587<\/Port>.*<Encryption>TLS<\/Encryption>/,
  );
  t.equal((await post('eve@elsewhere.example', MOBILESYNC)).status, 404, 'Autodiscover: an unknown domain');
  t.equal((await post('nobody@shop.example', OUTLOOK)).status, 404, 'Autodiscover: an unknown address');
  const garbage = await fetch(`${pub}/autodiscover/autodiscover.xml`, {
    method: 'POST',
    headers: { 'content-type': 'text/xml' },
    body: '<not xml',
  });
  t.equal(garbage.status, 404, 'a request that is not XML');

  // The APS port (the controller's) serves none of it when the public pages have their listener.
  const onAps = await stack.call('GET', '/mail/config-v1.1.xml?emailaddress=dana%40shop.example', { as: 'none' });
  t.equal(onAps.status, 404);
});
