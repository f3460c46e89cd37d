/**
 * farcall: typed RPC for TypeScript over TCP, TLS, Unix sockets, WebSocket and HTTP, with a
 * native MessagePack protocol and the Python Cookbook recipe's own protocol.
 *
 * ```ts
 * const server = await serve({ add: (x: number, y: number) => x + y }, { listen: 'tcp://127.0.0.1:0' });
 * const remote = await connect<typeof api>(server.urls[0]);
 * await remote.add(2, 3); // 5
 * ```
 */

export type { CallContext } from './call-context.js';
export type { Caller, CallOptions } from './caller.js';
export {
  type ConnectOptions,
  callWithKwargs,
  close,
  connect,
  invoke,
  listMethods,
  notify,
  withOptions,
} from './client.js';
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
  type RemoteErrorInit,
  TimeoutError,
  UsageError,
} from './errors.js';
export type { Identity, PeerCertificate } from './identity.js';
export type {
  ClientCall,
  ClientInterceptor,
  ServerCall,
  ServerInterceptor,
} from './interceptors.js';
export { DEFAULT_LIMITS, type Limits } from './limits.js';
export type { Logger } from './logger.js';
export {
  type ArgsSchema,
  type ErrorInfo,
  type Method,
  type MethodSchemas,
  method,
  type ValidationIssue,
} from './method.js';
export {
  type PoolStats,
  type WorkerPool,
  type WorkerPoolOptions,
  workerPool,
} from './pool/worker-pool.js';
export type { ProtocolName } from './protocol/index.js';
export type { PythonForm, PythonOptions } from './protocol/python/index.js';
export {
  acceptsKwargs,
  DESCRIBE_METHODS,
  LIST_METHODS,
  type MethodInfo,
  withContext,
} from './registry.js';
export { relay } from './relay.js';
export type {
  Callback,
  Remote,
  RemoteArgument,
  RemoteArguments,
  RemoteFunction,
  RemoteNamespace,
  RemoteResult,
  UntypedRemote,
  UntypedRemoteMember,
} from './remote-type.js';
export { type ServeOptions, type Server, serve } from './server.js';
export { toReadableStream } from './streams/readable.js';
export { release, retain } from './streams/references.js';
export { type ConnectionStats, stats } from './streams/stats.js';
export { registerTransport } from './transport/node-schemes.js';
export type { Channel, Exchange, TransportModule } from './transport/transport.js';
export {
  type ConnectWorkerOptions,
  connectChild,
  connectParent,
  connectWorker,
  type ServeWorkerOptions,
  serveChild,
  serveParent,
  serveWorker,
} from './workers.js';
