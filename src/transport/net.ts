import net from 'node:net';
import tls from 'node:tls';
import { ConnectionClosedError, UsageError } from '../errors.js';
import type { Address } from '../url.js';
import { claimUnixPath, type UnixClaim } from './unix-path.js';

/** TLS settings for a server: its key and certificate; `ca` + `requestCert` ask for client certificates (mTLS). */
export type ServerTlsOptions = tls.TlsOptions;
/** TLS settings for a client: the `ca` to trust, and `cert`/`key` for mTLS. */
export type ClientTlsOptions = tls.ConnectionOptions;

/**
 * Opens a byte-stream connection to a tcp, tls or unix address. Rejects with
 * `ConnectionClosedError` when the peer cannot be reached or the TLS handshake fails.
 */
export function dial(address: Address, tlsOptions?: ClientTlsOptions): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    let socket: net.Socket;
    const event = address.scheme === 'tls' ? 'secureConnect' : 'connect';
    if (address.scheme === 'unix') socket = net.connect({ path: address.path });
    else if (address.scheme === 'tcp')
      socket = net.connect({ host: address.host, port: address.port });
    else {
      const servername = net.isIP(address.host) ? undefined : address.host;
      socket = tls.connect({ servername, ...tlsOptions, host: address.host, port: address.port });
    }
    const onError = (error: Error) => {
      socket.destroy();
      reject(new ConnectionClosedError(`cannot connect: ${error.message}`, { cause: error }));
    };
    socket.once('error', onError);
    socket.once(event, () => {
      socket.off('error', onError);
      resolve(socket);
    });
  });
}

export interface Listener {
  /** The bound address, port 0 resolved. */
  readonly address: Address;
  /**
   * Stops accepting; existing connections are left to their owners. A unix listener removes its
   * socket file if it is still its own.
   */
  close(): Promise<void>;
}

/**
 * Listens on a tcp, tls or unix address and hands each accepted socket to `onSocket` (for TLS,
 * after the TLS handshake; a failed TLS handshake goes to `onTlsError`). A unix path is taken
 * only if nothing is there or a stale socket file (see `claimUnixPath`): anything else is a
 * `UsageError`. Rejects with that, or with the listen error (address in use, permission).
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
    server = tls.createServer(tlsOptions, onSocket);
    // A failed TLS handshake is that client's problem: report it, and serve on.
    server.on('tlsClientError', onTlsError);
  } else {
    server = net.createServer(onSocket);
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
  return {
    address: resolved,
    close: async () => {
      // The file first, while the socket still answers: no other server takes a live path.
      await claim?.release();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
