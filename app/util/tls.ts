// The endpoint's TLS identity: the configured files, or a self-signed certificate generated once
// into DATA_DIR (node's RSA key generation, node-forge for the X.509 certificate).
import { X509Certificate, createPrivateKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import forge from 'node-forge';
import { ConfigError, ensureDataDir, readSettingFile } from './setting-files.js';

export interface TlsIdentity {
  cert: string;
  key: string;
  generated?: boolean;
}

export function selfSignedCertificate(commonName: string, altNames: string[] = []): TlsIdentity {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString());
  cert.serialNumber = `01${randomBytes(15).toString('hex')}`;
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 825 * 24 * 3600 * 1000);
  const subject = [
    { name: 'commonName', value: commonName },
    { name: 'organizationName', value: 'OX APS connector' },
  ];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  const names = [commonName, ...altNames];
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
    { name: 'extKeyUsage', serverAuth: true, clientAuth: true },
    {
      name: 'subjectAltName',
      altNames: names.map((n) => (/^[\d.]+$|:/.test(n) ? { type: 7, ip: n } : { type: 2, value: n })),
    },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(keyPem), forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(cert), key: keyPem };
}

export function loadTlsIdentity(opts: {
  TLS_CERT_FILE?: string;
  TLS_KEY_FILE?: string;
  DATA_DIR: string;
  hostname: string;
}): TlsIdentity {
  if (opts.TLS_CERT_FILE || opts.TLS_KEY_FILE) {
    if (!opts.TLS_CERT_FILE || !opts.TLS_KEY_FILE)
      throw new ConfigError('TLS_CERT_FILE and TLS_KEY_FILE: set both, or neither');
    const cert = readSettingFile('TLS_CERT_FILE', opts.TLS_CERT_FILE);
    const key = readSettingFile('TLS_KEY_FILE', opts.TLS_KEY_FILE);
    checkPem(() => new X509Certificate(cert), `TLS_CERT_FILE "${opts.TLS_CERT_FILE}" is not a PEM certificate`);
    checkPem(() => createPrivateKey(key), `TLS_KEY_FILE "${opts.TLS_KEY_FILE}" is not a PEM private key`);
    return { cert, key };
  }
  const certFile = join(opts.DATA_DIR, 'tls.crt');
  const keyFile = join(opts.DATA_DIR, 'tls.key');
  if (existsSync(certFile) && existsSync(keyFile)) {
    return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
  }
  ensureDataDir(opts.DATA_DIR);
  const identity = selfSignedCertificate(opts.hostname, ['localhost', '127.0.0.1']);
  writeFileSync(keyFile, identity.key, { mode: 0o600 });
  writeFileSync(certFile, identity.cert);
  return { ...identity, generated: true };
}

function checkPem(parse: () => unknown, message: string): void {
  try {
    parse();
  } catch {
    throw new ConfigError(message);
  }
}

/** DER bytes of the first certificate in a PEM text (for comparing certificates exactly). */
export function pemToDer(pem: string): Buffer {
  const match = /-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/.exec(pem);
  if (!match) throw new Error('no certificate in PEM');
  return Buffer.from(match[1].replace(/\s+/g, ''), 'base64');
}

/** The certificate and RSA private key blocks of APS's combined `aps.x509.self` PEM. */
export function splitCertAndKey(pem: string): { cert: string; key: string } {
  const cert = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(pem)?.[0];
  const key = /-----BEGIN (RSA |EC )?PRIVATE KEY-----[\s\S]+?-----END (RSA |EC )?PRIVATE KEY-----/.exec(pem)?.[0];
  if (!cert || !key) throw new Error('expected a certificate and a private key');
  return { cert: `${cert}\n`, key: `${key}\n` };
}
