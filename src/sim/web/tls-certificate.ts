// A self-signed certificate for the virtual phone's HTTPS server (newer Snom firmware serves HTTPS with
// self-signed certificates, snom-protocol.md §3).
import { isIP } from 'node:net';
import { generate } from 'selfsigned';

/** A PEM certificate and its private key. */
export interface TlsCredentials {
  readonly cert: string;
  readonly key: string;
}

/**
 * Generates a self-signed ECDSA P-256 / SHA-256 certificate valid for 30 days, for `localhost`,
 * 127.0.0.1, ::1 and `host` (an IP or a DNS name).
 */
export async function generateSelfSignedCertificate(host: string): Promise<TlsCredentials> {
  const altNames: { type: 2 | 7; value?: string; ip?: string }[] = [
    { type: 2, value: 'localhost' },
    { type: 7, ip: '127.0.0.1' },
    { type: 7, ip: '::1' },
  ];
  if (isIP(host) !== 0) altNames.push({ type: 7, ip: host });
  else if (/^[A-Za-z0-9.-]{1,253}$/.test(host)) altNames.push({ type: 2, value: host });
  const now = new Date();
  const pems = await generate([{ name: 'commonName', value: isIP(host) === 0 && host !== '' ? host : 'snom-sim' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(now.getTime() - 60_000),
    notAfterDate: new Date(now.getTime() + 30 * 86_400_000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}
