// Reads SOAP requests the way OX's CXF stack does (strictly, by namespace and element name, per
// the simulator's own transcription in ./wire.ts) and writes OX-shaped responses and faults.
import {
  OX_NS,
  OX_OPERATIONS,
  isScalar,
  oxTypesOf,
  type OxServiceName,
  type WireField,
  type WireType,
} from './wire.js';

type Types = Record<string, WireType>;
import { escapeXml, parseXml, type XmlNode } from './xml.js';

/** A client error the real server would also refuse (answered as a SOAP fault). */
export class WireError extends Error {}

export interface SoapRequest {
  operation: string;
  args: Record<string, unknown>;
}

export function decodeRequest(service: OxServiceName, xml: string): SoapRequest {
  let root: XmlNode;
  try {
    root = parseXml(xml);
  } catch (err) {
    throw new WireError(`Unmarshalling Error: ${(err as Error).message.split('\n')[0]}`);
  }
  if (root.uri !== OX_NS.soapenv || root.local !== 'Envelope') throw new WireError('Not a SOAP 1.1 Envelope');
  const body = root.children.find((c) => c.uri === OX_NS.soapenv && c.local === 'Body');
  const call = body?.children[0];
  if (!call) throw new WireError('No SOAP Body element');
  const ops = OX_OPERATIONS[service];
  if (call.uri !== OX_NS.admin || !Object.hasOwn(ops, call.local)) {
    throw new WireError(`Unexpected wrapper element {${call.uri}}${call.local} found.`);
  }
  return { operation: call.local, args: decodeFields(oxTypesOf(service), call, ops[call.local].params, OX_NS.admin) };
}

function decodeFields(types: Types, parent: XmlNode, fields: WireField[], uri: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const child of parent.children) {
    const field = fields.find((f) => f.name === child.local);
    if (!field || child.uri !== uri) {
      throw new WireError(`Unmarshalling Error: unexpected element (uri:"${child.uri}", local:"${child.local}")`);
    }
    if (!field.many && Object.hasOwn(out, field.name)) {
      throw new WireError(`Unmarshalling Error: element "${field.name}" given twice`);
    }
    if (child.nil) continue; // nil means "not set" to OX
    const value = decodeValue(types, child, field);
    if (field.many) ((out[field.name] ??= []) as unknown[]).push(value);
    else out[field.name] = value;
  }
  return out;
}

function decodeValue(types: Types, node: XmlNode, field: WireField): unknown {
  if (!isScalar(field.type)) {
    const spec = types[field.type];
    return decodeFields(types, node, spec.fields, OX_NS[spec.ns]);
  }
  if (node.children.length)
    throw new WireError(`Unmarshalling Error: "${field.name}" holds elements, expected ${field.type}`);
  const text = node.text.trim();
  switch (field.type) {
    case 'string':
      return node.text;
    case 'boolean':
      if (text !== 'true' && text !== 'false') throw new WireError(`Unmarshalling Error: Not a boolean: ${text}`);
      return text === 'true';
    default: {
      if (!/^-?\d+$/.test(text)) throw new WireError(`Unmarshalling Error: Not a number: ${text}`);
      const n = Number(text);
      if (field.type === 'int' && (n < -(2 ** 31) || n >= 2 ** 31))
        throw new WireError(`Unmarshalling Error: Value out of range: ${text}`);
      return n;
    }
  }
}

// Responses as OX's CXF writes them: the wrapper and `return` in the default (admin) namespace,
// data-object children prefixed ns2 (data) / ns3 (rmi), unset fields xsi:nil.
const PREFIX = { data: 'ns2:', rmi: 'ns3:' } as const;

function encodeValue(types: Types, name: string, prefix: string, type: string, value: unknown): string {
  if (value === undefined) return '';
  if (value === null) return `<${prefix}${name} xsi:nil="true"/>`;
  if (!isScalar(type)) {
    const spec = types[type];
    const obj = value as Record<string, unknown>;
    const inner = spec.fields.map((f) => encodeField(types, f, obj[f.name], PREFIX[spec.ns])).join('');
    return `<${prefix}${name}>${inner}</${prefix}${name}>`;
  }
  return `<${prefix}${name}>${escapeXml(String(value))}</${prefix}${name}>`;
}

function encodeField(types: Types, field: WireField, value: unknown, prefix: string): string {
  if (field.many)
    return (Array.isArray(value) ? value : [])
      .map((v) => encodeValue(types, field.name, prefix, field.type, v))
      .join('');
  return encodeValue(types, field.name, prefix, field.type, value === undefined ? null : value);
}

const ENVELOPE_OPEN = `<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="${OX_NS.soapenv}"><soap:Body>`;
const ENVELOPE_CLOSE = '</soap:Body></soap:Envelope>';

export function encodeResponse(service: OxServiceName, operation: string, result: unknown): string {
  const spec = OX_OPERATIONS[service][operation];
  const ns = `xmlns="${OX_NS.admin}" xmlns:ns2="${OX_NS.data}" xmlns:ns3="${OX_NS.rmi}" xmlns:xsi="${OX_NS.xsi}"`;
  const payload = spec.returns ? encodeField(oxTypesOf(service), spec.returns, result, '') : '';
  return `${ENVELOPE_OPEN}<${operation}Response ${ns}>${payload}</${operation}Response>${ENVELOPE_CLOSE}`;
}

/** OX's fault: message plus "; exceptionId <random>", the exception class as detail element. */
export function encodeFault(exceptionClass: string, message: string): string {
  const id = `${Math.floor(Math.random() * 2e9) - 1e9}-${Math.floor(Math.random() * 100)}`;
  const detail =
    `<${exceptionClass} xmlns="${OX_NS.admin}" xmlns:ns5="${OX_NS.exceptions}" xmlns:xsi="${OX_NS.xsi}">` +
    `<${exceptionClass}><Exception xsi:nil="true"/><ns5:objectname xsi:nil="true"/></${exceptionClass}></${exceptionClass}>`;
  return (
    `${ENVELOPE_OPEN}<soap:Fault><faultcode>soap:Server</faultcode>` +
    `<faultstring>${escapeXml(`${message}; exceptionId ${id}`)}</faultstring>` +
    `<detail>${detail}</detail></soap:Fault>${ENVELOPE_CLOSE}`
  );
}
