/**
 * farcall in a browser (the package's `./browser` export, and the `browser` condition of `.`):
 * `connect` over `ws://`, `wss://`, `http://` and `https://` on the platform's own WebSocket and
 * fetch, with the native protocol or JSON-RPC. Nothing here needs Node: it compiles with the DOM library
 * alone, and the build bundles it into one ES module with no bare imports.
 */
import { type ConnectOptions, connectWith } from './connect.js';
import { farcallLoader, jsonrpcLoader, ProtocolTable } from './protocol/index.js';
import type { Remote } from './proxy.js';
import { browserSchemes } from './transport/browser-schemes.js';

export type { CallContext } from './call-context.js';
export type { CallOptions } from './caller.js';
export type { ConnectOptions } from './connect.js';
export {
  type DeclaredErrorName,
  type DeclaredErrors,
  type DefinedError,
  defineError,
  type ErrorClass,
  isRemoteError,
  type RemoteErrorOf,
} from './declared-errors.js';
export {
  AbortError,
  AuthenticationError,
  CodecError,
  ConnectionClosedError,
  ErrorCode,
  FarcallError,
  LimitError,
  ProtocolError,
  RemoteError,
  TimeoutError,
  UsageError,
} from './errors.js';
export type { Identity, PeerCertificate } from './identity.js';
export type { ClientCall, ClientInterceptor } from './interceptors.js';
export type { Remote } from './proxy.js';
export { withContext } from './registry.js';
export { callWithKwargs, close, invoke, listMethods, notify, withOptions } from './remote-ops.js';
export type { Callback } from './remote-type.js';
export { toReadableStream } from './streams/readable.js';
export { release, retain } from './streams/references.js';
export { type ConnectionStats, stats } from './streams/stats.js';

const browser = {
  transports: browserSchemes,
  protocols: new ProtocolTable({ farcall: farcallLoader, jsonrpc: jsonrpcLoader }),
};

/** Connects to a farcall server from a browser; as `connect` in Node, without Node's transports. */
export function connect<T = unknown>(
  url: string,
  options: ConnectOptions = {},
): Promise<Remote<T>> {
  return connectWith<T>(browser, url, options);
}
