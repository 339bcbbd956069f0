// APS type schemas (schemas/*.schema, apsVersion 2.0) as the router's source of truth: the
// services, their relations and custom operations, the JSON Schemas of the bodies the routes
// validate (with ajv) and of the resources they answer (written by Fastify's serializer).
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { isRecord } from '../util/errors.js';
import { NOT_AN_OBJECT, validationError } from './errors.js';

export interface ApsProperty {
  type: string;
  required?: boolean;
  readonly?: boolean;
  encrypted?: boolean;
  enum?: unknown[];
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  default?: unknown;
  items?: ApsProperty;
  properties?: Record<string, ApsProperty>;
  title?: string;
  description?: string;
  unit?: string;
}

export interface ApsRelation {
  type: string;
  required?: boolean;
  collection?: boolean;
}

export interface ApsOperationSpec {
  verb: string;
  path: string;
  parameters?: Record<string, { type: string; kind: 'body' | 'query' | 'path'; required?: boolean }>;
  response?: unknown;
}

export interface ApsSchema {
  apsVersion: string;
  name: string;
  id: string;
  implements?: string[];
  properties?: Record<string, ApsProperty>;
  relations?: Record<string, ApsRelation>;
  operations?: Record<string, ApsOperationSpec>;
  structures?: Record<string, ApsProperty>;
}

export interface ServiceType {
  serviceId: string;
  schema: ApsSchema;
  /** The declared properties a resource stores and answers with (its secrets are not among them). */
  answered: string[];
  /** The read-only properties: the endpoint sets them, and the controller may send them back. */
  readonly: ReadonlySet<string>;
  /** What a provision and a configure body must be. */
  bodies: Record<Mode, object>;
  /** The resource as we answer it: only what this schema lists reaches the controller. */
  answer: object;
}

const CORE_RESOURCE = 'http://aps-standard.org/types/core/resource/1.0';
const UUID = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
const NUMBER_OR_NULL = { type: ['number', 'null'] };
// A limit becomes an OX quota (MB, a signed 64-bit byte count after OX shifts it by 20 bits) or
// a count: a whole number, -1 (unlimited) or more, below 2^43.
const LIMIT = { type: ['integer', 'null'], minimum: -1, maximum: 2 ** 43 - 1 };
const CORE_STRUCTURES: Record<string, object> = {
  Counter: { type: 'object', properties: { usage: NUMBER_OR_NULL, limit: LIMIT } },
  Limit: { type: 'object', properties: { limit: LIMIT } },
  Usage: { type: 'object', properties: { usage: NUMBER_OR_NULL } },
};

export type Mode = 'provision' | 'configure';

function propertySchema(p: ApsProperty, schema: ApsSchema, mode: Mode): object {
  const [typeId, structure] = p.type.split('#');
  if (structure && typeId === CORE_RESOURCE && CORE_STRUCTURES[structure]) return CORE_STRUCTURES[structure];
  if (schema.structures?.[p.type]) return propertySchema(schema.structures[p.type], schema, mode);
  const out: Record<string, unknown> = { type: p.type === 'integer' ? 'integer' : p.type };
  for (const key of [
    'enum',
    'pattern',
    'minLength',
    'maxLength',
    'minimum',
    'maximum',
    'minItems',
    'maxItems',
    'uniqueItems',
    'default',
  ] as const) {
    if (p[key] !== undefined) out[key] = p[key];
  }
  if (p.type === 'array' && p.items) out.items = propertySchema(p.items, schema, mode);
  if (p.type === 'object' && p.properties) Object.assign(out, objectSchema(p.properties, {}, schema, mode));
  if (!['string', 'integer', 'number', 'boolean', 'array', 'object'].includes(p.type)) {
    throw new Error(`${schema.name}: unknown property type ${p.type}`);
  }
  return out;
}

function linkSchema(rel: ApsRelation, mode: Mode): object {
  if (rel.collection) return { type: ['object', 'array'] };
  const id = { type: 'string', pattern: UUID };
  // A link arrives as {aps:{id}} or {aps:{link,href,id}}; on configure it may be absent or null.
  const aps = {
    type: 'object',
    properties: { id, link: { type: 'string' }, href: { type: 'string' } },
    required: mode === 'provision' && rel.required ? ['id'] : [],
  };
  return { type: mode === 'configure' ? ['object', 'null'] : 'object', properties: { aps }, required: ['aps'] };
}

function objectSchema(
  props: Record<string, ApsProperty>,
  rels: Record<string, ApsRelation>,
  schema: ApsSchema,
  mode: Mode,
) {
  const properties: Record<string, object> = {};
  const required: string[] = [];
  for (const [name, p] of Object.entries(props)) {
    properties[name] = propertySchema(p, schema, mode);
    if (p.required && mode === 'provision') required.push(name);
  }
  for (const [name, rel] of Object.entries(rels)) {
    properties[name] = linkSchema(rel, mode);
    if (rel.required && mode === 'provision') required.push(name);
  }
  return { type: 'object', properties, required };
}

/** The JSON Schema of a resource body; unknown properties are allowed and kept. */
export function bodySchema(schema: ApsSchema, mode: Mode): object {
  const root = objectSchema(schema.properties ?? {}, schema.relations ?? {}, schema, mode);
  root.properties.aps = {
    type: 'object',
    properties: { id: { type: 'string', pattern: UUID }, type: { type: 'string' } },
    required: mode === 'provision' ? ['id'] : [],
  };
  if (mode === 'provision') root.required.unshift('aps');
  return root;
}

// Input constraints: an answer is what the resource holds, checked when it came in.
const NOT_IN_ANSWERS = new Set([
  'default',
  'required',
  'enum',
  'pattern',
  'minLength',
  'maxLength',
  'minimum',
  'maximum',
  'minItems',
  'maxItems',
  'uniqueItems',
]);

/**
 * A body schema as an answer schema: what the resource holds, as it is. Defaults and required
 * lists go (the serializer would invent the one and refuse a record without the other), and
 * every value may be null (it would write 0 or "" for a null).
 */
function asAnswer(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(asAnswer);
  if (!isRecord(schema)) return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (NOT_IN_ANSWERS.has(key)) continue;
    if (key === 'type') out.type = [...new Set([value, 'null'].flat())];
    else
      out[key] =
        key === 'properties' && isRecord(value)
          ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, asAnswer(v)]))
          : asAnswer(value);
  }
  return out;
}

/** A structure's members without its encrypted ones (an answer never carries them, at any depth). */
function withoutEncrypted(p: ApsProperty, schema: ApsSchema): ApsProperty {
  const resolved = schema.structures?.[p.type] ?? p;
  if (!resolved.properties) return p;
  const kept = Object.entries(resolved.properties)
    .filter(([, member]) => !member.encrypted)
    .map(([n, member]) => [n, withoutEncrypted(member, schema)]);
  return { ...resolved, properties: Object.fromEntries(kept) };
}

/**
 * The resource we answer with: its aps id and type, its declared properties but the encrypted
 * ones, and its single links. Everything else a record or an echoed body holds is left out.
 */
export function answerSchema(schema: ApsSchema): object {
  const properties: Record<string, unknown> = {
    aps: { type: 'object', properties: { id: { type: 'string' }, type: { type: 'string' } } },
  };
  for (const [name, p] of Object.entries(schema.properties ?? {})) {
    if (!p.encrypted) properties[name] = asAnswer(propertySchema(withoutEncrypted(p, schema), schema, 'configure'));
  }
  for (const [name, rel] of Object.entries(schema.relations ?? {})) {
    if (!rel.collection) properties[name] = asAnswer(linkSchema(rel, 'configure'));
  }
  return { type: 'object', properties };
}

const PROPERTY_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

const ajv = new Ajv({ allErrors: false, useDefaults: true, coerceTypes: false, strict: false });
/** Validators by body schema (its JSON): an app built again in the same process compiles nothing. */
const validators = new Map<string, ValidateFunction>();

/** The compiled validator of a body schema (throws when it does not compile). */
export function validatorOf(body: object): ValidateFunction {
  const key = JSON.stringify(body);
  let validate = validators.get(key);
  if (!validate) {
    validate = ajv.compile(body);
    validators.set(key, validate);
  }
  return validate;
}

export class SchemaRegistry {
  readonly types = new Map<string, ServiceType>();

  constructor(dir: string) {
    for (const file of readdirSync(dir)
      .filter((f) => f.endsWith('.schema'))
      .sort()) {
      const schema: ApsSchema = JSON.parse(readFileSync(join(dir, file), 'utf8'));
      this.add(basename(file, '.schema'), schema);
    }
  }

  private add(serviceId: string, schema: ApsSchema): void {
    for (const name of [...Object.keys(schema.properties ?? {}), ...Object.keys(schema.relations ?? {})]) {
      if (!PROPERTY_NAME.test(name)) throw new Error(`${serviceId}: property name ${name} is not allowed`);
    }
    this.types.set(serviceId, {
      serviceId,
      schema,
      answered: Object.entries(schema.properties ?? {})
        .filter(([, p]) => !p.encrypted)
        .map(([n]) => n),
      readonly: new Set(
        Object.entries(schema.properties ?? {})
          .filter(([, p]) => p.readonly)
          .map(([n]) => n),
      ),
      bodies: { provision: bodySchema(schema, 'provision'), configure: bodySchema(schema, 'configure') },
      answer: answerSchema(schema),
    });
  }

  get(serviceId: string): ServiceType | undefined {
    return this.types.get(serviceId);
  }
}

/**
 * A route's body validator (Fastify's custom compiler shape): fills in defaults, and answers a
 * 400 naming the first bad property. An absent body is checked as {} (the handler reads it so).
 */
export function bodyValidator(serviceId: string, schema: object): (body: unknown) => true | { error: Error } {
  const validate = validatorOf(schema);
  return (body) => {
    if (body !== null && body !== undefined && !isRecord(body)) return { error: NOT_AN_OBJECT() };
    return (
      validate(body ?? {}) || {
        error: validationError(`Invalid ${serviceId} resource: ${describe(validate.errors?.[0])}`),
      }
    );
  };
}

function describe(err: ErrorObject | undefined): string {
  if (!err) return 'invalid body';
  const path = err.instancePath.split('/').filter(Boolean).join('.');
  if (err.keyword === 'required') {
    const missing = [path, String(err.params.missingProperty)].filter(Boolean).join('.');
    return `property "${missing}" is required`;
  }
  const values: unknown = err.params.allowedValues;
  const allowed = err.keyword === 'enum' && Array.isArray(values) ? ` (${values.join(', ')})` : '';
  return `property "${path || '(body)'}" ${err.message ?? 'is invalid'}${allowed}`;
}
