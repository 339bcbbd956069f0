// A throwaway PKI for tests and the demo: a CA, and certificates it issues (controller, instance,
// strangers). Certificates are built with node-forge and signed with node's crypto (forge's
// JavaScript RSA is ~50 ms a signature).
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import forge from 'node-forge';

export interface Issued {
  cert: string;
  key: string;
}

/**
 * RSA keys made once per machine for the test suite (test/support/key-pool.ts, tap's `before`).
 * Generating a 2048-bit key costs 100–600 ms of CPU, and each test stack needs four: that was half
 * the suite's CPU. Used only when OX_APS_TEST_KEYS=pool (tap's test-env); each key once per process.
 */
export const KEY_POOL_FILE = join(process.cwd(), 'node_modules', '.cache', 'ox-aps-connector', 'test-keys.json');
let pool: string[] | undefined;

function pooledKey(): string | undefined {
  if (process.env.OX_APS_TEST_KEYS !== 'pool') return undefined;
  pool ??= existsSync(KEY_POOL_FILE) ? (JSON.parse(readFileSync(KEY_POOL_FILE, 'utf8')) as string[]) : [];
  return pool.shift();
}

export function newRsaKey(): string {
  return generateKeyPairSync('rsa', { modulusLength: 2048 })
    .privateKey.export({ type: 'pkcs1', format: 'pem' })
    .toString();
}

function keyPair(): { keyPem: string; publicKey: forge.pki.PublicKey } {
  const keyPem = pooledKey() ?? newRsaKey();
  const { n, e } = forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey;
  return { keyPem, publicKey: forge.pki.setRsaPublicKey(n, e) };
}

/** When a certificate is valid, in ms from now (default: from a minute ago for a day). */
export interface Validity {
  from: number;
  to: number;
}

type Issuer = { name: forge.pki.CertificateField[]; key: string };
/** forge's own step between building and signing, which its typings leave out. */
const tbsOf = (forge.pki as unknown as { getTBSCertificate(cert: forge.pki.Certificate): forge.asn1.Asn1 })
  .getTBSCertificate;

function build(
  cn: string,
  publicKey: forge.pki.PublicKey,
  issuer: Issuer | undefined,
  ca: boolean,
  validity: Validity = { from: -60_000, to: 365 * 86_400_000 },
): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = `01${randomBytes(8).toString('hex')}`;
  cert.validity.notBefore = new Date(Date.now() + validity.from);
  cert.validity.notAfter = new Date(Date.now() + validity.to);
  const subject = [{ name: 'commonName', value: cn }];
  cert.setSubject(subject);
  cert.setIssuer(issuer?.name ?? subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: ca },
    {
      name: 'subjectAltName',
      altNames: [
        { type: 7, ip: '127.0.0.1' },
        { type: 2, value: 'localhost' },
      ],
    },
  ]);
  return cert;
}

/** Signs as forge's cert.sign(key, sha256) does, with node's crypto doing the RSA. */
function signed(cert: forge.pki.Certificate, issuerKeyPem: string): string {
  cert.signatureOid = cert.siginfo.algorithmOid = forge.pki.oids.sha256WithRSAEncryption;
  const der = Buffer.from(forge.asn1.toDer(tbsOf(cert)).getBytes(), 'binary');
  cert.signature = sign('sha256', der, issuerKeyPem).toString('binary');
  return forge.pki.certificateToPem(cert);
}

export class TestCa {
  readonly cert: string;
  private readonly key: string;
  private readonly subject: forge.pki.CertificateField[];

  constructor(name = 'Test APS CA') {
    const { keyPem, publicKey } = keyPair();
    const cert = build(name, publicKey, undefined, true);
    this.cert = signed(cert, keyPem);
    this.key = keyPem;
    this.subject = cert.subject.attributes;
  }

  issue(cn: string, validity?: Validity): Issued {
    const { keyPem, publicKey } = keyPair();
    const cert = build(cn, publicKey, { name: this.subject, key: this.key }, false, validity);
    return { cert: signed(cert, this.key), key: keyPem };
  }
}
