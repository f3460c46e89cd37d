import { existsSync, unlinkSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { AbortError, ConnectionClosedError, UsageError } from '../errors.js';
import type { Address } from './address.js';

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
  /** Stops accepting; existing connections are left to their owners. */
  close(): Promise<void>;
}

/**
 * Listens on a tcp, tls or unix address and hands each accepted socket to `onSocket` (for TLS,
 * after the TLS handshake; a failed TLS handshake goes to `onTlsError`). A stale unix socket file (nobody listening) is replaced; a live one
 * is an error. Rejects with the listen error (address in use, permission).
 */
export async function listen(
  address: Address,
  tlsOptions: ServerTlsOptions | undefined,
  onSocket: (socket: net.Socket) => void,
  onTlsError: (error: Error, socket: net.Socket) => void = () => {},
): Promise<Listener> {
  let server: net.Server;
  if (address.scheme === 'tls') {
    if (!tlsOptions?.key && !tlsOptions?.pfx && !tlsOptions?.SNICallback) {
      throw new UsageError('a tls:// address needs the tls option with a key and cert');
    }
    server = tls.createServer({ ...tlsOptions, allowHalfOpen: true }, onSocket);
    // A failed TLS handshake is that client's problem: report it, and serve on.
    server.on('tlsClientError', onTlsError);
  } else {
    server = net.createServer({ allowHalfOpen: true }, onSocket);
  }
  if (address.scheme === 'unix') await removeStaleSocket(address.path);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    if (address.scheme === 'unix') server.listen(address.path, resolve);
    else server.listen(address.port, address.host, resolve);
  });
  server.on('error', () => {});
  const bound = server.address();
  const resolved: Address =
    address.scheme === 'unix' || bound === null || typeof bound === 'string'
      ? address
      : { scheme: address.scheme, host: address.host, port: bound.port };
  return {
    address: resolved,
    // Stops accepting at once; the server's own callback would wait for every connection.
    close: async () => {
      server.close();
    },
  };
}

async function removeStaleSocket(path: string): Promise<void> {
  if (!existsSync(path)) return;
  const live = await new Promise<boolean>((resolve) => {
    const probe = net.connect({ path });
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
  if (live) throw new UsageError(`unix socket ${path} is in use by another server`);
  unlinkSync(path);
}
