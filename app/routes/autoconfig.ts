// Mail client setup by address, on the public listener with the sign-on pages:
// - Thunderbird's autoconfig: GET /.well-known/autoconfig/mail/config-v1.1.xml and
//   /mail/config-v1.1.xml (host autoconfig.<domain>), `emailaddress` in the query or the domain
//   from the Host header; answers clientConfig 1.1 with the IMAP and SMTP servers.
// - Autodiscover (Outlook, and ActiveSync phones): POST /autodiscover/autodiscover.xml with the
//   address; answers the IMAP and SMTP servers (outlook schema) or the ActiveSync URL (mobilesync).
// A domain no context serves, or an address no mailbox has, is 404 with an empty body.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import sax from 'sax';
import type { ServiceDeps } from '../resources/shared/deps.js';
import { mailSetup, type MailSetup } from '../resources/mailboxes/autoconfig.js';
import type { MailServer } from '../resources/mailboxes/client-settings.js';
import { xmlText } from '../util/xml-text.js';

const OUTLOOK = 'http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a';
const MOBILESYNC = 'http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006';
const RESPONSE = 'http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006';
const XML_HEADERS = { 'content-type': 'application/xml; charset=utf-8', 'cache-control': 'no-store' };
const BODY_LIMIT = 16 * 1024;

const tag = (name: string, value: string | number) => `<${name}>${xmlText(String(value))}</${name}>`;

function thunderbirdServer(kind: 'incomingServer' | 'outgoingServer', type: string, s: MailServer, user: string) {
  const socket = s.security === 'SSL/TLS' ? 'SSL' : 'STARTTLS';
  return `<${kind} type="${type}">${tag('hostname', s.host)}${tag('port', s.port)}${tag('socketType', socket)}${tag('username', user)}${tag('authentication', 'password-cleartext')}</${kind}>`;
}

function clientConfig(setup: MailSetup): string {
  const user = setup.address ?? '%EMAILADDRESS%';
  const servers = [
    setup.imap && thunderbirdServer('incomingServer', 'imap', setup.imap, user),
    setup.smtp && thunderbirdServer('outgoingServer', 'smtp', setup.smtp, user),
  ].filter(Boolean);
  return `<?xml version="1.0" encoding="UTF-8"?>\n<clientConfig version="1.1"><emailProvider id="${xmlText(setup.domain)}">${tag('domain', setup.domain)}${tag('displayName', 'OX App Suite')}${servers.join('')}</emailProvider></clientConfig>`;
}

function outlookProtocol(type: 'IMAP' | 'SMTP', s: MailServer, login: string): string {
  const encryption = s.security === 'SSL/TLS' ? tag('SSL', 'on') : `${tag('SSL', 'off')}${tag('Encryption', 'TLS')}`;
  return `<Protocol>${tag('Type', type)}${tag('Server', s.host)}${tag('Port', s.port)}${tag('LoginName', login)}${encryption}${tag('SPA', 'off')}${tag('AuthRequired', 'on')}</Protocol>`;
}

function autodiscover(setup: MailSetup, schema: string): string | undefined {
  const login = setup.address ?? '';
  let response: string;
  if (schema === MOBILESYNC) {
    if (!setup.activeSync) return undefined;
    const user = `<User>${setup.displayName ? tag('DisplayName', setup.displayName) : ''}${tag('EMailAddress', login)}</User>`;
    const server = `<Server>${tag('Type', 'MobileSync')}${tag('Url', setup.activeSync)}${tag('Name', setup.activeSync)}</Server>`;
    response = `<Response xmlns="${MOBILESYNC}">${tag('Culture', 'en:us')}${user}<Action><Settings>${server}</Settings></Action></Response>`;
  } else {
    const protocols = [
      setup.imap && outlookProtocol('IMAP', setup.imap, login),
      setup.smtp && outlookProtocol('SMTP', setup.smtp, login),
    ].filter(Boolean);
    response = `<Response xmlns="${OUTLOOK}"><Account>${tag('AccountType', 'email')}${tag('Action', 'settings')}${protocols.join('')}</Account></Response>`;
  }
  return `<?xml version="1.0" encoding="utf-8"?>\n<Autodiscover xmlns="${RESPONSE}">${response}</Autodiscover>`;
}

/** The address and the wanted response schema of an Autodiscover request (elements in any namespace). */
function readAutodiscover(xml: string): { address?: string; schema?: string } {
  const parser = sax.parser(true, { xmlns: true });
  const found: Record<string, string> = {};
  let current: string | undefined;
  parser.onopentag = (t) => void (current = 'local' in t ? t.local : t.name);
  parser.ontext = (text) => {
    if (current === 'EMailAddress' || current === 'AcceptableResponseSchema')
      found[current] = (found[current] ?? '') + text;
  };
  parser.onclosetag = () => void (current = undefined);
  parser.onerror = (err) => {
    throw err;
  };
  try {
    parser.write(xml).close();
  } catch {
    return {};
  }
  return { address: found.EMailAddress?.trim(), schema: found.AcceptableResponseSchema?.trim() };
}

const notFound = (reply: FastifyReply) => reply.code(404).header('cache-control', 'no-store').send('');

/** The domain a Thunderbird request asks for: its address's, else its Host's (autoconfig.<domain>). */
function askedDomain(req: FastifyRequest<{ Querystring: { emailaddress?: string } }>) {
  const address = req.query.emailaddress;
  const host = String(req.headers.host ?? '')
    .replace(/:\d+$/, '')
    .replace(/^autoconfig\./i, '');
  return address ? { address } : { domain: host };
}

export default async function autoconfigRoutes(fastify: FastifyInstance, opts: { deps: ServiceDeps }) {
  const { deps } = opts;
  const thunderbird = async (req: FastifyRequest<{ Querystring: { emailaddress?: string } }>, reply: FastifyReply) => {
    const setup = await mailSetup(deps, askedDomain(req));
    return setup ? reply.headers(XML_HEADERS).send(clientConfig(setup)) : notFound(reply);
  };
  const query = { querystring: { type: 'object', properties: { emailaddress: { type: 'string', maxLength: 320 } } } };
  fastify.get('/.well-known/autoconfig/mail/config-v1.1.xml', { schema: query, logLevel: 'warn' }, thunderbird);
  fastify.get('/mail/config-v1.1.xml', { schema: query, logLevel: 'warn' }, thunderbird);

  fastify.addContentTypeParser(
    ['text/xml', 'application/xml'],
    { parseAs: 'string', bodyLimit: BODY_LIMIT },
    (_req, body, done) => done(null, body),
  );
  const discover = async (req: FastifyRequest, reply: FastifyReply) => {
    const { address, schema } = readAutodiscover(typeof req.body === 'string' ? req.body : '');
    const setup = address ? await mailSetup(deps, { address }) : undefined;
    const xml = setup && autodiscover(setup, schema ?? OUTLOOK);
    return xml ? reply.headers(XML_HEADERS).send(xml) : notFound(reply);
  };
  for (const url of ['/autodiscover/autodiscover.xml', '/Autodiscover/Autodiscover.xml'])
    fastify.post(url, { bodyLimit: BODY_LIMIT, logLevel: 'warn' }, discover);
}
