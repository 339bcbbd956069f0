// A throwaway PKI for tests: a CA, and certificates it issues (controller, instance, strangers).
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import forge from 'node-forge';

export interface Issued {
  cert: string;
  key: string;
}

function keyPair(): { keyPem: string; publicKey: forge.pki.PublicKey } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    keyPem: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    publicKey: forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString()),
  };
}

/** When a certificate is valid, in ms from now (default: from a minute ago for a day). */
export interface Validity {
  from: number;
  to: number;
}

type Issuer = { name: forge.pki.CertificateField[]; key: string };

function build(
  cn: string, publicKey: forge.pki.PublicKey, issuer: Issuer | undefined, ca: boolean, validity: Validity = { from: -60_000, to: 86_400_000 },
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
    { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }, { type: 2, value: 'localhost' }] },
  ]);
  return cert;
}

export class TestCa {
  readonly cert: string;
  private readonly key: string;
  private readonly subject: forge.pki.CertificateField[];

  constructor(name = 'Test APS CA') {
    const { keyPem, publicKey } = keyPair();
    const cert = build(name, publicKey, undefined, true);
    cert.sign(forge.pki.privateKeyFromPem(keyPem), forge.md.sha256.create());
    this.cert = forge.pki.certificateToPem(cert);
    this.key = keyPem;
    this.subject = cert.subject.attributes;
  }

  issue(cn: string, validity?: Validity): Issued {
    const { keyPem, publicKey } = keyPair();
    const cert = build(cn, publicKey, { name: this.subject, key: this.key }, false, validity);
    cert.sign(forge.pki.privateKeyFromPem(this.key), forge.md.sha256.create());
    return { cert: forge.pki.certificateToPem(cert), key: keyPem };
  }
}
