/**
 * A ZeroMQ device for farcall: a ROUTER front end that clients connect to and a DEALER back end
 * that servers connect to (`serve` on `zmq+tcp://HOST:PORT?connect`), joined by libzmq's own
 * proxy (`zmq_proxy`, on a thread of its own). It is ZeroMQ's queue device and nothing more:
 * each message goes to the next server in turn, and answers find their way back by the routing
 * parts, so clients connect with `?exchange` (each call on its own). The same device in Python
 * is `zmq.proxy(frontend, backend)`; farcall needs nothing else of it.
 */

import { loadZeromq } from './zmq-socket.js';
import { parseZmqAddress } from './zmq-wire.js';

export interface DeviceOptions {
  /** Where clients connect: `zmq+tcp://HOST:PORT` (port 0 picks one). */
  frontend: string;
  /** Where servers connect: `zmq+tcp://HOST:PORT` (port 0 picks one). */
  backend: string;
}

export interface Device {
  /** The bound front end, port resolved: what clients connect to (with `?exchange`). */
  readonly frontend: string;
  /** The bound back end, port resolved: what servers `serve` on (with `?connect`). */
  readonly backend: string;
  /** Resolves (never rejects) when the device stops, with why: undefined after `close`. */
  readonly done: Promise<Error | undefined>;
  /** Stops the proxy and closes both sockets. */
  close(): Promise<void>;
}

/**
 * Binds both ends and starts the proxy. Rejects with `UsageError` for a bad URL or a missing
 * `zeromq` package, and with the bind error (both sockets closed) when a port is taken.
 */
export async function device(options: DeviceOptions): Promise<Device> {
  const front = parseZmqAddress(options.frontend);
  const back = parseZmqAddress(options.backend);
  const zmq = await loadZeromq();
  const frontend = new zmq.Router({ linger: 0 });
  const backend = new zmq.Dealer({ linger: 0 });
  try {
    await frontend.bind(front.endpoint);
    await backend.bind(back.endpoint);
  } catch (error) {
    frontend.close();
    backend.close();
    throw error;
  }
  const urls = { frontend: `zmq+${frontend.lastEndpoint}`, backend: `zmq+${backend.lastEndpoint}` };
  const proxy = new zmq.Proxy(frontend, backend);
  const done = proxy.run().then(
    () => undefined,
    (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
  );
  let closing: Promise<void> | undefined;
  return {
    ...urls,
    done,
    close() {
      closing ??= (async () => {
        proxy.terminate();
        await done;
      })();
      return closing;
    },
  };
}
