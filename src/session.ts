import { type CallContext, CallContexts } from './call-context.js';
import {
  AbortError,
  ConnectionClosedError,
  ErrorCode,
  FarcallError,
  ProtocolError,
  RemoteError,
  TimeoutError,
} from './errors.js';
import type { Limits } from './limits.js';
import type { Logger } from './logger.js';
import type {
  CallMessage,
  Message,
  NotifyMessage,
  ProtocolConnection,
  WireError,
} from './protocol/protocol.js';
import type { ContextSource, Registry } from './registry.js';
import type { Transport } from './transport/transport.js';
import { describe, remoteError, toWireError, UNENCODABLE_ERROR } from './wire-error.js';

export interface CallOptions {
  /** Milliseconds to wait for the answer; 0 or undefined waits for ever. */
  timeout?: number | undefined;
  signal?: AbortSignal | undefined;
  meta?: Record<string, string> | undefined;
  kwargs?: Record<string, unknown> | undefined;
}

export interface SessionOptions {
  limits: Limits;
  logger: Logger;
  /** Functions this end answers calls for; without one, incoming calls get METHOD_NOT_FOUND. */
  registry?: Registry | undefined;
  /** Send the stack of thrown errors to the caller. */
  exposeStack?: boolean | undefined;
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout> | undefined;
  cleanup: (() => void) | undefined;
}

const MAX_ID = 0xffffffff;

/**
 * One per connection, on both ends. Owns call ids, the table of pending calls, timeouts and
 * teardown; runs incoming calls against the registry. Nothing else here knows about ids.
 *
 * Teardown: when the transport closes, every pending call rejects at once with
 * `ConnectionClosedError` (`requested` tells `close()` from a lost connection). A frame that
 * cannot be decoded closes the connection (it is logged); a value that cannot be encoded fails
 * only that call.
 */
export class Session implements ContextSource {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private inFlight = 0;
  private paused = false;
  private closedError: ConnectionClosedError | undefined;
  private closeRequested = false;
  private draining = false;
  private orderedTail: Promise<void> = Promise.resolve();
  /** Incoming calls being run, by id: true once the caller cancelled (its answer is dropped). */
  private readonly running = new Map<number, boolean>();
  private idleWaiters: (() => void)[] = [];
  private readonly closeListeners: ((error: ConnectionClosedError) => void)[] = [];
  private readonly contexts: CallContexts;

  constructor(
    private readonly transport: Transport,
    private readonly protocol: ProtocolConnection,
    private readonly options: SessionOptions,
  ) {
    this.contexts = new CallContexts(transport.peer);
    transport.onFrame = (frame) => this.receive(frame);
    transport.onClose = (error) => this.teardown(error);
  }

  get closed(): boolean {
    return this.closedError !== undefined;
  }

  get peer(): string {
    return this.transport.peer;
  }

  /** Calls currently being run for the peer. */
  get activeCalls(): number {
    return this.inFlight;
  }

  /** Registers a listener for the end of the session; it runs once. */
  onClose(listener: (error: ConnectionClosedError) => void): void {
    if (this.closedError) listener(this.closedError);
    else this.closeListeners.push(listener);
  }

  /**
   * Calls `method` on the peer. Rejects with `RemoteError` for a remote failure, `TimeoutError`
   * when `timeout` passes (the late answer is dropped), `AbortError` when `signal` aborts,
   * `ConnectionClosedError` when the connection is or becomes closed, and `CodecError` when the
   * arguments cannot be encoded (nothing is sent then).
   */
  call(method: string, args: unknown[], options?: CallOptions): Promise<unknown> {
    if (this.closedError) return Promise.reject(this.closedError);
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(abortError(signal));
    const id = this.allocateId();
    const timeout = options?.timeout;
    const message: CallMessage = {
      type: 'call',
      id,
      method,
      args,
      meta: options?.meta,
      kwargs: options?.kwargs,
      timeoutMs: timeout && timeout > 0 ? timeout : undefined,
    };
    let frame: Uint8Array;
    try {
      frame = this.protocol.encode(message);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise((resolve, reject) => {
      const entry: Pending = { resolve, reject, timer: undefined, cleanup: undefined };
      if (timeout && timeout > 0) {
        entry.timer = setTimeout(() => {
          this.abandon(id, new TimeoutError(`call to '${method}' timed out after ${timeout} ms`));
        }, timeout);
      }
      if (signal) {
        const onAbort = () => this.abandon(id, abortError(signal));
        signal.addEventListener('abort', onAbort, { once: true });
        entry.cleanup = () => signal.removeEventListener('abort', onAbort);
      }
      this.pending.set(id, entry);
      this.transport.send(frame);
    });
  }

  /**
   * Sends a call that expects no answer. Throws `ConnectionClosedError` on a closed
   * connection, `ProtocolError` when the protocol has no notifications, `CodecError` when the
   * arguments cannot be encoded.
   */
  notify(method: string, args: unknown[], options?: Pick<CallOptions, 'meta' | 'kwargs'>): void {
    if (this.closedError) throw this.closedError;
    if (!this.protocol.supportsNotify) {
      throw new ProtocolError('this protocol has no notifications (calls without an answer)');
    }
    const frame = this.protocol.encode({
      type: 'notify',
      method,
      args,
      meta: options?.meta,
      kwargs: options?.kwargs,
    });
    this.transport.send(frame);
  }

  /**
   * Closes the connection. With `drainMs`, first refuses new calls and waits up to that long
   * for the calls being run to finish. Pending outgoing calls reject with a
   * `ConnectionClosedError` whose `requested` is true.
   */
  async close(drainMs = 0): Promise<void> {
    if (this.closedError) return;
    this.closeRequested = true;
    if (drainMs > 0 && this.inFlight > 0) {
      this.draining = true;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, drainMs);
        this.idleWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    this.transport.close();
  }

  private allocateId(): number {
    // Ids wrap after 2^32 calls; skip any still pending from the previous lap.
    let id = this.nextId;
    while (this.pending.has(id)) id = id >= MAX_ID ? 1 : id + 1;
    this.nextId = id >= MAX_ID ? 1 : id + 1;
    return id;
  }

  private abandon(id: number, error: Error): void {
    const entry = this.pending.get(id);
    if (!entry) return;
    this.settle(id, entry);
    entry.reject(error);
    if (this.protocol.supportsCancel && !this.closedError) {
      try {
        this.transport.send(this.protocol.encode({ type: 'cancel', id }));
      } catch {
        // A cancel is a courtesy to the server; the call is already failed here.
      }
    }
  }

  private settle(id: number, entry: Pending): void {
    this.pending.delete(id);
    if (entry.timer) clearTimeout(entry.timer);
    entry.cleanup?.();
  }

  private receive(frame: Uint8Array): void {
    let message: Message;
    try {
      message = this.protocol.decode(frame);
    } catch (error) {
      // Teardown logs why: the peer broke the protocol, and only this connection pays for it.
      this.transport.close(error as Error);
      return;
    }
    switch (message.type) {
      case 'result': {
        const entry = this.pending.get(message.id);
        if (!entry) return; // a late answer to a call that timed out or was cancelled
        this.settle(message.id, entry);
        entry.resolve(message.value);
        return;
      }
      case 'error': {
        const entry = this.pending.get(message.id);
        if (!entry) return;
        this.settle(message.id, entry);
        entry.reject(remoteError(message.error));
        return;
      }
      case 'call':
        this.startCall(message);
        return;
      case 'notify':
        this.runNotify(message);
        return;
      case 'cancel':
        // Only calls still running are marked: a cancel for any other id is ignored, so a peer
        // cannot grow this table with made-up ids.
        if (this.running.has(message.id)) {
          this.running.set(message.id, true);
          this.contexts.cancel(message.id);
        }
        return;
      case 'ping':
        this.transport.send(this.protocol.encode({ type: 'pong', nonce: message.nonce }));
        return;
      case 'pong':
        return;
    }
  }

  private startCall(message: CallMessage): void {
    this.running.set(message.id, false);
    this.inFlight++;
    if (this.inFlight >= this.options.limits.maxInFlight && !this.paused) {
      // Backpressure: stop reading this peer until answers go out; nothing is dropped.
      this.paused = true;
      this.transport.pause();
    }
    if (this.protocol.ordered) {
      this.orderedTail = this.orderedTail.then(() => this.runCall(message));
    } else {
      void this.runCall(message);
    }
  }

  /**
   * Runs one incoming call and answers it. Whatever the function does (returns, throws, rejects
   * with any value at all), the call is answered or dropped and `finishCall` runs exactly once.
   */
  private runCall(message: CallMessage): Promise<void> | void {
    const { id } = message;
    if (this.draining) {
      this.answerError(id, {
        name: 'UnavailableError',
        message: 'server is shutting down',
        code: ErrorCode.UNAVAILABLE,
      });
      return this.finishCall(id);
    }
    let result: unknown;
    try {
      result = this.invoke(message);
    } catch (error) {
      this.answerError(id, this.toWireError(error));
      return this.finishCall(id);
    }
    if (isThenable(result)) {
      return Promise.resolve(result)
        .then(
          (value) => this.answer(id, value),
          (error: unknown) => this.answerError(id, this.toWireError(error)),
        )
        .catch((error: unknown) => this.internalError(id, error))
        .finally(() => this.finishCall(id));
    }
    this.answer(id, result);
    return this.finishCall(id);
  }

  /** Last resort when answering itself failed: log it, and tell the caller something. */
  private internalError(id: number, error: unknown): void {
    this.options.logger.warn(`could not answer a call from ${this.peer}: ${describe(error)}`);
    this.answerError(id, {
      name: 'InternalError',
      message: 'the server could not answer',
      code: ErrorCode.INTERNAL,
    });
  }

  /** For functions registered with `withContext`: the context of the call being started. */
  contextFor(call: CallMessage | NotifyMessage): CallContext {
    return this.contexts.create(call);
  }

  private invoke(call: CallMessage | NotifyMessage): unknown {
    const registry = this.options.registry;
    if (!registry) {
      const method = call.method;
      throw new RemoteError({
        name: 'MethodNotFoundError',
        message: `no method '${method}': this end serves no functions`,
        code: ErrorCode.METHOD_NOT_FOUND,
        data: { method },
      });
    }
    return registry.invoke(call, this);
  }

  private finishCall(id: number): void {
    this.running.delete(id);
    this.contexts.finish(id);
    this.inFlight--;
    if (this.paused && this.inFlight < this.options.limits.maxInFlight / 2) {
      this.paused = false;
      this.transport.resume();
    }
    if (this.inFlight === 0 && this.idleWaiters.length > 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const waiter of waiters) waiter();
    }
  }

  private answer(id: number, value: unknown): void {
    if (this.closedError || this.running.get(id) === true) return;
    let frame: Uint8Array;
    try {
      frame = this.protocol.encode({ type: 'result', id, value });
    } catch (error) {
      this.answerError(id, {
        name: 'CodecError',
        message: `the result could not be encoded: ${(error as Error).message}`,
        code: ErrorCode.INTERNAL,
      });
      return;
    }
    this.transport.send(frame);
  }

  private answerError(id: number, error: WireError): void {
    if (this.closedError || this.running.get(id) === true) return;
    let frame: Uint8Array;
    try {
      frame = this.protocol.encode({ type: 'error', id, error });
    } catch {
      try {
        // The error's data could not be encoded: send the error without it.
        frame = this.protocol.encode({ type: 'error', id, error: { ...error, data: undefined } });
      } catch {
        frame = this.protocol.encode({ type: 'error', id, error: UNENCODABLE_ERROR });
      }
    }
    this.transport.send(frame);
  }

  private runNotify(message: NotifyMessage): void {
    const report = (error: unknown) =>
      this.options.logger.warn(
        `notification '${message.method}' from ${this.peer} failed: ${describe(error)}`,
      );
    try {
      const result = this.invoke(message);
      if (isThenable(result)) Promise.resolve(result).catch(report);
    } catch (error) {
      report(error);
    }
  }

  private toWireError(error: unknown): WireError {
    return toWireError(error, this.options.exposeStack === true);
  }

  private teardown(cause?: Error): void {
    if (this.closedError) return;
    const requested = this.closeRequested;
    const reason = requested
      ? 'connection closed'
      : `connection to ${this.peer} lost${cause ? `: ${cause.message}` : ''}`;
    this.closedError = new ConnectionClosedError(reason, { cause, requested });
    if (cause instanceof FarcallError) {
      // A frame over a limit, a malformed message: say which connection and why.
      this.options.logger.warn(`closing connection from ${this.peer}: ${cause.message}`);
    }
    const pending = [...this.pending.entries()];
    this.pending.clear();
    for (const [, entry] of pending) {
      if (entry.timer) clearTimeout(entry.timer);
      entry.cleanup?.();
      entry.reject(this.closedError);
    }
    this.contexts.closeAll(this.closedError);
    for (const listener of this.closeListeners.splice(0)) listener(this.closedError);
    for (const waiter of this.idleWaiters.splice(0)) waiter();
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value instanceof Promise ||
    (typeof value === 'object' &&
      value !== null &&
      typeof (value as { then?: unknown }).then === 'function')
  );
}

function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof FarcallError) return reason;
  return new AbortError('call aborted', { cause: reason });
}
