// Creating an application instance (POST /app from the controller): only from an allowed address,
// with the certificates of aps.x509 (the controller's must be the caller's) or, for APS Connect,
// an OAuth signature whose consumer key the instance is then bound to; never overwriting an
// instance; the app resource is then provisioned, and the instance is removed again if that fails.
import type { FastifyRequest } from 'fastify';
import { isAllowed, type Config } from '../config.js';
import type { InstanceRecord, Ledger } from '../store/ledger.js';
import { isRecord } from '../util/errors.js';
import { pemToDer, splitCertAndKey } from '../util/tls.js';
import { dispatch } from './dispatch.js';
import { badRequest, conflict, forbidden, unauthorized } from './errors.js';
import { peerCertificate, requireValidNow, sameCertificate } from './trust.js';
import type { ApsCall, Outcome, ResourceServices } from './types.js';

export interface InstanceCreationDeps {
  ledger: Ledger;
  services: ResourceServices;
  config: Config;
}

/** How the controller proves itself for this instance: its certificate, or an OAuth consumer key. */
interface Credentials {
  controllerCert: string;
  instanceCert: string;
  instanceKey?: string;
  oauthKey?: string;
}

/** aps.x509: the instance's certificate and key, and the controller's certificate, valid now. */
function certificatesOf(x509: Record<string, unknown>): Credentials {
  const { self, controller } = x509;
  if (typeof self !== 'string' || typeof controller !== 'string' || !self || !controller) {
    throw badRequest(
      'Instance creation needs aps.x509.self and aps.x509.controller (certificate mode), or an OAuth signature (APS Connect)',
    );
  }
  let identity: { cert: string; key: string };
  try {
    identity = splitCertAndKey(self);
    pemToDer(controller);
  } catch {
    throw badRequest(
      'aps.x509.self must hold a certificate and its private key, aps.x509.controller a certificate (PEM)',
    );
  }
  requireValidNow(controller, 'aps.x509.controller');
  requireValidNow(identity.cert, 'aps.x509.self');
  return { controllerCert: controller, instanceCert: identity.cert, instanceKey: identity.key };
}

/**
 * Certificate mode: the caller presents the controller certificate of aps.x509. OAuth mode: the
 * verified consumer key is bound to the instance; aps.x509, if the controller sends it too, is kept.
 */
function credentialsOf(req: FastifyRequest, aps: Record<string, unknown>): Credentials {
  const x509 = isRecord(aps.x509) ? aps.x509 : undefined;
  if (req.oauthKey) {
    return { ...(x509 ? certificatesOf(x509) : { controllerCert: '', instanceCert: '' }), oauthKey: req.oauthKey };
  }
  const creds = certificatesOf(x509 ?? {});
  const peer = peerCertificate(req);
  if (peer && !sameCertificate(peer, creds.controllerCert))
    throw forbidden('The client certificate is not the controller certificate in aps.x509.controller');
  return creds;
}

/** Whether an existing instance was created by this same request (the controller repeats it). */
function sameCreation(req: FastifyRequest, existing: InstanceRecord, creds: Credentials): boolean {
  if (existing.oauthKey || creds.oauthKey)
    return existing.oauthKey === creds.oauthKey && existing.instanceCert === creds.instanceCert;
  const peer = peerCertificate(req);
  return Boolean(
    peer && sameCertificate(peer, existing.controllerCert) && existing.instanceCert === creds.instanceCert,
  );
}

export async function createInstance(deps: InstanceCreationDeps, req: FastifyRequest, call: ApsCall): Promise<Outcome> {
  const { ledger, services, config } = deps;
  const aps: Record<string, unknown> = isRecord(call.body.aps) ? call.body.aps : {};
  if (!isAllowed(config.allowFrom, req.socket.remoteAddress)) {
    throw forbidden(
      `Application instances may not be created from ${req.socket.remoteAddress}: add the controller's address to APS_ALLOW_FROM`,
    );
  }
  if (config.APS_PLAIN_HTTP && !req.oauthKey) {
    throw unauthorized(
      'This endpoint listens in plain HTTP behind a proxy (APS_PLAIN_HTTP): only APS Connect instances, signed with OAuth, can be created here',
    );
  }
  const creds = credentialsOf(req, aps);
  const existing = await ledger.getInstance(call.resourceId);
  if (existing) {
    // Only the same controller repeating the same creation gets an answer; nothing is overwritten.
    if (sameCreation(req, existing, creds))
      return { status: 200, body: { ...call.body, aps: { id: existing.id, type: aps.type } } };
    throw conflict(`Application instance ${call.resourceId} exists already; it is never overwritten`);
  }
  const now = Date.now();
  const created = await ledger.createInstance({
    id: call.resourceId,
    controllerUri: call.controllerUri,
    controllerCert: creds.controllerCert,
    instanceCert: creds.instanceCert,
    oauthKey: creds.oauthKey ?? null,
    secrets: creds.instanceKey ? { instanceKey: creds.instanceKey } : {},
    settings: {},
    createdAt: now,
    updatedAt: now,
  });
  if (!created) throw conflict(`Application instance ${call.resourceId} exists already; it is never overwritten`);
  try {
    return await dispatch(services, call);
  } catch (err) {
    await ledger.deleteInstance(call.resourceId);
    throw err;
  }
}
