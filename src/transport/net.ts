import net from 'node:net';
import tls from 'node:tls';
import { AbortError, ConnectionClosedError, UsageError } from '../errors.js';
import { DEFAULT_LIMITS } from '../limits.js';
import type { Address } from './address.js';
import { createTlsListener, type PendingTls, type TlsListener } from './tls-listener.js';
import { claimUnixPath, type UnixClaim } from './unix-path.js';

export type { PendingTls } from './tls-listener.js';

/** TLS settings for a server: its key and certificate; `ca` + `requestCert` ask for client certificates (mTLS). */
export type ServerTlsOptions = tls.TlsOptions;
/** TLS settings for a client: the `ca` to trust, and `cert`/`key` for mTLS. */
export type ClientTlsOptions = tls.ConnectionOptions;

/**
 * Opens a byte-stream connection to a tcp, tls or unix address, half-open capable (the session
 * decides when to end its side). Rejects with `ConnectionClosedError` when the peer cannot be
 * reached or the TLS handshake fails, and `AbortError` when `signal` aborts first (the socket is
 * destroyed: a late connection is never leaked).
 */
export function dial(
  address: Address,
  tlsOptions?: ClientTlsOptions,
  signal?: AbortSignal,
): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    let socket: net.Socket;
    const event = address.scheme === 'tls' ? 'secureConnect' : 'connect';
    if (address.scheme === 'unix')
      socket = net.connect({ path: address.path, allowHalfOpen: true });
    else if (address.scheme === 'tcp')
      socket = net.connect({ host: address.host, port: address.port, allowHalfOpen: true });
    else {
      const servername = net.isIP(address.host) ? undefined : address.host;
      // allowHalfOpen reaches the TLSSocket (Node passes it on), though the types omit it.
      const options = {
        servername,
        ...tlsOptions,
        host: address.host,
        port: address.port,
        allowHalfOpen: true,
      };
      socket = tls.connect(options as tls.ConnectionOptions);
    }
    const onAbort = () => {
      socket.destroy();
      const reason: unknown = signal?.reason;
      reject(
        reason instanceof Error && reason.name === 'TimeoutError'
          ? reason
          : new AbortError('connecting was aborted', { cause: reason }),
      );
    };
    const onError = (error: Error) => {
      signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      reject(new ConnectionClosedError(`cannot connect: ${error.message}`, { cause: error }));
    };
    if (signal?.aborted) {
      onAbort();
      return;
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('error', onError);
    socket.once(event, () => {
      signal?.removeEventListener('abort', onAbort);
      socket.off('error', onError);
      resolve(socket);
    });
  });
}

export interface Listener {
  /** The bound address, port 0 resolved. */
  readonly address: Address;
  /** tls:// connections accepted and still in their TLS handshake (0 for tcp and unix). */
  readonly pendingTls: number;
  /**
   * Stops accepting and resolves at once, never waiting on peers: connections handed to
   * `onSocket` are left to their owners; those still in their TLS handshake, which nobody else
   * holds, are destroyed. A unix listener removes its socket file if it is still its own.
   * Idempotent.
   */
  close(): Promise<void>;
}

export interface ListenOptions {
  /**
   * For tls://, the time from accept to a finished TLS handshake, in ms; past it the raw socket
   * is destroyed and `onTlsError` told. The server passes `limits.handshakeTimeoutMs`; the
   * default is `DEFAULT_LIMITS.handshakeTimeoutMs`.
   */
  handshakeTimeoutMs?: number | undefined;
  /**
   * For tls://, told of each connection as it is accepted, before its TLS handshake, so that
   * the server can count it among the handshakes `limits.maxHandshakes` bounds: it sets the
   * `onSettled` of the `PendingTls` it gets, which is called once when the connection leaves its
   * TLS phase (just before `onSocket` has the TLS socket, or on close), and may `abort()` it.
   */
  onPending?: ((pending: PendingTls) => void) | undefined;
}

/**
 * Listens on a tcp, tls or unix address and hands each accepted socket to `onSocket` (for TLS,
 * after the TLS handshake; a failed or timed-out TLS handshake goes to `onTlsError`, and its
 * socket is destroyed). A unix path is taken only if nothing is there or a stale socket file
 * (see `claimUnixPath`): anything else is a `UsageError`. Rejects with that, or with the listen
 * error (address in use, permission).
 */
export async function listen(
  address: Address,
  tlsOptions: ServerTlsOptions | undefined,
  onSocket: (socket: net.Socket) => void,
  onTlsError: (error: Error, socket: net.Socket) => void = () => {},
  options: ListenOptions = {},
): Promise<Listener> {
  let server: net.Server;
  let tlsListener: TlsListener | undefined;
  if (address.scheme === 'tls') {
    if (!tlsOptions?.key && !tlsOptions?.pfx && !tlsOptions?.SNICallback) {
      throw new UsageError('a tls:// address needs the tls option with a key and cert');
    }
    tlsListener = createTlsListener(tlsOptions, onSocket, onTlsError, {
      handshakeTimeoutMs: options.handshakeTimeoutMs ?? DEFAULT_LIMITS.handshakeTimeoutMs,
      onPending: options.onPending,
    });
    server = tlsListener.server;
  } else {
    server = net.createServer({ allowHalfOpen: true }, onSocket);
  }
  let claim: UnixClaim | undefined;
  if (address.scheme === 'unix') {
    claim = await claimUnixPath(server, address.path);
  } else {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(address.port, address.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  }
  server.on('error', () => {});
  const bound = server.address();
  const resolved: Address =
    address.scheme === 'unix' || bound === null || typeof bound === 'string'
      ? address
      : { scheme: address.scheme, host: address.host, port: bound.port };
  let closing: Promise<void> | undefined;
  return {
    address: resolved,
    get pendingTls() {
      return tlsListener?.pending ?? 0;
    },
    close: () => {
      closing ??= (async () => {
        // The file first, while the socket still answers: no other server takes a live path.
        await claim?.release();
        server.close();
        tlsListener?.close();
      })();
      return closing;
    },
  };
}
