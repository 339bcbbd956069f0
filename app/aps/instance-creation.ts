// Creating an application instance (POST /app from the controller): only from an allowed address,
// with the certificates of aps.x509 (the controller's must be the caller's), never overwriting an
// instance; the app resource is then provisioned, and the instance is removed again if that fails.
import type { FastifyRequest } from 'fastify';
import { isAllowed, type Config } from '../config.js';
import type { Ledger } from '../store/ledger.js';
import { isRecord } from '../util/errors.js';
import { pemToDer, splitCertAndKey } from '../util/tls.js';
import { dispatch } from './dispatch.js';
import { badRequest, conflict, forbidden } from './errors.js';
import { peerCertificate, requireValidNow, sameCertificate } from './trust.js';
import type { ApsCall, Outcome, ResourceServices } from './types.js';

export interface InstanceCreationDeps {
  ledger: Ledger;
  services: ResourceServices;
  config: Config;
}

export async function createInstance(deps: InstanceCreationDeps, req: FastifyRequest, call: ApsCall): Promise<Outcome> {
  const { ledger, services, config } = deps;
  const aps: Record<string, unknown> = isRecord(call.body.aps) ? call.body.aps : {};
  if (!isAllowed(config.allowFrom, req.socket.remoteAddress)) {
    throw forbidden(`Application instances may not be created from ${req.socket.remoteAddress}: add the controller's address to APS_ALLOW_FROM`);
  }
  const x509: Record<string, unknown> = isRecord(aps.x509) ? aps.x509 : {};
  if (typeof x509.self !== 'string' || typeof x509.controller !== 'string' || !x509.self || !x509.controller) {
    throw badRequest('Instance creation needs aps.x509.self and aps.x509.controller (certificate mode)');
  }
  const { self, controller } = x509;
  let identity: { cert: string; key: string };
  try {
    identity = splitCertAndKey(self);
    pemToDer(controller);
  } catch {
    throw badRequest('aps.x509.self must hold a certificate and its private key, aps.x509.controller a certificate (PEM)');
  }
  requireValidNow(controller, 'aps.x509.controller');
  requireValidNow(identity.cert, 'aps.x509.self');
  const peer = peerCertificate(req);
  if (peer && !sameCertificate(peer, controller)) throw forbidden('The client certificate is not the controller certificate in aps.x509.controller');
  const existing = await ledger.getInstance(call.resourceId);
  if (existing) {
    // Only the same controller repeating the same creation gets an answer; nothing is overwritten.
    if (peer && sameCertificate(peer, existing.controllerCert) && existing.instanceCert === identity.cert) {
      return { status: 200, body: { ...call.body, aps: { id: existing.id, type: aps.type } } };
    }
    throw conflict(`Application instance ${call.resourceId} exists already; it is never overwritten`);
  }
  const now = Date.now();
  const created = await ledger.createInstance({
    id: call.resourceId, controllerUri: call.controllerUri, controllerCert: controller, instanceCert: identity.cert,
    secrets: { instanceKey: identity.key }, settings: {}, createdAt: now, updatedAt: now,
  });
  if (!created) throw conflict(`Application instance ${call.resourceId} exists already; it is never overwritten`);
  try {
    return await dispatch(services, call);
  } catch (err) {
    await ledger.deleteInstance(call.resourceId);
    throw err;
  }
}
