/**
 * The Node client: `connect` over the Node build's transports (tcp, tls, unix, ws, http, memory)
 * and protocols (farcall, python), and the operations on a remote.
 */
import { type ConnectOptions, connectWith } from './connect.js';
import { nodeProtocols } from './protocol/node-protocols.js';
import type { Remote } from './proxy.js';
import { nodeSchemes } from './transport/node-schemes.js';

export type { CallOptions } from './caller.js';
export type { ConnectOptions } from './connect.js';
export {
  callWithKwargs,
  close,
  invoke,
  listMethods,
  notify,
  withOptions,
} from './remote-ops.js';

const node = { transports: nodeSchemes, protocols: nodeProtocols };

/**
 * Connects to a server and returns a proxy typed from `T` (`connect<typeof api>(url)`; without
 * `T`, any method may be called with any arguments). See `ConnectOptions`; it rejects with
 * `ConnectionClosedError` when the server cannot be reached, `TimeoutError` past the connect
 * timeout, `AbortError` when `signal` aborts, `AuthenticationError` on a key mismatch,
 * `ProtocolError` when the peer does not speak the protocol (saying what it seems to speak), and
 * `UsageError` for a bad URL or option.
 */
export function connect<T = unknown>(
  url: string,
  options: ConnectOptions = {},
): Promise<Remote<T>> {
  return connectWith<T>(node, url, options);
}
