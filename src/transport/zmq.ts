/**
 * `zmq+tcp://HOST:PORT`: ZeroMQ, on the optional `zeromq` package (v6), loaded only when such a
 * URL is used. A client is a DEALER, a server a ROUTER (`zmq-router.ts`); one ZeroMQ message
 * carries one frame (zmq-wire.ts, docs/protocol.md "ZeroMQ").
 *
 * - `serve`: `zmq+tcp://HOST:PORT` binds (port 0 picks one); `zmq+tcp://HOST:PORT?connect`
 *   connects the ROUTER to a device's back end instead, so several servers share its clients.
 * - `connect`: `zmq+tcp://HOST:PORT` is one connection (a session: HELLO, authkey, calls in
 *   flight, cancellation, pings); `zmq+tcp://HOST:PORT?exchange` sends each request on its own,
 *   which is what a device in front of several servers needs.
 * - `protocol: 'python'` is the Cookbook recipe over ZeroMQ as its text has it: one pickled
 *   `(name, args, kwargs)` per message and one pickled answer, so the single-pickle form, and no
 *   authkey (the recipe has no handshake over ZeroMQ: an authkey is a `UsageError`).
 */
import { ConnectionClosedError, UsageError } from '../errors.js';
import type { TransportModule, TransportUse } from './transport.js';
import { openDealer, ZmqDealerChannel } from './zmq-dealer.js';
import { ZmqExchange } from './zmq-exchange.js';
import { RouterHub } from './zmq-router.js';
import { loadZeromq, type ZmqSocket } from './zmq-socket.js';
import { isLoopbackHost, MAX_META_BYTES, parseZmqAddress } from './zmq-wire.js';

function prepare(use: TransportUse) {
  const { mode } = parseZmqAddress(use.url);
  if (use.role === 'client' && mode === 'connect') {
    throw new UsageError(`'?connect' is for serve (a server connecting to a device): ${use.url}`);
  }
  if (use.role === 'server' && mode === 'exchange') {
    throw new UsageError(`'?exchange' is for connect; a server answers both kinds: ${use.url}`);
  }
  if (use.protocol === 'python' && use.authkey) {
    throw new UsageError(
      "the python protocol over ZeroMQ has no authkey handshake (the recipe sends bare pickles over ZeroMQ): drop the authkey, or use protocol 'farcall'",
    );
  }
  if (mode === 'exchange' && use.protocol !== 'farcall') {
    throw new UsageError(
      `'?exchange' carries the farcall protocol only, not ${use.protocol}: ${use.url}`,
    );
  }
  return use.protocol === 'python' ? { python: { form: 'single' } } : undefined;
}

/**
 * Connects a server's ROUTER to a device, resolving once ZeroMQ's handshake with it is done, so
 * that the device sends it calls from then on. Rejects with `ConnectionClosedError` when the
 * first attempt fails (no device there); once connected, ZeroMQ reconnects to a device that
 * restarts.
 */
function connected(socket: ZmqSocket, endpoint: string, url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let settled = false;
    socket.events.on('handshake', () => {
      if (!settled) resolve();
      settled = true;
    });
    socket.events.on('connect:retry', () => {
      if (!settled) {
        reject(
          new ConnectionClosedError(
            `cannot connect to the device at ${url}: nothing accepted the connection`,
          ),
        );
      }
      settled = true;
    });
    socket.connect(endpoint);
  });
}

export const zmqTransport: TransportModule = {
  shape: 'channel',
  shapeOf: (url) => (parseZmqAddress(url).mode === 'exchange' ? 'exchange' : 'channel'),
  prepare,
  async dial(url, options) {
    const address = parseZmqAddress(url);
    const zmq = await loadZeromq();
    const socket = await openDealer(zmq, address, url, options);
    if (address.mode === 'exchange') return new ZmqExchange(socket, url);
    // Only a farcall server hears the goodbye: a REP socket (the recipe's Python server) can
    // lose the next client's request to a message without a delimiter.
    return new ZmqDealerChannel(socket, url, options.maxFrameBytes, options.protocol === 'farcall');
  },
  async listen(url, options) {
    const address = parseZmqAddress(url);
    const zmq = await loadZeromq();
    const socket = new zmq.Router({
      // A send to a client that is gone fails (and closes its channel) instead of vanishing;
      // one to a client that does not read fails at once instead of stalling everyone else.
      mandatory: true,
      sendTimeout: 0,
      linger: 0,
      maxMessageSize: Math.max(options.maxFrameBytes, MAX_META_BYTES) + 64,
    });
    let bound = url;
    try {
      if (address.mode === 'connect') {
        await connected(socket, address.endpoint, url);
      } else {
        await socket.bind(address.endpoint);
        bound = `zmq+${socket.lastEndpoint}`;
      }
    } catch (error) {
      socket.close();
      throw error;
    }
    return new RouterHub(socket, bound, isLoopbackHost(address.host), options);
  },
};
