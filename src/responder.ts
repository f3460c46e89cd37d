/**
 * The answering side of a connection, apart from the session that carries it: registry lookup,
 * call contexts, admission, deadlines, drain and the ordered mode. Channel sessions and exchange
 * handlers each drive one, so a call is answered the same way over a socket and over HTTP.
 */
import type { Deadline, Deadlines } from './deadlines.js';
import { ConnectionClosedError, ErrorCode, RemoteError, TimeoutError } from './errors.js';
import type { Identity } from './identity.js';
import { runChain, type ServerCall, type ServerInterceptor } from './interceptors.js';
import type { Limits } from './limits.js';
import type { Logger } from './logger.js';
import type {
  Answer,
  AnswererCodec,
  CallGroup,
  Incoming,
  IncomingCall,
  IncomingNotify,
  WireError,
} from './protocol/protocol.js';
import type { Registry } from './registry.js';
import { CallContextImpl, type ContextHolder } from './server-call.js';
import { bareWireError, describe, toWireError, UNENCODABLE_ERROR } from './wire-error.js';

/** What every connection of one server shares. */
export interface ResponderConfig {
  readonly registry: Registry | undefined;
  readonly limits: Limits;
  readonly logger: Logger;
  /** Send the stack of thrown errors to the caller. */
  readonly exposeStack: boolean;
  /** Around every call and notification, outermost first; undefined when none is installed. */
  readonly interceptors?: readonly ServerInterceptor[] | undefined;
}

/** Where a responder's answers go, and what it knows about the other end. */
export interface AnswerSink {
  readonly peer: string;
  /** What the connection proved about the other end (read when a call asks). */
  readonly identity: Identity;
  /** The answer to one call that came alone. */
  answer(answer: Answer): void;
  /** The answers to one batch, all at once; empty when the batch held only notifications. */
  batch(answers: readonly Answer[]): void;
  /** A remote of what the calling end exposed, for `call.caller`. */
  caller(): unknown;
  /**
   * Runs this end's function `reference`, which the caller was passed (a callback); throws
   * `RemoteError` when it is not alive. Only where the protocol carries callbacks.
   */
  invokeReference?(reference: number, args: unknown[]): unknown;
  /** A call that was admitted is over (answered, cancelled, past its deadline). */
  settled?(id: unknown): void;
}

export interface ResponderOptions {
  /** Answer one call at a time, in order (protocols that correlate first in, first out). */
  readonly ordered: boolean;
  /** Calls are cancelled by id (the native protocol), so running calls are kept by id. */
  readonly cancellable: boolean;
  /** The session's deadlines, for the callers' timeouts that travel with their calls. */
  readonly deadlines: Deadlines;
  /** The protocol's name, for `call.protocol`. */
  readonly protocol: string;
}

/**
 * Collects the answers of one batch until every call in it is answered, each in its call's
 * place: the answers go out in the order of the calls (XML-RPC's `system.multicall` has no ids
 * to match them by; JSON-RPC allows any order and gets this one).
 */
class BatchReply {
  private readonly answers: (Answer | undefined)[];
  private count = 0;
  constructor(
    private readonly expected: number,
    private readonly done: (answers: readonly Answer[]) => void,
  ) {
    this.answers = new Array<Answer | undefined>(expected);
  }

  add(index: number, answer: Answer): void {
    this.answers[index] = answer;
    this.count++;
    this.check();
  }

  /** The call in place `index` gets no answer (a dropped duplicate): the batch is done without it. */
  skip(index: number): void {
    this.answers[index] = undefined;
    this.count++;
    this.check();
  }

  private check(): void {
    if (this.count !== this.expected) return;
    this.done(this.answers.filter((answer): answer is Answer => answer !== undefined));
  }
}

/** Where an answer of a batch goes: its batch, and its place among the batch's answers. */
interface Slot {
  readonly reply: BatchReply;
  readonly index: number;
}

/** One call being run. `settled` is set once it is answered or released, whichever is first. */
class Running implements ContextHolder {
  readonly answered = true;
  settled = false;
  /** Made when the call's signal is first read: an AbortController costs microseconds. */
  controller: AbortController | undefined;
  /** Why the call was given up, kept for a signal that is read only afterwards. */
  abortReason: unknown;
  deadline: Deadline | undefined;
  /** The call's context, made when the function or an interceptor first needs it. */
  context: ServerCall | undefined;
  /** What the function set in `call.responseMeta`, sent with the answer. */
  responseMeta: Record<string, string> | undefined;
  constructor(
    readonly call: IncomingCall,
    readonly slot: Slot | undefined,
  ) {}

  signal(): AbortSignal {
    return signalOf(this);
  }
}

/**
 * Answers the calls of one connection. Admission: at most `limits.maxInFlight` calls and
 * notifications run at once; past it a call is answered `UNAVAILABLE` at once and a notification
 * is dropped (logged), so reading never stops for admission. A call whose caller cancels it, or
 * whose deadline passes, gives its slot back at once, even if its handler never settles; a late
 * result is dropped.
 */
export class Responder {
  private readonly byId = new Map<unknown, Running>();
  private readonly unnamed = new Set<Running>();
  private active = 0;
  private draining = false;
  private closedError: Error | undefined;
  private readonly ordered: Running[] = [];
  private orderedBusy = false;
  private idleWaiters: (() => void)[] = [];
  private droppedNotifications = 0;
  private closing: AbortController | undefined;

  constructor(
    private readonly config: ResponderConfig,
    private readonly sink: AnswerSink,
    private readonly options: ResponderOptions,
  ) {}

  /** Calls and notifications running now. */
  get activeCalls(): number {
    return this.active;
  }

  /**
   * Handles the calls of one frame. Never throws. The answers of a batch go to the sink's `batch`
   * together; with `collect`, every answer of the group goes to it together instead (an exchange
   * answers each request with one response).
   */
  handle(group: CallGroup, collect?: (answers: readonly Answer[]) => void): void {
    if (!group.batch && !collect) {
      this.item(group.items[0]!, undefined);
      return;
    }
    let expected = 0;
    for (const item of group.items) {
      if (item.type === 'call' || (item.type === 'invalid' && item.hasId)) expected++;
    }
    const done = collect ?? ((answers: readonly Answer[]) => this.sink.batch(answers));
    const reply = new BatchReply(expected, done);
    if (expected === 0) done([]);
    let index = 0;
    for (const item of group.items) {
      const answered = item.type === 'call' || (item.type === 'invalid' && item.hasId);
      this.item(item, answered ? { reply, index: index++ } : undefined);
    }
  }

  /**
   * Stops admitting calls (new ones are answered `UNAVAILABLE`) and resolves once none is
   * running, or after `ms`, whichever is first.
   */
  drain(ms: number): Promise<void> {
    this.draining = true;
    if (this.active === 0 || ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.idleWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** The connection ended: every running call's signal aborts with `error`; no more answers. */
  close(error: Error): void {
    if (this.closedError) return;
    this.closedError = error;
    const running = [...this.byId.values(), ...this.unnamed, ...this.ordered];
    this.byId.clear();
    this.unnamed.clear();
    this.ordered.length = 0;
    for (const entry of running) {
      entry.settled = true;
      entry.deadline?.cancel();
      abort(entry, error);
    }
    this.closing?.abort(error);
    this.active = 0;
    this.wakeIdle();
  }

  private item(item: Incoming, slot: Slot | undefined): void {
    switch (item.type) {
      case 'call':
        this.call(item, slot);
        return;
      case 'notify':
        this.notify(item);
        return;
      case 'cancel':
        this.cancel(item.id);
        return;
      case 'invalid':
        if (item.hasId) this.reply(slot, { type: 'error', id: item.id, error: item.error });
        return;
    }
  }

  private call(call: IncomingCall, slot: Slot | undefined): void {
    if (this.closedError) return;
    if (this.draining) {
      this.reply(slot, refusal(call.id, 'UnavailableError', 'server is shutting down'));
      return;
    }
    if (this.active >= this.config.limits.maxInFlight) {
      this.reply(
        slot,
        refusal(
          call.id,
          'UnavailableError',
          `server is busy: ${this.active} calls of this connection are running (limits.maxInFlight)`,
        ),
      );
      return;
    }
    const cancellable = this.options.cancellable;
    if (cancellable && this.byId.has(call.id)) {
      // An id already running: answering it would answer the running call too early, so the
      // copy is dropped (a transport that delivers twice, or a confused peer); a batch is
      // complete without it.
      this.config.logger.warn(
        `dropped a call from ${this.sink.peer}: id ${String(call.id)} is already running`,
      );
      slot?.reply.skip(slot.index);
      return;
    }
    const entry = new Running(call, slot);
    if (cancellable) this.byId.set(call.id, entry);
    else this.unnamed.add(entry);
    this.active++;
    if (call.timeoutMs !== undefined) {
      entry.deadline = this.options.deadlines.add(call.timeoutMs, this.deadlinePassed, entry);
    }
    if (!this.options.ordered) {
      this.run(entry);
      return;
    }
    this.ordered.push(entry);
    if (!this.orderedBusy) this.runNextOrdered();
  }

  private runNextOrdered(): void {
    const next = this.ordered.shift();
    this.orderedBusy = next !== undefined;
    if (next) this.run(next);
  }

  /**
   * Runs one call. Whatever the function does (returns, throws, returns a thenable whose `then`
   * throws, rejects with any value at all), the call is answered or released exactly once.
   */
  private run(entry: Running): void {
    const { call } = entry;
    let result: unknown;
    let then: unknown;
    try {
      result = this.invoke(call, () => this.contextFor(entry));
      then = thenOf(result);
    } catch (error) {
      this.finish(entry, { type: 'error', id: call.id, error: this.wireError(error) });
      return;
    }
    if (typeof then !== 'function') {
      this.finish(entry, { type: 'result', id: call.id, value: result });
      return;
    }
    new Promise((resolve, reject) => {
      (then as (ok: (v: unknown) => void, fail: (e: unknown) => void) => void).call(
        result,
        resolve,
        reject,
      );
    }).then(
      (value) => this.finish(entry, { type: 'result', id: call.id, value }),
      (error: unknown) =>
        this.finish(entry, { type: 'error', id: call.id, error: this.wireError(error) }),
    );
  }

  private finish(entry: Running, answer: Answer): void {
    if (entry.settled) return; // released already: cancelled, past its deadline, or closed
    const meta = entry.responseMeta;
    const sent = meta ? this.withMeta(answer, meta, entry.call.method) : answer;
    this.settle(entry, sent);
  }

  /**
   * The answer with the response metadata its function set. A value that is not a string is
   * left out, with a log line: the answer itself still goes.
   */
  private withMeta(answer: Answer, meta: Record<string, string>, method: string): Answer {
    let sent: Record<string, string> | undefined;
    for (const [key, value] of Object.entries(meta)) {
      if (typeof value !== 'string') {
        this.config.logger.warn(
          `response metadata '${key}' set by '${method}' is a ${typeof value}, not a string: left out`,
        );
        continue;
      }
      sent ??= {};
      sent[key] = value;
    }
    return sent ? { ...answer, meta: sent } : answer;
  }

  /**
   * Frees the slot of a call, answered or not. Once the slot is free, and before the next
   * ordered call starts, the call's signal aborts with `abortReason` (if given) and `answer`
   * goes (if given): the next call may answer at once, and first in, first out protocols tell
   * answers apart only by their order.
   */
  private settle(entry: Running, answer: Answer | undefined, abortReason?: Error): void {
    entry.settled = true;
    entry.deadline?.cancel();
    if (this.options.cancellable) this.byId.delete(entry.call.id);
    else this.unnamed.delete(entry);
    this.active--;
    if (abortReason !== undefined) abort(entry, abortReason);
    if (answer !== undefined) this.reply(entry.slot, answer);
    if (this.options.ordered) this.runNextOrdered();
    if (this.active === 0) this.wakeIdle();
    this.sink.settled?.(entry.call.id);
  }

  /**
   * The requester of `group`'s calls went away (an exchange without cancels): each that still
   * runs is released, its signal aborting with `reason`; a batch still completes.
   */
  abandon(group: CallGroup, reason: unknown): void {
    const calls = new Set<unknown>(group.items);
    const error =
      reason instanceof Error ? reason : new ConnectionClosedError('the caller went away');
    for (const entry of [...this.unnamed, ...this.byId.values()]) {
      if (calls.has(entry.call)) {
        this.release(entry, error, 'the caller went away', entry.slot !== undefined);
      }
    }
  }

  private cancel(id: unknown): void {
    // Only calls still running are looked up: a cancel for any other id is ignored, so a peer
    // cannot grow a table with made-up ids.
    const entry = this.byId.get(id);
    if (!entry || entry.settled) return;
    const reason = new RemoteError({
      name: 'CancelledError',
      message: 'the caller cancelled the call',
      code: ErrorCode.CANCELLED,
    });
    // The caller gave up on it and wants no answer; only a batch needs one to be complete.
    this.release(entry, reason, 'the caller cancelled the call', entry.slot !== undefined);
  }

  private readonly deadlinePassed = (entry: Running): void => {
    const ms = entry.call.timeoutMs;
    const reason = new TimeoutError(
      `the caller's deadline of ${ms} ms for '${entry.call.method}' passed`,
    );
    this.release(entry, reason, `the caller's deadline of ${ms} ms passed`, true);
  };

  /** The caller gave up: the slot is freed now, the signal aborts, a late result is dropped. */
  private release(entry: Running, reason: Error, message: string, answer: boolean): void {
    if (entry.settled) return;
    const cancelled: Answer | undefined = answer
      ? {
          type: 'error',
          id: entry.call.id,
          error: { name: 'CancelledError', message, code: ErrorCode.CANCELLED },
        }
      : undefined;
    this.settle(entry, cancelled, reason);
  }

  private notify(notify: IncomingNotify): void {
    if (this.closedError || this.draining) return;
    if (this.active >= this.config.limits.maxInFlight) {
      this.droppedNotifications++;
      // The first drop, then every 1024th: a flood must not flood the log too.
      if ((this.droppedNotifications & 1023) === 1) {
        this.config.logger.warn(
          `dropped ${this.droppedNotifications} notification(s) from ${this.sink.peer}: ${this.active} calls are running (limits.maxInFlight)`,
        );
      }
      return;
    }
    this.active++;
    const report = (error: unknown) =>
      this.config.logger.warn(
        `notification '${notify.method}' from ${this.sink.peer} failed: ${describe(error)}`,
      );
    const done = () => {
      if (this.closedError) return;
      this.active--;
      if (this.active === 0) this.wakeIdle();
    };
    try {
      const result = this.invoke(notify, () => this.notifyContext(notify));
      const then = thenOf(result);
      if (typeof then === 'function') {
        new Promise((resolve, reject) => {
          (then as (ok: (v: unknown) => void, fail: (e: unknown) => void) => void).call(
            result,
            resolve,
            reject,
          );
        }).then(done, (error: unknown) => {
          report(error);
          done();
        });
        return;
      }
    } catch (error) {
      report(error);
    }
    done();
  }

  private invoke(call: IncomingCall | IncomingNotify, context: () => ServerCall): unknown {
    if (call.type === 'call' && call.reference !== undefined) {
      if (!this.sink.invokeReference) {
        throw new RemoteError({
          name: 'MethodNotFoundError',
          message: 'this connection carries no callbacks',
          code: ErrorCode.METHOD_NOT_FOUND,
        });
      }
      return this.sink.invokeReference(call.reference, call.args);
    }
    const registry = this.config.registry;
    if (!registry) {
      throw new RemoteError({
        name: 'MethodNotFoundError',
        message: `no method '${call.method}': this end serves no functions`,
        code: ErrorCode.METHOD_NOT_FOUND,
        data: { method: call.method },
      });
    }
    const interceptors = this.config.interceptors;
    // Without interceptors, exactly the registry's call: nothing is made that is not needed.
    if (interceptors === undefined) {
      return registry.invoke(call.method, call.args, call.kwargs, context);
    }
    const intercepted = context();
    const last = () =>
      registry.invoke(intercepted.method, intercepted.args, intercepted.kwargs, () => intercepted);
    return runChain(interceptors, intercepted, last, true);
  }

  private contextFor(entry: Running): ServerCall {
    entry.context ??= new CallContextImpl(
      'call',
      entry.call,
      this.options.protocol,
      this.sink,
      entry,
    );
    return entry.context;
  }

  private notifyContext(notify: IncomingNotify): ServerCall {
    // Notifications have no id to cancel them by: their signal aborts when the connection closes.
    const holder = {
      answered: false,
      responseMeta: undefined,
      signal: () => {
        this.closing ??= new AbortController();
        if (this.closedError && !this.closing.signal.aborted) this.closing.abort(this.closedError);
        return this.closing.signal;
      },
    };
    return new CallContextImpl('notify', notify, this.options.protocol, this.sink, holder);
  }

  private reply(slot: Slot | undefined, answer: Answer): void {
    if (this.closedError && !slot) return;
    if (slot) slot.reply.add(slot.index, answer);
    else this.sink.answer(answer);
  }

  private wireError(error: unknown): WireError {
    return toWireError(error, this.config.exposeStack);
  }

  private wakeIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const waiter of waiters) waiter();
  }
}

/** The call's signal, made on first read; aborted at once if the call was given up before. */
function signalOf(entry: Running): AbortSignal {
  if (!entry.controller) {
    entry.controller = new AbortController();
    if (entry.abortReason !== undefined) entry.controller.abort(entry.abortReason);
  }
  return entry.controller.signal;
}

/** Aborts the call's signal, or records why for a signal not read yet. */
function abort(entry: Running, reason: unknown): void {
  if (entry.controller) entry.controller.abort(reason);
  else entry.abortReason = reason;
}

function refusal(id: unknown, name: string, message: string): Answer {
  return { type: 'error', id, error: { name, message, code: ErrorCode.UNAVAILABLE } };
}

/** The `then` of a value, read once: a getter that throws throws here, inside the caller's try. */
function thenOf(value: unknown): unknown {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function'))
    return undefined;
  return (value as { then?: unknown }).then;
}

/**
 * Writes an answer, falling back so that the caller always hears something: a result that
 * cannot be encoded (or is over the caller's frame limit) becomes an error saying so; an error
 * whose data cannot be encoded goes without it; one that cannot be encoded at all becomes a
 * generic error. Never throws.
 */
export function writeAnswer(
  codec: AnswererCodec,
  answer: Answer,
  maxFrameBytes: number,
  logger: Logger,
  peer: string,
): Uint8Array {
  // The answer as it is, nearly always; the fallbacks are made only when it cannot go.
  let reason: string;
  try {
    const frame = codec.writeAnswer(answer);
    if (frame.length <= maxFrameBytes) return frame;
    reason = overFrameLimit(frame.length, maxFrameBytes);
  } catch (error) {
    reason = error instanceof Error ? error.message : 'it could not be encoded';
  }
  return writeFallback(codec, answer, reason, maxFrameBytes, logger, peer);
}

function overFrameLimit(bytes: number, maxFrameBytes: number): string {
  return `the answer is ${bytes} bytes, over the caller's frame limit of ${maxFrameBytes} (limits.maxFrameBytes)`;
}

/** An answer that could not go as it was: an error saying why, then a generic one. */
function writeFallback(
  codec: AnswererCodec,
  answer: Answer,
  why: string,
  maxFrameBytes: number,
  logger: Logger,
  peer: string,
): Uint8Array {
  let reason = why;
  const fallbacks: (() => Answer)[] = [
    () =>
      answer.type === 'result'
        ? {
            type: 'error',
            id: answer.id,
            error: {
              name: 'CodecError',
              message: `the result could not be encoded: ${reason}`,
              code: ErrorCode.INTERNAL,
            },
          }
        : {
            type: 'error',
            id: answer.id,
            error: bareWireError(answer.error),
          },
    () => ({ type: 'error', id: answer.id, error: UNENCODABLE_ERROR }),
  ];
  for (let i = 0; i < fallbacks.length; i++) {
    const next = fallbacks[i]!();
    try {
      const frame = codec.writeAnswer(next);
      // The last fallback goes whatever its size: it is a few bytes.
      if (frame.length <= maxFrameBytes || i === fallbacks.length - 1) return frame;
      reason = overFrameLimit(frame.length, maxFrameBytes);
    } catch (error) {
      reason = error instanceof Error ? error.message : 'it could not be encoded';
    }
  }
  logger.warn(`could not answer a call from ${peer}: ${reason}`);
  return new Uint8Array(0);
}
