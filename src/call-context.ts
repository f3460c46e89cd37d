import { type ConnectionClosedError, RemoteError, TimeoutError } from './errors.js';
import type { CallMessage, NotifyMessage } from './protocol/protocol.js';

/**
 * What a function registered with `withContext` learns about the call it is running.
 * `signal` aborts when the caller gives up: its timeout passed (the deadline travels with the
 * call), it cancelled or aborted the call, or the connection closed. The abort `reason` says
 * which: a `TimeoutError`, a `RemoteError` with code `CANCELLED`, or a `ConnectionClosedError`.
 */
export interface CallContext {
  readonly signal: AbortSignal;
  /** The string metadata the caller attached (`withOptions(remote, { meta })`). */
  readonly meta: Readonly<Record<string, string>>;
  /** The dotted name the function was called by. */
  readonly method: string;
  /** The caller's address, for logs. */
  readonly peer: string;
}

const NO_META: Readonly<Record<string, string>> = Object.freeze({});

interface Live {
  controller: AbortController;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/**
 * The contexts of one session's running calls. Only functions that asked for a context get
 * one, so a plain call costs nothing here; the session tells this table when a call is
 * cancelled, when it ends, and when the connection closes.
 */
export class CallContexts {
  private readonly live = new Map<number, Live>();
  /** Aborts on close; notifications share it, having no id to cancel them by. */
  private closing: AbortController | undefined;

  constructor(private readonly peer: string) {}

  /** A context for `message`; a call's signal also aborts at its deadline and on cancel. */
  create(message: CallMessage | NotifyMessage): CallContext {
    const base = { meta: message.meta ?? NO_META, method: message.method, peer: this.peer };
    if (message.type === 'notify') {
      this.closing ??= new AbortController();
      return { ...base, signal: this.closing.signal };
    }
    const controller = new AbortController();
    const timeoutMs = message.timeoutMs;
    const timer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            controller.abort(
              new TimeoutError(
                `the caller's deadline of ${timeoutMs} ms for '${message.method}' passed`,
              ),
            );
          }, timeoutMs);
    this.live.set(message.id, { controller, timer });
    return { ...base, signal: controller.signal };
  }

  /** The caller cancelled call `id` (its timeout passed, or it aborted). */
  cancel(id: number): void {
    const entry = this.live.get(id);
    if (!entry) return;
    const reason = new RemoteError({
      name: 'CancelledError',
      message: 'the caller cancelled the call',
      code: 'CANCELLED',
    });
    entry.controller.abort(reason);
  }

  /** Call `id` ended; its deadline timer goes. */
  finish(id: number): void {
    if (this.live.size === 0) return;
    const entry = this.live.get(id);
    if (!entry) return;
    if (entry.timer) clearTimeout(entry.timer);
    this.live.delete(id);
  }

  /** The connection closed: every running call's signal aborts with `error`. */
  closeAll(error: ConnectionClosedError): void {
    for (const entry of this.live.values()) {
      if (entry.timer) clearTimeout(entry.timer);
      entry.controller.abort(error);
    }
    this.live.clear();
    this.closing?.abort(error);
  }
}
