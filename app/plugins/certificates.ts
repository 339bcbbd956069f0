// When the instances' certificates run out. A controller cannot renew an instance certificate
// (aps2.md §14.5): its notAfter is the instance's end of life, so the endpoint says so early, in
// /readyz, in metrics, and in a warning from 30 days ahead (at start and daily).
import { X509Certificate } from 'node:crypto';
import fp from 'fastify-plugin';
import { Gauge } from 'prom-client';
import type { InstanceRecord } from '../store/ledger.js';
import { periodically } from '../util/periodic.js';

export const WARN_DAYS = 30;
const DAY_MS = 24 * 3600 * 1000;

export interface CertificateState {
  instance: string;
  certificate: 'instance' | 'controller';
  notAfter: string;
  daysLeft: number;
  /** Set from WARN_DAYS before the end: what runs out and what to do. */
  warning?: string;
}

// Parsing a certificate costs ~0.1 ms; the PEMs of an instance never change.
const notAfterByPem = new Map<string, number>();

function notAfterOf(pem: string): number | undefined {
  let at = notAfterByPem.get(pem);
  if (at === undefined) {
    try {
      at = new Date(new X509Certificate(pem).validTo).getTime();
    } catch {
      return undefined;
    }
    notAfterByPem.set(pem, at);
  }
  return at;
}

/** The instance's certificates (an OAuth instance may have none) and how long each has left. */
export function certificateStates(instance: InstanceRecord, now = Date.now()): CertificateState[] {
  const states: CertificateState[] = [];
  for (const [certificate, pem] of [
    ['instance', instance.instanceCert],
    ['controller', instance.controllerCert],
  ] as const) {
    const at = pem ? notAfterOf(pem) : undefined;
    if (at === undefined) continue;
    const daysLeft = Math.floor((at - now) / DAY_MS);
    const state: CertificateState = {
      instance: instance.id,
      certificate,
      notAfter: new Date(at).toISOString(),
      daysLeft,
    };
    if (daysLeft < WARN_DAYS) {
      state.warning =
        at <= now
          ? `The ${certificate} certificate of application instance ${instance.id} expired on ${state.notAfter}: the controller and the endpoint no longer trust each other`
          : `The ${certificate} certificate of application instance ${instance.id} expires in ${daysLeft} day(s), on ${state.notAfter}; it cannot be renewed: plan a new instance and move the subscriptions before then`;
    }
    states.push(state);
  }
  return states;
}

export default fp(
  async (fastify) => {
    const { ledger, log } = fastify;
    const all = async () => (await ledger.listInstances()).flatMap((i) => certificateStates(i));
    new Gauge({
      name: 'aps_certificate_expiry_seconds',
      help: 'Seconds until an instance or controller certificate expires (negative: expired)',
      labelNames: ['instance', 'certificate'],
      registers: [fastify.metrics.registry],
      async collect() {
        this.reset();
        for (const s of await all()) {
          this.set(
            { instance: s.instance, certificate: s.certificate },
            Math.round((Date.parse(s.notAfter) - Date.now()) / 1000),
          );
        }
      },
    });
    const warn = async () => {
      for (const { warning, ...state } of await all()) if (warning) log.warn(state, warning);
    };
    const stop = periodically(DAY_MS, warn);
    fastify.addHook('onReady', async () => void warn().catch(() => undefined));
    fastify.addHook('onClose', async () => stop());
  },
  { name: 'certificates', dependencies: ['ledger', 'metrics'] },
);
