/**
 * The calling side over an exchange transport (HTTP): calls made in the same turn of the event
 * loop leave in one request (a batch; `transport: { batch: false }`, or a protocol without
 * batches, sends one request per call), and the response's answers are matched to them by id.
 * Deadlines travel with the calls where the protocol carries them; a call whose caller gives up
 * is failed here, its request aborted when it was alone in it, or else (where the protocol can
 * cancel) a cancel sent in a request of its own.
 */
import type { Caller, CallOptions } from './caller.js';
import { type Deadline, Deadlines, timeoutMs } from './deadlines.js';
import {
  AbortError,
  AuthenticationError,
  ConnectionClosedError,
  LimitError,
  ProtocolError,
  TimeoutError,
} from './errors.js';
import { AUTH_HEADER, CLIENT_HEADER, signRequest, verifyResponse } from './http-auth.js';
import type { Limits } from './limits.js';
import type { Logger } from './logger.js';
import { answerMeta, type Outcome, settled } from './outcome.js';
import type { Protocol, ProtocolConnection, ProtocolOptions } from './protocol/protocol.js';
import { refuseUncarried } from './streams/refusal.js';
import type { ConnectionStats } from './streams/stats.js';
import type { Exchange } from './transport/transport.js';

export interface ExchangeCallerConfig {
  readonly url: string;
  readonly protocol: Protocol;
  readonly protocolOptions: ProtocolOptions;
  readonly limits: Limits;
  readonly logger: Logger;
  readonly authkey: Uint8Array | undefined;
  /** Batch calls of one turn into one request (default true). */
  readonly batch?: boolean | undefined;
}

class Pending {
  deadline: Deadline | undefined;
  cleanup: (() => void) | undefined;
  request: Request | undefined;
  constructor(
    readonly id: number,
    readonly method: string,
    readonly frame: Uint8Array,
    /** How long the caller waits, in ms; undefined for ever. */
    readonly timeoutMs: number | undefined,
    readonly resolve: (outcome: Outcome) => void,
  ) {}
}

/**
 * One request in flight and the calls it carries. `abort` exists only when one of them can be
 * given up on (it has a timeout or a signal): an AbortController and the listeners a request
 * puts on its signal cost more than the rest of a batch's bookkeeping. Closing the exchange ends
 * the requests that have none.
 */
class Request {
  abort: AbortController | undefined;
  constructor(readonly calls: Pending[]) {}
}

export class ExchangeCaller implements Caller {
  readonly url: string;
  private readonly connection: ProtocolConnection;
  private readonly deadlines = new Deadlines();
  private readonly pending = new Map<number, Pending>();
  private outgoing: Pending[] = [];
  private outgoingNotifies: Uint8Array[] = [];
  private flushScheduled = false;
  private nextId = 1;
  private closed = false;
  private readonly clientId = randomId();
  /** Where streams and callbacks cannot go, for the error that refuses them. */
  private readonly where: string;

  constructor(
    private readonly exchange: Exchange,
    private readonly config: ExchangeCallerConfig,
  ) {
    this.url = config.url;
    this.where = `HTTP (${config.url}: one request, one response)`;
    const codecs = config.protocol.codecs;
    if (!codecs || !config.protocol.contentType) {
      throw new ProtocolError(`the ${config.protocol.name} protocol does not run over HTTP`);
    }
    this.connection = codecs(config.protocolOptions);
  }

  /**
   * Sends an empty batch, so that `connect` fails at once, with a clear error, on a wrong key or
   * an endpoint that is not farcall's; `signal` (the connect timeout) aborts it.
   */
  async probe(signal?: AbortSignal): Promise<void> {
    const codec = this.connection.caller!;
    // The probe is this transport's opening, and is bounded like one.
    const body = codec.writeProbe?.() ?? codec.writeBatch!([]);
    await this.request([], body, { signal, waitMs: this.config.limits.handshakeTimeoutMs });
  }

  async call(method: string, args: readonly unknown[], options?: CallOptions): Promise<unknown> {
    const outcome = await this.start(method, args, options);
    answerMeta(outcome, options);
    return settled(outcome, method, this.url, closedByUs);
  }

  private start(
    method: string,
    args: readonly unknown[],
    options: CallOptions | undefined,
  ): Promise<Outcome> {
    if (this.closed)
      return Promise.resolve({
        type: 'failed',
        error: new ConnectionClosedError('connection closed', { requested: true }),
      });
    const signal = options?.signal;
    if (signal?.aborted) return Promise.resolve({ type: 'aborted', reason: signal.reason });
    let timeout: number | undefined;
    let frame: Uint8Array;
    const id = this.nextId++;
    try {
      timeout = timeoutMs(options?.timeout, 'timeout');
      refuseUncarried(args, this.where);
      frame = this.connection.caller!.writeCall({
        id,
        method,
        args,
        meta: options?.meta,
        kwargs: options?.kwargs,
        timeoutMs: timeout,
      });
      if (frame.length > this.config.limits.maxFrameBytes) {
        throw new LimitError(
          `the call to '${method}' is ${frame.length} bytes, over limits.maxFrameBytes`,
        );
      }
    } catch (error) {
      return Promise.resolve({ type: 'failed', error: error as Error });
    }
    return new Promise((resolve) => {
      const entry = new Pending(id, method, frame, timeout, resolve);
      if (timeout !== undefined) entry.deadline = this.deadlines.add(timeout, this.timedOut, entry);
      if (signal) {
        const onAbort = () => this.abandon(entry, { type: 'aborted', reason: signal.reason });
        signal.addEventListener('abort', onAbort, { once: true });
        entry.cleanup = () => signal.removeEventListener('abort', onAbort);
      }
      this.pending.set(id, entry);
      this.outgoing.push(entry);
      this.schedule();
    });
  }

  notify(method: string, args: readonly unknown[], options?: CallOptions): void {
    if (this.closed) throw new ConnectionClosedError('connection closed', { requested: true });
    refuseUncarried(args, this.where);
    this.outgoingNotifies.push(
      this.connection.caller!.writeNotify({
        method,
        args,
        meta: options?.meta,
        kwargs: options?.kwargs,
      }),
    );
    this.schedule();
  }

  private schedule(): void {
    if (this.config.batch === false || !this.connection.capabilities.batch) {
      this.flush();
      return;
    }
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    queueMicrotask(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    const calls = this.outgoing;
    const notifies = this.outgoingNotifies;
    this.outgoing = [];
    this.outgoingNotifies = [];
    if (calls.length === 0 && notifies.length === 0) return;
    this.post(calls, notifies).catch((error: Error) => {
      for (const call of calls) this.settle(call, { type: 'failed', error });
      if (calls.length === 0)
        this.config.logger.warn(`notifications to ${this.url} failed: ${error.message}`);
    });
  }

  /**
   * Sends one request and settles its calls from the response; rejects when it failed as a
   * whole. `waitMs` bounds a request that holds no call (the probe); `signal` aborts it.
   */
  private async post(
    calls: Pending[],
    notifies: Uint8Array[],
    signal?: AbortSignal,
    waitMs?: number,
  ): Promise<void> {
    const codec = this.connection.caller!;
    const frames = [...calls.map((c) => c.frame), ...notifies];
    // A protocol without batches sends each call alone (`schedule` flushes every one).
    const body = codec.writeBatch ? codec.writeBatch(frames) : frames[0]!;
    return this.request(calls, body, {
      signal,
      waitMs,
      oneWay: calls.length === 0 && notifies.length > 0,
    });
  }

  /**
   * Posts `body`, which carries `calls` (none for a probe or notifications: then the response's
   * status is all that is read), and settles them from the response. `waitMs` bounds a request
   * without calls; `oneWay` says it holds notifications only.
   */
  private async request(
    calls: Pending[],
    body: Uint8Array,
    options: { signal?: AbortSignal | undefined; waitMs?: number | undefined; oneWay?: boolean },
  ): Promise<void> {
    const { signal, waitMs } = options;
    const codec = this.connection.caller!;
    const request = new Request(calls);
    let wait: number | undefined = calls.length === 0 ? waitMs : 0;
    let abandonable = false;
    for (const call of calls) {
      call.request = request;
      if (call.deadline !== undefined || call.cleanup !== undefined) abandonable = true;
      // The request waits as long as its most patient call; a call without a timeout, for ever.
      if (wait !== undefined)
        wait = call.timeoutMs === undefined ? undefined : Math.max(wait, call.timeoutMs);
    }
    let requestSignal = signal;
    if (abandonable) {
      request.abort = new AbortController();
      requestSignal = signal
        ? AbortSignal.any([request.abort.signal, signal])
        : request.abort.signal;
    }
    const headers: Record<string, string> = { [CLIENT_HEADER]: this.clientId };
    const key = this.config.authkey;
    const signed = key ? await signRequest(key, this.exchange.path, body) : undefined;
    if (signed) headers[AUTH_HEADER] = signed.header;
    const response = await this.exchange.request({
      body,
      contentType: this.config.protocol.contentType!,
      headers,
      signal: requestSignal,
      timeoutMs: wait,
      oneWay: options.oneWay === true,
    });
    const where = `${this.url} answered HTTP ${response.status}`;
    if (response.status === 401)
      throw new AuthenticationError(`${where}: ${textOf(response.body)}`);
    if (response.status === 413)
      throw new LimitError(`${where}: the request was over the server's limit`);
    // The server is closing (ZeroMQ, behind a device) and ran none of the calls: safe to retry.
    if (response.status === 503)
      throw new ConnectionClosedError(`${where}: ${textOf(response.body)}; the calls did not run`);
    if (response.status === 204 && calls.length === 0) return;
    if (response.status !== 200) {
      throw new ProtocolError(
        `${where}${response.status === 404 ? ' (no farcall endpoint at that path)' : ''}: ${textOf(response.body)}`,
      );
    }
    if (
      key &&
      signed &&
      !(await verifyResponse(key, signed.nonce, response.headers[AUTH_HEADER], response.body))
    ) {
      throw new AuthenticationError(`${this.url} could not prove it knows the authkey`);
    }
    if (calls.length === 0) return;
    if (response.body.length > this.config.limits.maxFrameBytes) {
      throw new LimitError(`the response from ${this.url} is over limits.maxFrameBytes`);
    }
    codec.readAnswers(
      response.body,
      (id) => this.pending.has(id),
      (answer) => {
        // An answer without an id (XML-RPC) answers the one call of its request.
        const entry =
          answer.id === undefined && calls.length === 1
            ? calls[0]
            : this.pending.get(answer.id as number);
        if (entry)
          this.settle(entry, answer.id === undefined ? { ...answer, id: entry.id } : answer);
      },
    );
    for (const call of calls) {
      if (this.pending.get(call.id) === call) {
        this.settle(call, {
          type: 'failed',
          error: new ProtocolError(`${this.url} sent no answer to the call to '${call.method}'`),
        });
      }
    }
  }

  private settle(entry: Pending, outcome: Outcome): void {
    if (this.pending.get(entry.id) !== entry) return;
    this.pending.delete(entry.id);
    entry.deadline?.cancel();
    entry.cleanup?.();
    entry.resolve(outcome);
  }

  /** The caller gave up: fail the call now; abort its request if nothing else waits on it. */
  /** A call's timeout passed (one function for every call's deadline: no closure per call). */
  private readonly timedOut = (entry: Pending): void => {
    this.abandon(entry, { type: 'timeout', ms: entry.timeoutMs! });
  };

  private abandon(entry: Pending, outcome: Outcome): void {
    if (this.pending.get(entry.id) !== entry) return;
    this.settle(entry, outcome);
    const request = entry.request;
    if (!request) {
      this.outgoing = this.outgoing.filter((c) => c !== entry);
      return;
    }
    if (request.calls.every((c) => this.pending.get(c.id) !== c)) {
      request.abort?.abort(
        outcome.type === 'timeout' ? new TimeoutError('timed out') : new AbortError('aborted'),
      );
      return;
    }
    if (!this.connection.capabilities.cancel) return;
    const cancel = this.connection.caller!.writeCancel(entry.id);
    this.post([], [cancel]).catch(() => {});
  }

  /** Calls waiting for their response; nothing else outlives a request here. */
  stats(): ConnectionStats {
    return {
      peer: this.url,
      open: !this.closed,
      pendingCalls: this.pending.size,
      runningCalls: 0,
      streams: { outgoing: 0, incoming: 0 },
      references: { exported: 0, imported: 0 },
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const error = new ConnectionClosedError('connection closed', { requested: true });
    for (const entry of [...this.pending.values()]) {
      entry.request?.abort?.abort(error);
      this.settle(entry, { type: 'failed', error });
    }
    this.deadlines.clear();
    await this.exchange.close();
  }
}

const closedByUs = () => new ConnectionClosedError('connection closed', { requested: true });

function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function textOf(body: Uint8Array): string {
  return new TextDecoder().decode(body.subarray(0, 300)).trim();
}
