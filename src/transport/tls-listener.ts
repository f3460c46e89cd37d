import type net from 'node:net';
import tls from 'node:tls';
import { MAX_TIMER_MS } from '../limits.js';

/**
 * A `tls.Server` that closes peers which do not finish the TLS handshake, and tracks them.
 *
 * The deadline is Node's `handshakeTimeout`, counted from accept: the bytes of a handshake are
 * read by the TLS layer below JavaScript and never re-arm it, so a peer that trickles its
 * ClientHello meets it too (the tests check). But Node leaves a socket whose TLS handshake failed
 * or timed out to the `tlsClientError` listener, which must destroy it, or it stays open for
 * ever. Connections still in their TLS phase are not yet anyone else's (`onSocket` has not had
 * them), so the listener keeps them, reports them to `onPending` and destroys them when it
 * closes.
 */

/** A tls:// connection accepted and not through its TLS handshake yet. */
export interface PendingTls {
  /** The raw TCP socket. */
  readonly socket: net.Socket;
  /**
   * Called once, when the connection leaves its TLS phase: just before `onSocket` gets its TLS
   * socket, or when it closed first (deadline, failure, `abort`, the listener's close). Set it in
   * the `onPending` hook.
   */
  onSettled: () => void;
  /** Closes the connection now, with no log line from the listener: the caller says why. */
  abort(): void;
}

export interface TlsListenerOptions {
  /** Milliseconds from accept to a finished TLS handshake; past it the socket is destroyed. */
  handshakeTimeoutMs: number;
  /** Told of each connection as it is accepted, before its TLS handshake. */
  onPending?: ((pending: PendingTls) => void) | undefined;
}

export interface TlsListener {
  readonly server: tls.Server;
  /** Connections in their TLS handshake now. */
  readonly pending: number;
  /** Stops handing out sockets and destroys every connection still in its TLS handshake. */
  close(): void;
}

interface Entry {
  readonly handle: PendingTls;
  settled: boolean;
}

/** An error we destroy a socket with when the reason is already known: not logged again. */
class QuietClose extends Error {}

export function createTlsListener(
  tlsOptions: tls.TlsOptions,
  onSocket: (socket: net.Socket) => void,
  onTlsError: (error: Error, socket: net.Socket) => void,
  options: TlsListenerOptions,
): TlsListener {
  const deadline = Math.min(options.handshakeTimeoutMs, MAX_TIMER_MS);
  // The user's own handshakeTimeout may shorten the deadline, never lift it (0 would).
  const own = tlsOptions.handshakeTimeout;
  const server = tls.createServer({
    ...tlsOptions,
    allowHalfOpen: true,
    handshakeTimeout: own !== undefined && own > 0 ? Math.min(own, deadline) : deadline,
  });
  // Keyed by the connection's addresses, the one link between a raw socket and its TLS socket
  // that Node documents.
  const pending = new Map<string, Entry>();
  let closed = false;

  const settle = (key: string, entry: Entry) => {
    if (entry.settled) return;
    entry.settled = true;
    if (pending.get(key) === entry) pending.delete(key);
    entry.handle.onSettled();
  };

  // Runs after Node's own 'connection' listener has wrapped the raw socket in a TLS socket.
  server.on('connection', (raw: net.Socket) => {
    if (closed) {
      raw.destroy();
      return;
    }
    // Errors of the raw socket reach us through the TLS socket's `tlsClientError`.
    raw.on('error', () => {});
    const key = connectionKey(raw);
    const entry: Entry = {
      handle: {
        socket: raw,
        onSettled: () => {},
        abort: () => raw.destroy(new QuietClose('aborted')),
      },
      settled: false,
    };
    raw.once('close', () => settle(key, entry));
    pending.set(key, entry);
    options.onPending?.(entry.handle);
  });

  server.on('secureConnection', (socket: tls.TLSSocket) => {
    const key = connectionKey(socket);
    const entry = pending.get(key);
    if (entry) settle(key, entry);
    if (closed) socket.destroy();
    else onSocket(socket);
  });

  // A failed TLS handshake is that client's problem: report it, close it, and serve on.
  server.on('tlsClientError', (error: Error, socket: tls.TLSSocket) => {
    if (!(error instanceof QuietClose)) onTlsError(error, socket);
    socket.destroy();
  });

  return {
    server,
    get pending() {
      return pending.size;
    },
    close() {
      closed = true;
      for (const entry of [...pending.values()]) {
        entry.handle.socket.destroy(new QuietClose('the listener closed'));
      }
    },
  };
}

function connectionKey(socket: net.Socket): string {
  return `${socket.remoteAddress} ${socket.remotePort} ${socket.localAddress} ${socket.localPort}`;
}
