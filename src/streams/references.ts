/**
 * Functions passed across a connection: what each end keeps of the other's, and `retain` /
 * `release`, the way a receiver decides how long a callback lives.
 *
 * Lifetimes (docs/protocol.md "Callbacks"): a function in a call's arguments lives until that
 * call ends, on both ends at once, with no message: the caller drops it when the answer comes
 * (or when it gives up on the call), the callee when it answers. `retain(fn)`, inside the call,
 * keeps it past the end until `release(fn)` or the connection closes. A function in a result
 * or in a stream item has no call to end with: it lives until the receiver calls `release(fn)`
 * or the connection closes.
 */
import { ConnectionClosedError, UsageError } from '../errors.js';
import { IncomingStream } from './incoming-stream.js';

/** A function of this end that the peer may call, by its id. */
export interface FunctionExport {
  readonly id: number;
  readonly fn: (...args: unknown[]) => unknown;
  /** The outgoing call whose end releases it; undefined when retained or not call-bound. */
  call: number | undefined;
  /** The incoming call in whose answer it went, while the peer may not have read it. */
  answer: unknown;
}

/** What a function import needs from its connection's reference table. */
export interface ImportHost {
  readonly peer: string;
  invoke(id: number, args: readonly unknown[]): Promise<unknown>;
  retainImport(record: FunctionImport): void;
  releaseImport(record: FunctionImport): void;
}

const LIVE = 0;
const ENDED = 1;
const RELEASED = 2;
const CLOSED = 3;
const REFUSED = 4;

/** Stubs handed to user code, to find their import again in `retain` and `release`. */
const stubs = new WeakMap<object, FunctionImport>();

/**
 * A function of the peer that this end may call: `stub` is what user code gets. Calling it
 * calls the peer (a promise of the function's result, `RemoteError` where it threw); once
 * released it rejects at once with a `UsageError` saying why, after a close with a
 * `ConnectionClosedError`. A promise from the stub that nobody awaits does not become an
 * unhandled rejection: a fire-and-forget progress callback must not crash the process.
 */
export class FunctionImport {
  private state = LIVE;
  private reason: Error | undefined;
  /** Kept past the end of its call by `retain`. */
  retained = false;
  /**
   * The incoming call whose end releases it (set once the frame it came in is read); undefined
   * for one that came in a result or an item.
   */
  call: unknown;
  readonly stub: (...args: unknown[]) => Promise<unknown>;

  constructor(
    readonly id: number,
    private readonly host: ImportHost,
    refused?: Error,
  ) {
    if (refused) {
      this.state = REFUSED;
      this.reason = refused;
    }
    const stub = (...args: unknown[]): Promise<unknown> => {
      const result = this.invoke(args);
      result.catch(() => {});
      return result;
    };
    stubs.set(stub, this);
    this.stub = stub;
  }

  get live(): boolean {
    return this.state === LIVE;
  }

  /** Its call ended without `retain`. */
  end(): void {
    if (this.state === LIVE) this.state = ENDED;
  }

  /** Keeps it past the end of its call (`retain`); throws `UsageError` once it ended. */
  retain(): void {
    if (this.retained || this.call === undefined) return;
    if (this.state === ENDED) {
      throw new UsageError(
        `callback ${this.id} from ${this.host.peer} was released when its call ended: call retain(fn) before the call returns`,
      );
    }
    if (this.state !== LIVE) return;
    this.retained = true;
    this.host.retainImport(this);
  }

  /** Lets it go now (`release`, or an item nobody reads); the peer drops its function. */
  release(): void {
    if (this.state !== LIVE) return;
    this.state = RELEASED;
    this.host.releaseImport(this);
  }

  close(error: ConnectionClosedError): void {
    if (this.state !== LIVE) return;
    this.state = CLOSED;
    this.reason = error;
  }

  private invoke(args: unknown[]): Promise<unknown> {
    switch (this.state) {
      case LIVE:
        return this.host.invoke(this.id, args);
      case ENDED:
        return Promise.reject(
          new UsageError(
            `callback ${this.id} from ${this.host.peer} was released when the call that passed it ended: call retain(fn) before the call returns to keep it`,
          ),
        );
      case RELEASED:
        return Promise.reject(
          new UsageError(`callback ${this.id} from ${this.host.peer} was released (release(fn))`),
        );
      default: {
        const reason = this.reason!;
        return Promise.reject(
          reason instanceof ConnectionClosedError
            ? new ConnectionClosedError(reason.message, {
                cause: reason.cause,
                requested: reason.requested,
              })
            : reason,
        );
      }
    }
  }
}

/**
 * Keeps a callback that farcall passed to a function (an argument of the call being run) past
 * the end of that call, until `release(fn)` or the connection closes; returns `fn`. Call it
 * before the call returns: afterwards the callback is already released, and `retain` throws a
 * `UsageError` saying so. A function that came in a result or a stream item is kept already
 * (retaining it does nothing). Throws `UsageError` for a function that farcall did not pass.
 */
export function retain<F extends (...args: never[]) => unknown>(fn: F): F {
  const record = stubs.get(fn);
  if (!record) {
    throw new UsageError('retain() takes a callback that farcall passed to a function');
  }
  record.retain();
  return fn;
}

/**
 * Lets go of what the other end passed: a callback (later calls reject with a `UsageError`;
 * the other end drops its function) or a stream (as `return()`: its producer stops). Releasing
 * twice, or after the connection closed, does nothing. Throws `UsageError` for anything else.
 */
export function release(value: unknown): void {
  if (value instanceof IncomingStream) {
    void value.return();
    return;
  }
  const record = typeof value === 'function' ? stubs.get(value) : undefined;
  if (!record) {
    throw new UsageError('release() takes a callback or a stream that farcall passed');
  }
  record.release();
}
