/**
 * Who is on the other end of a connection, as far as the connection itself proves it: whether
 * the peer showed it knows the authkey, and the TLS client certificate that the server's `ca`
 * verified. Interceptors read it (`call.identity`) to decide what a peer may call; it never
 * comes from anything the peer merely says (metadata is the peer's word, not a proof).
 */

/** A TLS certificate the peer presented and the server's `ca` verified (mutual TLS). */
export interface PeerCertificate {
  /** The subject's fields, as Node parses them: `{ CN: 'alice', O: 'Example' }`. */
  readonly subject: Readonly<Record<string, string>>;
  /** The issuer's fields. */
  readonly issuer: Readonly<Record<string, string>>;
  /** SHA-256 fingerprint, colon-separated hex (`AB:CD:…`), to pin one certificate. */
  readonly fingerprint256: string;
  /** Serial number, hex. */
  readonly serialNumber: string;
  /** Validity, as the certificate says (`Jan  1 00:00:00 2030 GMT`). */
  readonly validTo: string;
}

/** What the connection proved about the peer. */
export interface Identity {
  /**
   * True when the peer proved it knows the authkey: the native handshake, the Python
   * protocol's challenge, or (over HTTP) the signature of the request. Without an authkey
   * configured it is false: anyone who can reach the address can call.
   */
  readonly authenticated: boolean;
  /**
   * The client certificate of a TLS connection (`tls://`, `wss://`, `https://`) whose server
   * asked for one (`tls: { requestCert: true, ca }`) and verified it; undefined otherwise.
   */
  readonly certificate: PeerCertificate | undefined;
}

export const ANONYMOUS: Identity = Object.freeze({ authenticated: false, certificate: undefined });
