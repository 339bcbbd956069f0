// The contract's request writer against node-soap's own: for every operation, many argument sets
// (every field, repeated ones 0–3 times, text with markup characters) give the same bytes.
import t from 'tap';
import { join } from 'node:path';
import soap from 'soap';
import {
  DATA_TYPES,
  SERVICES,
  SERVICE_NAMES,
  type DataTypeName,
  type FieldSpec,
  type ServiceName,
} from '../../app/ox/contract.js';
import { typesOf } from '../../app/ox/service-types.js';
import { operationXml, xmlText } from '../../app/ox/wire-xml.js';
import { wsdlDir } from '../../app/util/paths.js';

let seed = 20261202;
const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
const TEXTS = ['plain', 'Zoë & <Co> "quoted" \'single\'', 'tab\there\r\nline', 'ümlaut@ex.example', '', '0'];

function scalarValue(type: string): unknown {
  if (type === 'boolean') return random() < 0.5;
  if (type === 'int' || type === 'long') return Math.floor(random() * 1e6);
  return pick(TEXTS);
}

function valueOf(service: ServiceName, field: FieldSpec, depth: number): unknown {
  const one = () =>
    field.type in DATA_TYPES ? objectOf(service, field.type as DataTypeName, depth + 1) : scalarValue(field.type);
  return field.many ? Array.from({ length: Math.floor(random() * 4) }, one) : one();
}

function objectOf(service: ServiceName, type: DataTypeName, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  // Keys in a shuffled order: the writer must order them as the schema does.
  for (const field of [...typesOf(service)[type].fields].sort(() => random() - 0.5)) {
    if (random() < 0.6 && depth < 4) out[field.name] = valueOf(service, field, depth);
  }
  return out;
}

/** The operation element node-soap writes for `args` (captured from its request, not sent). */
async function nodeSoapBody(client: soap.Client, operation: string, args: unknown): Promise<string> {
  const envelope = await new Promise<string>((resolve) => {
    client.once('request', (xml: string) => resolve(xml));
    const method = client[operation] as (a: unknown, cb: () => void) => void;
    method.call(client, args, () => undefined);
  });
  return envelope.slice(envelope.indexOf('<soap:Body>') + 11, envelope.indexOf('</soap:Body>'));
}

for (const service of SERVICE_NAMES) {
  // An HTTP client that sends nothing: only the request node-soap writes is wanted.
  const client = await soap.createClientAsync(join(wsdlDir, `${service}.wsdl`), {
    endpoint: 'http://127.0.0.1:1/',
    httpClient: {
      request: (_u: string, _d: unknown, cb: (e: Error) => void) => void cb(new Error('not sent')),
    } as unknown as soap.IHttpClient,
  });
  t.test(`${service}: every operation is written as node-soap writes it`, async (t) => {
    for (const [operation, spec] of Object.entries(SERVICES[service])) {
      let alike = 0;
      for (let round = 0; round < 40; round++) {
        // node-soap writes the parameters in the order of the object's keys (ours: always the
        // WSDL's); the client passes them in that order.
        const args: Record<string, unknown> = {};
        for (const param of spec.params) args[param.name] = valueOf(service, param, 0);
        const ours = operationXml(service, operation, args);
        const theirs = await nodeSoapBody(client, operation, args);
        if (ours !== theirs) {
          t.equal(ours, theirs, `${operation} round ${round}: ${JSON.stringify(args)}`);
          break;
        }
        alike++;
      }
      t.equal(alike, 40, `${operation}: 40 argument sets alike`);
    }
  });
}

t.test('text is escaped once, and a CDATA-shaped value stays text', async (t) => {
  t.equal(xmlText('a&b<c>"d\'e'), 'a&amp;b&lt;c&gt;&quot;d&apos;e');
  t.equal(xmlText('plain'), 'plain');
  const xml = operationXml('OXUserService', 'change', {
    ctx: { id: 1 },
    usrdata: { id: 2, display_name: '<![CDATA[x]]></ns4:display_name><ns4:mailenabled>false' },
  });
  t.notMatch(xml, /<ns4:mailenabled/, 'no element smuggled in');
  t.match(xml, /&lt;!\[CDATA\[x\]\]&gt;&lt;\/ns4:display_name&gt;/);
  const inOrder = operationXml('OXUserService', 'getData', {
    ctx: { id: 1 },
    user: { id: 2 },
    auth: { login: 'a', password: 'b' },
  });
  t.equal(
    operationXml('OXUserService', 'getData', { auth: { login: 'a', password: 'b' }, user: { id: 2 }, ctx: { id: 1 } }),
    inOrder,
    "parameters in the WSDL's order whatever the keys' order",
  );
  t.throws(() => operationXml('OXUserService', 'nosuch', {}), /no SOAP operation OXUserService.nosuch/);
});

const DATA_NS = 'xmlns:ns4="http://dataobjects.soap.admin.openexchange.com/xsd"';

t.test('a field or parameter left out, undefined or null, is not sent at all', async (t) => {
  const xml = operationXml('OXUserService', 'change', {
    ctx: { id: 5, name: null },
    usrdata: { id: 7, display_name: 'Zoë', given_name: undefined, aliases: null },
    auth: null,
  });
  t.equal(
    xml,
    [
      '<change xmlns="http://soap.admin.openexchange.com">',
      `<ctx><ns4:id ${DATA_NS}>5</ns4:id></ctx>`,
      `<usrdata><ns4:display_name ${DATA_NS}>Zoë</ns4:display_name><ns4:id ${DATA_NS}>7</ns4:id></usrdata>`,
      '</change>',
    ].join(''),
  );
  t.throws(() => operationXml('OXUserService', 'noSuchCall', {}), /no SOAP operation OXUserService.noSuchCall/);
  t.equal(
    operationXml('OXUserService', 'getData', { ctx: 5 }),
    '<getData xmlns="http://soap.admin.openexchange.com"><ctx>5</ctx></getData>',
    'a value where a structure belongs is sent as text (OX then refuses it)',
  );
});
