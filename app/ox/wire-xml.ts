// The body of a SOAP request (the operation element) written from the contract, handed to
// node-soap as `_xml`: node-soap still builds the envelope, posts it and reads the answer. Its own
// writer looks every element up in the parsed WSDL schema (findChildSchemaObject, splitQName) and
// took ~8% of a mailbox provision's CPU. The output is the same bytes node-soap writes for the same
// arguments (test/ox/wire-xml.test.ts compares the two): elements in the contract's order, a data
// object's fields prefixed with their namespace (declared on the outermost field), text escaped.
import {
  DATA_TYPES,
  NS,
  SERVICES,
  type DataTypeName,
  type DataTypeSpec,
  type FieldSpec,
  type ServiceName,
} from './contract.js';
import { typesOf } from './service-types.js';
import { xmlText } from '../util/xml-text.js';

export { xmlText } from '../util/xml-text.js';

const PREFIX = { data: 'ns4', rmi: 'ns5' } as const;
const isDataType = (type: FieldSpec['type']): type is DataTypeName => Object.hasOwn(DATA_TYPES, type);
type Types = Record<DataTypeName, DataTypeSpec>;

function scalar(value: unknown): string {
  return typeof value === 'string' ? xmlText(value) : String(value);
}

/** Each value of a field: a repeated field's array element by element, anything else once. */
function valuesOf(field: FieldSpec, value: unknown): unknown[] {
  return field.many && Array.isArray(value) ? value : [value];
}

/** A data object's fields in the contract's order; the outermost ones declare their namespace. */
function dataObject(types: Types, type: DataTypeName, obj: unknown, outermost: boolean): string {
  if (typeof obj !== 'object' || obj === null) return scalar(obj);
  const { ns, fields } = types[type];
  const prefix = PREFIX[ns];
  const open = outermost ? ` xmlns:${prefix}="${NS[ns]}">` : '>';
  let out = '';
  for (const field of fields) {
    const value: unknown = Reflect.get(obj, field.name);
    if (value === undefined || value === null) continue;
    for (const v of valuesOf(field, value)) {
      const content = isDataType(field.type) ? dataObject(types, field.type, v, false) : scalar(v);
      out += `<${prefix}:${field.name}${open}${content}</${prefix}:${field.name}>`;
    }
  }
  return out;
}

/** `<operation xmlns="…">` with its parameters, as OX's WSDL orders them. */
export function operationXml(service: ServiceName, operation: string, args: Record<string, unknown>): string {
  const spec: { params: FieldSpec[] } | undefined = Reflect.get(SERVICES[service], operation);
  if (!spec) throw new Error(`no SOAP operation ${service}.${operation}`);
  // A service may define a type apart (an id-only Context): its own table.
  const types = typesOf(service);
  let out = `<${operation} xmlns="${NS.admin}">`;
  for (const param of spec.params) {
    const value = args[param.name];
    if (value === undefined || value === null) continue;
    for (const v of valuesOf(param, value)) {
      const content = isDataType(param.type) ? dataObject(types, param.type, v, true) : scalar(v);
      out += `<${param.name}>${content}</${param.name}>`;
    }
  }
  return `${out}</${operation}>`;
}
