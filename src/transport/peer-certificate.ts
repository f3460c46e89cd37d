/**
 * The verified client certificate of a TLS socket, for `Identity.certificate`. Read through the
 * socket's own methods, so that this module imports no platform module.
 */
import type { PeerCertificate } from '../identity.js';

interface TlsLike {
  readonly authorized?: boolean;
  getPeerCertificate?(detailed?: boolean): Record<string, unknown> | null;
}

/**
 * The certificate the peer presented on `socket`, when the socket is TLS and the certificate
 * was verified against the configured `ca` (`authorized`); undefined for any other socket, a
 * peer that sent none, or one that failed verification (a server with `rejectUnauthorized:
 * false` still accepts such peers: they get no certificate here). Never throws.
 */
export function peerCertificate(socket: unknown): PeerCertificate | undefined {
  const tls = socket as TlsLike | null | undefined;
  if (tls?.authorized !== true || typeof tls.getPeerCertificate !== 'function') {
    return undefined;
  }
  try {
    const cert = tls.getPeerCertificate(false);
    if (!cert || typeof cert.fingerprint256 !== 'string') return undefined;
    return Object.freeze({
      subject: names(cert.subject),
      issuer: names(cert.issuer),
      fingerprint256: cert.fingerprint256,
      serialNumber: String(cert.serialNumber ?? ''),
      validTo: String(cert.valid_to ?? ''),
    });
  } catch {
    return undefined;
  }
}

/** A subject or issuer: fields with several values (two OUs) are joined with a comma. */
function names(value: unknown): Readonly<Record<string, string>> {
  const out: Record<string, string> = {};
  if (typeof value !== 'object' || value === null) return out;
  for (const [key, field] of Object.entries(value)) {
    out[key] = Array.isArray(field) ? field.join(', ') : String(field);
  }
  return Object.freeze(out);
}
