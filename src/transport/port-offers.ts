/**
 * Connections between threads. The dialling side makes a `MessageChannel`, keeps one port, and
 * posts the other inside an offer (`{ '$farcall.connect': 1, port }`) over an endpoint both
 * sides already share: a `Worker` (from its parent), `parentPort` (from inside the worker), or
 * any `MessagePort`. The listening side takes offers from that endpoint and runs a channel on
 * each port. So every connection has a port of its own, both directions can be open at once,
 * and the user's own messages on the shared endpoint are left alone.
 */
import { MessageChannel, MessagePort } from 'node:worker_threads';
import { UsageError } from '../errors.js';
import type { PeerWatch } from './peer-watch.js';
import { PortChannel } from './port-channel.js';
import type { Listener, TransportModule } from './transport.js';
import { untilIdle } from './until-idle.js';

/** The key that marks an offer among the messages of a shared endpoint. */
export const OFFER = '$farcall.connect';

/** A `Worker`, `parentPort` or `MessagePort`: where offers are posted and taken. */
export interface PortEndpoint {
  postMessage(value: unknown, transfer?: readonly MessagePort[]): void;
  on(event: 'message', listener: (value: unknown) => void): unknown;
  off(event: 'message', listener: (value: unknown) => void): unknown;
}

/** What `serveWorker`, `connectWorker` and the others pass as `transport` options. */
export interface PortTransportOptions {
  readonly endpoint: PortEndpoint;
  /** The peer, for messages (`worker thread 3`, `the parent thread`). */
  readonly peer: string;
  /** Makes a watch of the thread at the other end, one per connection. */
  readonly watch?: (() => PeerWatch) | undefined;
  /** Whether open connections keep the event loop alive (default true). */
  readonly keepAlive?: boolean | undefined;
}

function portOptions(transport: Readonly<Record<string, unknown>>): PortTransportOptions {
  const options = transport as Partial<PortTransportOptions>;
  if (!options.endpoint || typeof options.endpoint.postMessage !== 'function') {
    throw new UsageError('a worker connection needs a Worker, parentPort or MessagePort');
  }
  return options as PortTransportOptions;
}

function isOffer(value: unknown): value is { port: MessagePort } {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<string, unknown>)[OFFER] === 1 &&
    (value as { port?: unknown }).port instanceof MessagePort
  );
}

/**
 * The transport behind the worker functions. `dial` posts an offer and returns its channel at
 * once (the opening then waits for the listener's HELLO, under the connect timeout). `listen`
 * takes offers until one connection has opened and every connection since has closed, then
 * stops listening (`untilIdle`), so that a worker with nothing else to do can exit; `close` stops
 * it sooner.
 * Listening on a `MessagePort` or `parentPort` keeps the thread alive until then, as a listening
 * socket does.
 */
export const portTransport: TransportModule = {
  shape: 'channel',
  async dial(_url, options) {
    const { endpoint, peer, watch, keepAlive } = portOptions(options.transport);
    const { port1, port2 } = new MessageChannel();
    endpoint.postMessage({ [OFFER]: 1, port: port2 }, [port2]);
    return new PortChannel(port1, {
      peer,
      maxFrameBytes: options.maxFrameBytes,
      watch: watch?.(),
      keepAlive,
    });
  },
  async listen(url, options): Promise<Listener> {
    const { endpoint, peer, watch, keepAlive } = portOptions(options.transport);
    const onChannel = options.handlers.channel;
    if (!onChannel) throw new Error('farcall: worker listeners carry channels');
    let listening = true;
    const stop = () => {
      if (!listening) return;
      listening = false;
      endpoint.off('message', onMessage);
    };
    const track = untilIdle(stop);
    const onMessage = (message: unknown) => {
      if (!isOffer(message)) return; // the user's own message
      const channel = new PortChannel(message.port, {
        peer,
        maxFrameBytes: options.maxFrameBytes,
        watch: watch?.(),
        keepAlive,
      });
      track(channel, onChannel(channel));
    };
    endpoint.on('message', onMessage);
    return { url, loopback: true, close: async () => stop() };
  },
};
