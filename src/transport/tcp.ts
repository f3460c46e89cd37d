/**
 * `tcp://HOST:PORT`, `tls://HOST:PORT` and `unix:/PATH`: byte-stream sockets, framed by the
 * length prefix that Python's `multiprocessing.connection` uses (`framer.ts`). Transport options:
 * `tls` (Node's TLS options: `key`/`cert` to serve, `ca` to trust, both for mTLS).
 */
import { formatAddress, isLoopback, parseAddress } from './address.js';
import { type ClientTlsOptions, dial, listen, type ServerTlsOptions } from './net.js';
import { SocketChannel } from './socket.js';
import type { TransportModule } from './transport.js';

export const tcpTransport: TransportModule = {
  shape: 'channel',
  async dial(url, options) {
    const address = parseAddress(url);
    const socket = await dial(
      address,
      options.transport.tls as ClientTlsOptions | undefined,
      options.signal,
    );
    return new SocketChannel(socket, options.maxFrameBytes);
  },
  async listen(url, options) {
    const address = parseAddress(url);
    const onChannel = options.handlers.channel;
    if (!onChannel) throw new Error('farcall: tcp listeners carry channels');
    const listener = await listen(
      address,
      options.transport.tls as ServerTlsOptions | undefined,
      (socket) => onChannel(new SocketChannel(socket, options.maxFrameBytes)),
      (error, socket) =>
        options.warn(
          `TLS handshake with ${socket.remoteAddress}:${socket.remotePort} failed: ${error.message}`,
        ),
    );
    return {
      url: formatAddress(listener.address),
      loopback: isLoopback(listener.address),
      close: () => listener.close(),
    };
  },
};
