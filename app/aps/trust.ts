// Who may call: the controller whose certificate was stored when the instance was created
// (compared byte for byte) or, for an APS Connect instance, a request signed with its consumer
// key; and for instance creation only addresses in APS_ALLOW_FROM.
import { X509Certificate } from 'node:crypto';
import { TLSSocket } from 'node:tls';
import type { FastifyRequest } from 'fastify';
import type { InstanceRecord } from '../store/ledger.js';
import { pemToDer } from '../util/tls.js';
import { badRequest, forbidden, unauthorized } from './errors.js';

// The peer certificate of a keep-alive connection does not change: read it once per socket.
const peerBySocket = new WeakMap<object, Buffer | null>();

export function peerCertificate(req: FastifyRequest): Buffer | undefined {
  const socket = req.raw.socket;
  let der = peerBySocket.get(socket);
  if (der === undefined) {
    const raw = socket instanceof TLSSocket ? socket.getPeerCertificate()?.raw : undefined;
    der = raw && raw.length ? raw : null;
    peerBySocket.set(socket, der);
  }
  return der ?? undefined;
}

// The instance certificates' DER, decoded once each: every request compares its peer's with one.
const derByPem = new Map<string, Buffer | null>();
const MAX_DECODED = 1000;

function derOf(pem: string): Buffer | null {
  let der = derByPem.get(pem);
  if (der !== undefined) return der;
  try {
    der = pemToDer(pem);
  } catch {
    der = null;
  }
  if (derByPem.size >= MAX_DECODED) derByPem.clear();
  derByPem.set(pem, der);
  return der;
}

export function sameCertificate(der: Buffer | undefined, pem: string): boolean {
  const expected = der && derOf(pem);
  return Boolean(expected && der.equals(expected));
}

/**
 * Throws unless the request comes from the instance's controller: 403 without its certificate;
 * for an OAuth instance, 401 unless signed (checked before) with the key it was created with.
 */
export function verifyController(
  req: FastifyRequest,
  instanceId: string,
  instance: InstanceRecord | undefined,
): asserts instance {
  if (!instance) throw forbidden(`Unknown application instance ${instanceId}: it was never created on this endpoint`);
  if (instance.oauthKey) {
    if (!req.oauthKey)
      throw unauthorized(
        `Application instance ${instanceId} is an APS Connect (OAuth) instance: requests must be signed with its consumer key`,
      );
    if (req.oauthKey !== instance.oauthKey)
      throw unauthorized(
        `The request is signed with a consumer key other than the one application instance ${instanceId} was created with`,
      );
    return;
  }
  const peer = peerCertificate(req);
  if (!peer) throw forbidden('A client certificate is required: present the APS controller certificate');
  if (!sameCertificate(peer, instance.controllerCert)) {
    throw forbidden(
      `The client certificate is not the controller certificate stored for application instance ${instanceId}`,
    );
  }
}

/** Throws 400 when a certificate the controller sent is outside its validity period. */
export function requireValidNow(pem: string, field: string, now = Date.now()): void {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pem);
  } catch {
    throw badRequest(`${field}: not a readable X.509 certificate (PEM)`);
  }
  const from = new Date(cert.validFrom);
  const to = new Date(cert.validTo);
  const day = (d: Date) => d.toISOString().slice(0, 10);
  if (now > to.getTime()) {
    throw badRequest(
      `${field}: the certificate expired on ${day(to)} (${to.toISOString()}); renew it in the controller and create the instance again`,
    );
  }
  if (now < from.getTime()) {
    throw badRequest(
      `${field}: the certificate is not valid before ${day(from)} (${from.toISOString()}); check the clocks of the controller and the endpoint`,
    );
  }
}
