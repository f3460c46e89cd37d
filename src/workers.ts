/**
 * RPC between a parent and its worker threads and child processes, both ways:
 *
 * | where            | serves                           | connects                          |
 * | ---------------- | -------------------------------- | --------------------------------- |
 * | a worker thread  | `serveWorker(api)`               | `connectParent<T>()`              |
 * | a child process  | `serveParent(api)`               | `connectParent<T>()`              |
 * | the parent       | `serveChild(workerOrChild, api)` | `connectWorker<T>(worker)`, `connectChild<T>(child)` |
 *
 * Each is `serve` or `connect` over a channel of its own (`transport/port-offers.ts` between
 * threads; `transport/process-transport.ts` over a child's IPC channel or its stdio), so calls,
 * errors, notifications, cancellation, deadlines, the opening's HELLO and window, an optional
 * authkey, and whatever else the native protocol carries work as over a socket. An authkey is
 * not needed between a parent and its own thread or child (nobody else can reach the channel);
 * it is allowed for a child that runs code of another trust (spawned through `ssh`, say).
 *
 * Closing lets the thread or process exit: once the last connection of a serving side has
 * closed, it stops listening, and nothing of farcall keeps its event loop alive.
 */
import type { ChildProcess } from 'node:child_process';
import { isMainThread, MessagePort, parentPort, Worker } from 'node:worker_threads';
import { type ConnectOptions, connectWith } from './connect.js';
import { ConnectionClosedError, TimeoutError, UsageError } from './errors.js';
import { nodeProtocols } from './protocol/node-protocols.js';
import type { Remote } from './proxy.js';
import { type ServeOptions, type Server, serveWith } from './server.js';
import type { IpcEndpoint } from './transport/ipc-channel.js';
import { watchChild, watchWorker } from './transport/peer-watch.js';
import type { PortTransportOptions } from './transport/port-offers.js';
import type { ProcessTransportOptions } from './transport/process-transport.js';
import { SchemeTable, schemeOf, type TransportLoader } from './transport/schemes.js';

/** Options of `serveWorker`, `serveParent` and `serveChild`: those of `serve`, without an address. */
export interface ServeWorkerOptions
  extends Omit<ServeOptions, 'listen' | 'tls' | 'transport' | 'workers' | 'module'> {
  /**
   * How a child process and its parent talk: the IPC channel (the default where there is one)
   * or the child's standard input and output, framed (`spawn` without `'ipc'`; the child must
   * then write nothing else to its stdout).
   */
  via?: 'ipc' | 'stdio' | undefined;
  /** `serveWorker` only: take connections offered over this `MessagePort`, not `parentPort`. */
  port?: MessagePort | undefined;
}

/** Options of `connectWorker`, `connectChild` and `connectParent`: those of `connect`. */
export interface ConnectWorkerOptions extends Omit<ConnectOptions, 'tls' | 'transport'> {
  /** As for `ServeWorkerOptions`. */
  via?: 'ipc' | 'stdio' | undefined;
  /**
   * Between threads: whether the open connection keeps this thread's event loop alive, as an
   * open socket does (default true).
   */
  keepAlive?: boolean | undefined;
}

const ports: TransportLoader = async () =>
  (await import('./transport/port-offers.js')).portTransport;
const processes: TransportLoader = async () =>
  (await import('./transport/process-transport.js')).processTransport;

/** A table that knows only `url`'s scheme, served by `loader`. */
function tableFor(url: string, loader: TransportLoader): SchemeTable {
  return new SchemeTable([[schemeOf(url), loader]]);
}

function serveOver(
  url: string,
  loader: TransportLoader,
  api: object,
  options: ServeWorkerOptions,
  transport: PortTransportOptions | ProcessTransportOptions,
): Promise<Server> {
  const { via: _via, port: _port, ...rest } = options;
  return serveWith(tableFor(url, loader), api, {
    ...rest,
    listen: url,
    transport: { ...transport },
  });
}

async function connectOver<T>(
  url: string,
  loader: TransportLoader,
  options: ConnectWorkerOptions,
  transport: PortTransportOptions | ProcessTransportOptions,
  serving: string,
): Promise<Remote<T>> {
  const { via: _via, keepAlive: _keepAlive, ...rest } = options;
  const environment = { transports: tableFor(url, loader), protocols: nodeProtocols };
  try {
    return await connectWith<T>(environment, url, { ...rest, transport: { ...transport } });
  } catch (error) {
    // The other end ended, or never answered: most likely it does not serve.
    const cause = (error as Error).cause;
    if (error instanceof ConnectionClosedError && cause instanceof Error) {
      throw new ConnectionClosedError(
        `${transport.peer} ended the connection before its opening was done (${cause.message}): does it call ${serving}?`,
        { cause },
      );
    }
    if (error instanceof TimeoutError) {
      throw new TimeoutError(`${error.message}; does ${transport.peer} call ${serving}?`, {
        cause: error.cause,
      });
    }
    throw error;
  }
}

/** The port transport's options for a `Worker` or a `MessagePort` at the other end. */
function threadTarget(
  target: Worker | MessagePort,
  keepAlive: boolean | undefined,
): { url: string; transport: PortTransportOptions } {
  if (target instanceof MessagePort) {
    return {
      url: 'worker:port',
      transport: { endpoint: target, peer: 'a message port', keepAlive },
    };
  }
  if (!(target instanceof Worker)) throw new UsageError('expected a Worker or a MessagePort');
  // A worker that has exited has thread id -1.
  if (target.threadId < 0) throw new ConnectionClosedError('the worker thread has exited');
  const peer = `worker thread ${target.threadId}`;
  return {
    url: `worker:${target.threadId}`,
    transport: { endpoint: target, peer, watch: () => watchWorker(target), keepAlive },
  };
}

function isWorker(value: unknown): value is Worker | MessagePort {
  return value instanceof Worker || value instanceof MessagePort;
}

function viaOf(endpoint: IpcEndpoint, via: 'ipc' | 'stdio' | undefined): 'ipc' | 'stdio' {
  return via ?? (typeof endpoint.send === 'function' && endpoint.connected ? 'ipc' : 'stdio');
}

/** The process transport's options for a child process at the other end. */
function childTarget(
  child: ChildProcess,
  via: 'ipc' | 'stdio' | undefined,
): { url: string; transport: ProcessTransportOptions } {
  const endpoint = child as unknown as IpcEndpoint;
  const how = viaOf(endpoint, via);
  const peer = `child process ${child.pid}`;
  if (child.exitCode !== null || child.signalCode !== null) {
    const end = child.signalCode
      ? `was killed by ${child.signalCode}`
      : `exited with code ${child.exitCode}`;
    throw new ConnectionClosedError(`${peer} has ended: the process ${end}`);
  }
  const url = `child:${child.pid}`;
  const watch = () => watchChild(child);
  if (how === 'ipc') {
    return { url, transport: { via: how, side: 'parent', endpoint, peer, watch } };
  }
  if (!child.stdin || !child.stdout) {
    throw new UsageError(
      `${peer} has neither an IPC channel nor piped stdin and stdout: fork it, or spawn it with stdio ['pipe', 'pipe', …] or 'ipc'`,
    );
  }
  return {
    url,
    transport: {
      via: how,
      side: 'parent',
      readable: child.stdout,
      writable: child.stdin,
      peer: `${peer} (stdio)`,
      watch,
    },
  };
}

/** The process transport's options for this process's parent. */
function parentTarget(via: 'ipc' | 'stdio' | undefined): {
  url: string;
  transport: ProcessTransportOptions;
} {
  const endpoint = process as unknown as IpcEndpoint;
  const how = viaOf(endpoint, via);
  if (how === 'ipc') {
    if (typeof endpoint.send !== 'function') {
      throw new UsageError(
        "this process has no IPC channel: fork it, spawn it with 'ipc' in its stdio, or use via: 'stdio'",
      );
    }
    return {
      url: 'parent:ipc',
      transport: { via: how, side: 'child', endpoint, peer: 'the parent process' },
    };
  }
  return {
    url: 'parent:stdio',
    transport: {
      via: how,
      side: 'child',
      readable: process.stdin,
      writable: process.stdout,
      peer: 'the parent process (stdio)',
    },
  };
}

/** Whether this code runs in a worker thread whose parent it should talk to. */
function inWorker(options: { via?: unknown }): boolean {
  return !isMainThread && parentPort !== null && options.via === undefined;
}

/**
 * Inside a worker thread: serves `api` to the connections its parent opens with
 * `connectWorker(worker)` (or, with `port`, to those offered over that `MessagePort`). Call it
 * before the worker awaits anything: a connection offered before it listens waits in the port,
 * unless another `'message'` listener of the worker takes it first. Resolves with the `Server`
 * (its `close()` ends every connection); once the last connection has closed it stops
 * listening, so the worker exits when nothing else keeps it alive. Rejects with `UsageError`
 * outside a worker thread (without `port`).
 */
export async function serveWorker(api: object, options: ServeWorkerOptions = {}): Promise<Server> {
  const endpoint = options.port ?? parentPort;
  if (!endpoint) {
    throw new UsageError(
      'serveWorker runs inside a worker thread (or give it a port); a child process calls serveParent',
    );
  }
  const peer = options.port ? 'a message port' : 'the parent thread';
  const url = options.port ? 'worker:port' : 'worker:parent';
  return serveOver(url, ports, api, options, { endpoint, peer });
}

/**
 * In the parent: connects to the `serveWorker` of `worker` (or to the server taking offers on
 * the other end of a `MessagePort`). Resolves once the opening is done; rejects as `connect`
 * does, and with `ConnectionClosedError` when the worker exits first. A call pending when the
 * worker ends rejects with a `ConnectionClosedError` that names how it ended ("worker thread 3
 * exited with code 1 after an uncaught TypeError: boom"). `close(remote)` ends the connection;
 * the worker is not terminated.
 */
export async function connectWorker<T = unknown>(
  worker: Worker | MessagePort,
  options: ConnectWorkerOptions = {},
): Promise<Remote<T>> {
  const { url, transport } = threadTarget(worker, options.keepAlive);
  return connectOver<T>(url, ports, options, transport, 'serveWorker');
}

/**
 * Inside a child process: serves `api` to the connections its parent opens with
 * `connectChild(child)`, over the IPC channel when there is one (`fork`, or `spawn` with
 * `'ipc'`), else over stdin and stdout (`via` chooses). In a worker thread it is
 * `serveWorker`. Over IPC, once the last connection has closed it stops listening and the child
 * exits when nothing else keeps it alive; over stdio there is one connection, and its end
 * releases stdin. Resolves with the `Server`.
 */
export async function serveParent(api: object, options: ServeWorkerOptions = {}): Promise<Server> {
  if (inWorker(options)) return serveWorker(api, options);
  const { url, transport } = parentTarget(options.via);
  return serveOver(url, processes, api, options, transport);
}

/**
 * In the parent: connects to the `serveParent` of `child` (a `ChildProcess`; a `Worker` goes to
 * `connectWorker`), over its IPC channel when it has one, else over its stdin and stdout.
 * Rejects as `connect` does, and with `UsageError` for a child with neither. A call pending when
 * the child dies rejects with a `ConnectionClosedError` naming its exit code or signal.
 * `close(remote)` ends the connection; the child is not killed.
 */
export async function connectChild<T = unknown>(
  child: ChildProcess | Worker,
  options: ConnectWorkerOptions = {},
): Promise<Remote<T>> {
  if (isWorker(child)) return connectWorker<T>(child, options);
  const { url, transport } = childTarget(child, options.via);
  return connectOver<T>(url, processes, options, transport, 'serveParent');
}

/**
 * The reverse direction, in the parent: serves `api` to `child` (a `Worker`, a `ChildProcess`
 * or a `MessagePort`), whose code connects with `connectParent()`. It stops listening once the
 * last connection has closed, as `serveWorker` does. Resolves with the `Server`.
 */
export async function serveChild(
  child: ChildProcess | Worker | MessagePort,
  api: object,
  options: ServeWorkerOptions = {},
): Promise<Server> {
  if (isWorker(child)) {
    const { url, transport } = threadTarget(child, undefined);
    return serveOver(url, ports, api, options, transport);
  }
  const { url, transport } = childTarget(child, options.via);
  return serveOver(url, processes, api, options, transport);
}

/**
 * The reverse direction, in a worker thread or a child process: connects to the `serveChild` of
 * the parent (between threads through `parentPort`; from a child over its IPC channel, or
 * stdio with `via: 'stdio'` or when there is no IPC channel). Rejects as `connect` does.
 */
export async function connectParent<T = unknown>(
  options: ConnectWorkerOptions = {},
): Promise<Remote<T>> {
  if (inWorker(options)) {
    const transport = {
      endpoint: parentPort!,
      peer: 'the parent thread',
      keepAlive: options.keepAlive,
    };
    return connectOver<T>('worker:parent', ports, options, transport, 'serveChild');
  }
  const { url, transport } = parentTarget(options.via);
  return connectOver<T>(url, processes, options, transport, 'serveChild');
}
