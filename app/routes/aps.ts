// The APS 2 endpoint routes, generated from the type schemas: provision, retrieve, configure,
// unprovision, enable/disable (suspendable types), link/unlink per relation, declared custom
// operations, and the application's upgrade. Every call passes trust, validation and (when it
// changes something) the async protocol.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { isAccepted } from '../aps/async-protocol.js';
import { identityOf } from '../aps/request-identity.js';
import { dispatch, toStored } from '../aps/dispatch.js';
import { isRecord } from '../util/errors.js';
import { NOT_AN_OBJECT, badRequest, notFound } from '../aps/errors.js';
import { createInstance } from '../aps/instance-creation.js';
import { bodyValidator, validatorOf, type ServiceType } from '../aps/schema-registry.js';
import { verifyController } from '../aps/trust.js';
import { operationLabel, routesFor, schemaOf, type RouteSpec } from '../aps/route-table.js';
import { isOAuthSigned } from '../aps/oauth.js';
import type { ApsCall, ApsOperation, Outcome, ResourceServices } from '../aps/types.js';
import { INSTANCE_MAX_AGE_MS, type InstanceRecord } from '../store/ledger.js';

const MUTATING: ReadonlySet<ApsOperation> = new Set([
  'provision',
  'configure',
  'unprovision',
  'enable',
  'disable',
  'upgrade',
  'custom',
]);

/** What the generated routes read from a request: path parameters and the query, as strings. */
interface ApsRoute {
  Params: Partial<Record<string, string>>;
  Querystring: Record<string, string>;
}
type ApsRequest = FastifyRequest<ApsRoute>;

/** Names the lane of a request to the resource (one request of a lane runs at a time; the stored call tells which). */
function jobKey(call: ApsCall, route: RouteSpec): string {
  const plain = route.operation === 'provision' || route.operation === 'configure' || route.operation === 'unprovision';
  const base = `${call.instanceId} ${route.method} ${call.service}/${call.resourceId}`;
  if (plain) return base;
  // A link or unlink is its own request per linked resource: two members linked at once are two.
  const linked = route.operation === 'link' ? linkedIdOf(call.body) : call.linkedId;
  return `${base}/${route.name ?? route.operation}${linked ? `/${linked}` : ''}`;
}

/** The linked resource's id in a link notification's body ({aps: {id}}). */
function linkedIdOf(body: Record<string, unknown>): string | undefined {
  const aps = body.aps;
  return isRecord(aps) && typeof aps.id === 'string' ? aps.id : undefined;
}

function header(req: FastifyRequest, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function asObject(body: unknown): Record<string, unknown> {
  if (body === undefined || body === null) return {};
  if (!isRecord(body)) throw NOT_AN_OBJECT();
  return body;
}

/** base + [0, base) seconds, so that the controller's many waiting tasks do not come due in one second. */
function jittered(seconds: number): number {
  return seconds + Math.floor(Math.random() * seconds);
}

function send(reply: FastifyReply, result: Outcome | ReturnType<typeof acceptedOf>): FastifyReply {
  if ('accepted' in result) {
    return reply
      .code(202)
      .header('APS-Retry-Timeout', String(jittered(result.retryTimeout)))
      .header('APS-Info', result.info)
      .send(result.body ?? {});
  }
  if (result.status === 204) return reply.code(204).send();
  return reply.code(result.status).send(result.body ?? {});
}

function acceptedOf(a: { retryTimeout: number; info: string }, body: unknown) {
  return {
    accepted: true as const,
    retryTimeout: a.retryTimeout,
    info: a.info.replace(/[\r\n]+/g, ' ').slice(0, 500),
    body,
  };
}

/** What the ledger holds already of a resource answered with 202 (nothing when it cannot say). */
async function knownSoFar(services: ResourceServices, call: ApsCall): Promise<Record<string, unknown> | undefined> {
  if (call.operation !== 'provision' && call.operation !== 'configure') return undefined;
  return services[call.service]?.known?.(call).catch(() => undefined);
}

function buildCall(req: ApsRequest, route: RouteSpec, type: ServiceType): ApsCall {
  const params = req.params;
  const body = asObject(req.body);
  const phase = header(req, 'aps-request-phase') === 'async' ? 'async' : 'sync';
  const resourceId =
    route.operation === 'provision' ? String((isRecord(body.aps) ? body.aps.id : undefined) ?? '') : (params.id ?? '');
  const pathParams = Object.fromEntries((route.pathParams ?? []).map((p) => [p, params[p] ?? '']));
  return {
    service: type.serviceId,
    operation: route.operation,
    resourceId,
    name: route.name,
    linkedId: params.linkedId,
    instanceId: header(req, 'aps-instance-id') ?? '',
    body,
    query: { ...req.query },
    params: pathParams,
    // Only a transaction the controller named: a call back then joins it.
    transactionId: header(req, 'aps-transaction-id') ?? '',
    phase,
    controllerUri: header(req, 'aps-controller-uri') ?? '',
    log: req.log,
    identityId: header(req, 'aps-identity-id'),
    originalIdentityId: header(req, 'aps-original-identity-id'),
  };
}

/** Verifies the calling instance's controller; the call then carries the controller's current address. */
async function acceptCaller(
  fastify: FastifyInstance,
  req: ApsRequest,
  call: ApsCall,
  type: ServiceType,
  instance: InstanceRecord | undefined,
) {
  const { ledger } = fastify;
  verifyController(req, call.instanceId, instance);
  // An instance acts on itself only: /app/<another instance> is not its resource.
  if (type.serviceId === 'app' && call.resourceId !== call.instanceId) {
    throw notFound(`Application instance ${call.resourceId} is not the calling instance ${call.instanceId}`);
  }
  if (call.controllerUri && call.controllerUri !== instance.controllerUri) {
    await ledger.updateInstance(call.instanceId, { controllerUri: call.controllerUri });
  }
  call.controllerUri ||= instance.controllerUri;
  call.instance = instance;
}

/** What the endpoint answers (read-only, or told in a 202) and the controller may send back on its polls. */
function echoable(type: ServiceType, services: ResourceServices): ReadonlySet<string> {
  return new Set([...type.readonly, ...(services[type.serviceId]?.echoed ?? [])]);
}

/** A change runs under the async protocol: answered with its outcome, or 202 while it goes on. */
async function mutate(
  fastify: FastifyInstance,
  reply: FastifyReply,
  call: ApsCall,
  route: RouteSpec,
  echoes: ReadonlySet<string>,
): Promise<FastifyReply> {
  const services = fastify.apsServices;
  const input = toStored(call);
  const identity = identityOf(input, route.operation === 'custom' ? undefined : echoes);
  const meta = { instanceId: call.instanceId, resourceId: call.resourceId, phase: call.phase, input, identity };
  const result = await fastify.apsAsync.handle(jobKey(call, route), meta, () => dispatch(services, call));
  if (isAccepted(result)) {
    // The request is answered: what still runs for it calls the controller outside its transaction.
    call.transactionId = '';
    return send(
      reply,
      acceptedOf(
        result,
        route.operation === 'unprovision' ? {} : { ...call.body, ...(await knownSoFar(services, call)) },
      ),
    );
  }
  if (route.operation === 'unprovision' && call.service === 'app') {
    await fastify.ledger.deleteInstance(call.instanceId);
    fastify.controllers.forget(call.instanceId);
  }
  return send(reply, result);
}

async function handle(
  fastify: FastifyInstance,
  req: ApsRequest,
  reply: FastifyReply,
  route: RouteSpec,
  type: ServiceType,
  echoes: ReadonlySet<string>,
): Promise<FastifyReply> {
  const { ledger, apsServices: services, config } = fastify;
  const call = buildCall(req, route, type);
  if (type.serviceId === 'app' && route.operation === 'provision') {
    if (call.instanceId && call.instanceId !== call.resourceId)
      throw badRequest('APS-Instance-ID differs from the new application resource id');
    call.instanceId = call.resourceId;
    return send(reply, await createInstance({ ledger, services, config }, req, call));
  }
  if (!call.instanceId) throw badRequest('The APS-Instance-ID header is missing');
  const instance = await ledger.getInstance(call.instanceId, { maxAgeMs: INSTANCE_MAX_AGE_MS });
  // A repeated removal of an instance already removed is done (it changes nothing).
  if (!instance && type.serviceId === 'app' && route.operation === 'unprovision') return send(reply, { status: 204 });
  await acceptCaller(fastify, req, call, type, instance);
  const unshared = route.operation === 'custom' && services[call.service]?.unshared?.includes(call.name ?? '');
  if (!MUTATING.has(route.operation) || (route.operation === 'custom' && route.method === 'GET') || unshared) {
    return send(reply, await dispatch(services, call));
  }
  if (header(req, 'aps-scheduled-on-date')) {
    throw badRequest(
      `A scheduled operation (APS-Scheduled-On-Date) is not supported: ${route.method} ${type.serviceId} is applied when it arrives, so send it when it is due`,
    );
  }
  return mutate(fastify, reply, call, route, echoes);
}

export default fp(
  async function apsRoutes(fastify: FastifyInstance) {
    const schemas = fastify.apsSchemas;
    async function checkSignature(req: FastifyRequest): Promise<void> {
      if (isOAuthSigned(req.headers.authorization)) req.oauthKey = await fastify.oauth.verify(req);
    }

    for (const type of schemas.types.values()) {
      const echoes = echoable(type, fastify.apsServices);
      for (const route of routesFor(type)) {
        fastify.route<ApsRoute>({
          method: route.method,
          url: route.url,
          schema: schemaOf(route, type),
          validatorCompiler: ({ schema, httpPart }) =>
            httpPart === 'body' ? bodyValidator(type.serviceId, schema) : validatorOf(schema),
          // Metrics (and anything else that asks) read the APS service and operation from here.
          config: { aps: { service: type.serviceId, operation: operationLabel(route) } },
          // A signed request is checked before its body: a bad signature is 401 whatever it carries.
          preValidation: checkSignature,
          handler: (req, reply) => handle(fastify, req, reply, route, type, echoes),
        });
      }
    }
  },
  {
    name: 'aps-routes',
    dependencies: ['ledger', 'aps-services', 'aps-schemas', 'config', 'controllers', 'oauth', 'async-protocol'],
  },
);

declare module 'fastify' {
  interface FastifyContextConfig {
    /** On the APS routes: the service and the operation (a custom one by name; link and unlink with the relation). */
    aps?: { service: string; operation: string };
  }
}
