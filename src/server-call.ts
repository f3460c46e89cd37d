/**
 * The context of one incoming call: what a `withContext` function gets and what server
 * interceptors get. A class, so that making one per call is one small allocation with its
 * accessors on the prototype; what is not always needed (the signal, the identity,
 * `call.caller`, `state`, `responseMeta`) is made when first read.
 */
import type { Identity } from './identity.js';
import type { ServerCall } from './interceptors.js';
import type { IncomingCall, IncomingNotify } from './protocol/protocol.js';

/** What a context reads from its connection and its call, when asked. */
export interface ContextSource {
  readonly peer: string;
  readonly identity: Identity;
  caller(): unknown;
}

/** Where the context's lazy parts live: the responder's entry for the call. */
export interface ContextHolder {
  /** The call's signal, made on first read. */
  signal(): AbortSignal;
  /** The response metadata object, made on first read; undefined for a notification. */
  responseMeta: Record<string, string> | undefined;
  readonly answered: boolean;
}

const NO_META: Readonly<Record<string, string>> = Object.freeze({});

export class CallContextImpl implements ServerCall {
  readonly method: string;
  args: unknown[];
  readonly kwargs: Record<string, unknown> | undefined;
  readonly meta: Readonly<Record<string, string>>;
  readonly peer: string;
  private stateOf: Record<string, unknown> | undefined;
  private dropped: Record<string, string> | undefined;

  constructor(
    readonly kind: 'call' | 'notify',
    call: IncomingCall | IncomingNotify,
    readonly protocol: string,
    private readonly source: ContextSource,
    private readonly holder: ContextHolder,
  ) {
    this.method = call.method;
    this.args = call.args;
    this.kwargs = call.kwargs;
    this.meta = call.meta ?? NO_META;
    this.peer = source.peer;
  }

  get signal(): AbortSignal {
    return this.holder.signal();
  }

  get identity(): Identity {
    return this.source.identity;
  }

  get caller(): ServerCall['caller'] {
    return this.source.caller() as ServerCall['caller'];
  }

  get state(): Record<string, unknown> {
    this.stateOf ??= {};
    return this.stateOf;
  }

  get responseMeta(): Record<string, string> {
    if (!this.holder.answered) {
      // A notification has no answer to carry it.
      this.dropped ??= {};
      return this.dropped;
    }
    this.holder.responseMeta ??= {};
    return this.holder.responseMeta;
  }
}
