// Reads SOAP requests the way OX's CXF stack does (strictly, by namespace and element name, per
// the contract) and writes OX-shaped responses and faults.
import { DATA_TYPES, NS, SERVICES, type DataTypeName, type FieldSpec, type ServiceName } from '../../../app/ox/contract.js';
import { escapeXml, parseXml, type XmlNode } from './xml.js';

/** A client error the real server would also refuse (answered as a SOAP fault). */
export class WireError extends Error {}

export interface SoapRequest {
  operation: string;
  args: Record<string, unknown>;
}

const NS_OF = { data: NS.data, rmi: NS.rmi } as const;

export function decodeRequest(service: ServiceName, xml: string): SoapRequest {
  let root: XmlNode;
  try {
    root = parseXml(xml);
  } catch (err) {
    throw new WireError(`Unmarshalling Error: ${(err as Error).message.split('\n')[0]}`);
  }
  if (root.uri !== NS.soapenv || root.local !== 'Envelope') throw new WireError('Not a SOAP 1.1 Envelope');
  const body = root.children.find((c) => c.uri === NS.soapenv && c.local === 'Body');
  const call = body?.children[0];
  if (!call) throw new WireError('No SOAP Body element');
  const ops = SERVICES[service] as Record<string, { params: FieldSpec[] }>;
  if (call.uri !== NS.admin || !Object.hasOwn(ops, call.local)) {
    throw new WireError(`Unexpected wrapper element {${call.uri}}${call.local} found.`);
  }
  const args = decodeFields(call, ops[call.local].params, NS.admin);
  return { operation: call.local, args };
}

function decodeFields(parent: XmlNode, fields: FieldSpec[], uri: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const child of parent.children) {
    const field = fields.find((f) => f.name === child.local);
    if (!field || child.uri !== uri) {
      throw new WireError(`Unmarshalling Error: unexpected element (uri:"${child.uri}", local:"${child.local}")`);
    }
    if (child.nil) continue; // nil means "not set" to OX
    const value = decodeValue(child, field);
    if (field.many) ((out[field.name] ??= []) as unknown[]).push(value);
    else out[field.name] = value;
  }
  return out;
}

function decodeValue(node: XmlNode, field: FieldSpec): unknown {
  const text = node.text.trim();
  switch (field.type) {
    case 'string': return node.text;
    case 'int':
    case 'long':
      if (!/^-?\d+$/.test(text)) throw new WireError(`Unmarshalling Error: Not a number: ${text}`);
      return Number(text);
    case 'boolean':
      if (text !== 'true' && text !== 'false') throw new WireError(`Unmarshalling Error: Not a boolean: ${text}`);
      return text === 'true';
    default: {
      const spec = DATA_TYPES[field.type as DataTypeName];
      return decodeFields(node, spec.fields, NS_OF[spec.ns]);
    }
  }
}

const PREFIX = { data: 'ns2', rmi: 'ns3' } as const;

function encodeValue(name: string, prefix: string, type: FieldSpec['type'], value: unknown): string {
  if (value === undefined) return '';
  if (value === null) return `<${prefix}:${name} xsi:nil="true"/>`;
  if (type in DATA_TYPES) {
    const spec = DATA_TYPES[type as DataTypeName];
    const obj = value as Record<string, unknown>;
    const inner = spec.fields.map((f) => encodeField(f, obj[f.name], PREFIX[spec.ns])).join('');
    return `<${prefix}:${name}>${inner}</${prefix}:${name}>`;
  }
  return `<${prefix}:${name}>${escapeXml(String(value))}</${prefix}:${name}>`;
}

function encodeField(field: FieldSpec, value: unknown, prefix: string): string {
  if (field.many) return (Array.isArray(value) ? value : []).map((v) => encodeValue(field.name, prefix, field.type, v)).join('');
  return encodeValue(field.name, prefix, field.type, value === undefined ? null : value);
}

const ENVELOPE_OPEN = `<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="${NS.soapenv}"><soap:Body>`;
const ENVELOPE_CLOSE = '</soap:Body></soap:Envelope>';

export function encodeResponse(service: ServiceName, operation: string, result: unknown): string {
  const spec = (SERVICES[service] as Record<string, { returns?: FieldSpec }>)[operation];
  const ns = `xmlns:ns1="${NS.admin}" xmlns:ns2="${NS.data}" xmlns:ns3="${NS.rmi}" xmlns:xsi="${NS.xsi}"`;
  const payload = spec.returns ? encodeField(spec.returns, result, 'ns1') : '';
  return `${ENVELOPE_OPEN}<ns1:${operation}Response ${ns}>${payload}</ns1:${operation}Response>${ENVELOPE_CLOSE}`;
}

/** OX's fault: message plus "; exceptionId <random>", the exception class as detail element. */
export function encodeFault(exceptionClass: string, message: string): string {
  const id = `${Math.floor(Math.random() * 2e9) - 1e9}-${Math.floor(Math.random() * 100)}`;
  const detail = `<${exceptionClass} xmlns="${NS.admin}" xmlns:ns5="${NS.exceptions}" xmlns:xsi="${NS.xsi}">`
    + `<${exceptionClass}><Exception xsi:nil="true"/></${exceptionClass}></${exceptionClass}>`;
  return `${ENVELOPE_OPEN}<soap:Fault><faultcode>soap:Server</faultcode>`
    + `<faultstring>${escapeXml(`${message}; exceptionId ${id}`)}</faultstring>`
    + `<detail>${detail}</detail></soap:Fault>${ENVELOPE_CLOSE}`;
}
