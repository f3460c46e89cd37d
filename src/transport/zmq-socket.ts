/**
 * The part of the `zeromq` package (v6) that farcall uses, and its loading. The package is an
 * optional peer dependency: it is imported only when a `zmq+tcp://` URL is used, and these
 * interfaces keep its types out of farcall's own declarations, so a user without it compiles.
 */
import { UsageError } from '../errors.js';

/** One message: its parts, in order. */
export type Parts = Buffer[];

export interface ZmqEvents {
  on(type: string, listener: (event: { address?: string; error?: Error }) => void): void;
}

export interface ZmqSocket {
  /** Rejects with `EAGAIN` under `sendTimeout: 0`, `EHOSTUNREACH` to a gone ROUTER peer. */
  send(parts: (Uint8Array | string)[]): Promise<void>;
  /** Rejects once the socket is closed. */
  receive(): Promise<Parts>;
  bind(address: string): Promise<void>;
  connect(address: string): void;
  close(): void;
  linger: number;
  readonly closed: boolean;
  readonly lastEndpoint: string | null;
  readonly events: ZmqEvents;
}

/** Socket options farcall sets (libzmq's names, as the package spells them). */
export interface ZmqSocketOptions {
  linger?: number;
  maxMessageSize?: number;
  immediate?: boolean;
  mandatory?: boolean;
  sendTimeout?: number;
  sendHighWaterMark?: number;
  receiveHighWaterMark?: number;
}

export interface ZmqProxy {
  run(): Promise<void>;
  terminate(): void;
}

export interface ZmqModule {
  Dealer: new (options?: ZmqSocketOptions) => ZmqSocket;
  Router: new (options?: ZmqSocketOptions) => ZmqSocket;
  Proxy: new (frontEnd: ZmqSocket, backEnd: ZmqSocket) => ZmqProxy;
}

let loaded: Promise<ZmqModule> | undefined;

/**
 * The `zeromq` package, imported on first use. Rejects with `UsageError`, saying how to install
 * it, when it is missing or is not version 6.
 */
export function loadZeromq(): Promise<ZmqModule> {
  loaded ??= import('zeromq').then(
    (module) => {
      const zmq = ((module as { default?: unknown }).default ?? module) as Partial<ZmqModule>;
      if (typeof zmq.Dealer !== 'function' || typeof zmq.Router !== 'function') {
        throw new UsageError(
          "the installed 'zeromq' package is not version 6: the zmq+tcp:// transport needs zeromq 6 (npm install zeromq@6)",
        );
      }
      return zmq as ZmqModule;
    },
    (error: unknown) => {
      loaded = undefined;
      throw new UsageError(
        "the zmq+tcp:// transport needs the optional 'zeromq' package (v6): install it with npm install zeromq",
        { cause: error },
      );
    },
  );
  return loaded;
}

/** libzmq's error code on a failed send (`EHOSTUNREACH`, `EAGAIN`), or undefined. */
export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
