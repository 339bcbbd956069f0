// The routes an APS type's schema gives: provision, retrieve, configure, unprovision,
// enable/disable (suspendable types), link/unlink per relation, declared custom operations, and the
// application's upgrade, each with its Fastify schema. APS protocol only: no OX, no handlers.
import type { FastifySchema, HTTPMethods } from 'fastify';
import type { ServiceType } from './schema-registry.js';
import type { ApsOperation } from './types.js';

const SUSPENDABLE = 'http://aps-standard.org/types/core/suspendable/1.0';
const APPLICATION = 'http://aps-standard.org/types/core/application/1.0';
const UUID = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
// One schema object for every route that has it: ajv compiles an object once (by reference).
const ID_PARAMS = { params: { type: 'object', properties: { id: { type: 'string', pattern: UUID } } } };
const LINKED_PARAMS = {
  params: {
    type: 'object',
    properties: { id: { type: 'string', pattern: UUID }, linkedId: { type: 'string', pattern: UUID } },
  },
};
export interface RouteSpec {
  operation: ApsOperation;
  method: HTTPMethods;
  url: string;
  name?: string;
  pathParams?: string[];
}

/** provision, configure…; a custom operation by its name; link and unlink with their relation. */
export function operationLabel(route: RouteSpec): string {
  if (route.operation === 'custom') return route.name ?? 'custom';
  return route.name ? `${route.operation} ${route.name}` : route.operation;
}

export function routesFor(type: ServiceType): RouteSpec[] {
  const svc = `/${type.serviceId}`;
  const routes: RouteSpec[] = [
    { operation: 'provision', method: 'POST', url: svc },
    { operation: 'retrieve', method: 'GET', url: `${svc}/:id` },
    { operation: 'configure', method: 'PUT', url: `${svc}/:id` },
    { operation: 'unprovision', method: 'DELETE', url: `${svc}/:id` },
  ];
  const implementsTypes = type.schema.implements ?? [];
  if (implementsTypes.includes(SUSPENDABLE)) {
    routes.push(
      { operation: 'enable', method: 'PUT', url: `${svc}/:id/enable` },
      { operation: 'disable', method: 'PUT', url: `${svc}/:id/disable` },
    );
  }
  if (implementsTypes.includes(APPLICATION))
    routes.push({ operation: 'upgrade', method: 'POST', url: `${svc}/:id/upgrade` });
  for (const relation of Object.keys(type.schema.relations ?? {})) {
    routes.push(
      { operation: 'link', method: 'POST', url: `${svc}/:id/${relation}`, name: relation },
      { operation: 'unlink', method: 'DELETE', url: `${svc}/:id/${relation}/:linkedId`, name: relation },
    );
  }
  for (const [name, op] of Object.entries(type.schema.operations ?? {})) {
    const pathParams: string[] = [];
    const path = op.path.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, p: string) => {
      pathParams.push(p);
      return `:${p}`;
    });
    routes.push({
      operation: 'custom',
      method: httpMethod(op.verb, name),
      url: `${svc}/:id${path.startsWith('/') ? path : `/${path}`}`,
      name,
      pathParams,
    });
  }
  return routes;
}

const VERBS: Record<string, HTTPMethods> = { GET: 'GET', POST: 'POST', PUT: 'PUT', DELETE: 'DELETE' };

/** A custom operation's verb as a route method (the schemas declare GET, POST, PUT or DELETE). */
function httpMethod(verb: string, operation: string): HTTPMethods {
  const method = VERBS[verb.toUpperCase()];
  if (!method) throw new Error(`operation ${operation}: verb ${verb} is not GET, POST, PUT or DELETE`);
  return method;
}

const ANSWERING: ReadonlySet<ApsOperation> = new Set(['provision', 'retrieve', 'configure']);

/**
 * The route's schemas: its path parameters; the resource body it takes (provision, configure);
 * the resource it answers with, so the serializer writes declared properties only (no secret,
 * nothing internal a record holds), on 200 and on the 202 that echoes the body.
 */
export function schemaOf(route: RouteSpec, type: ServiceType): FastifySchema {
  const params = route.url.includes(':linkedId') ? LINKED_PARAMS : route.url.includes(':id') ? ID_PARAMS : {};
  if (!ANSWERING.has(route.operation)) return params;
  const body =
    route.operation === 'retrieve'
      ? {}
      : { body: type.bodies[route.operation === 'provision' ? 'provision' : 'configure'] };
  return { ...params, ...body, response: { 200: type.answer, 202: type.answer } };
}
