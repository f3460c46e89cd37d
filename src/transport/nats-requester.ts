/**
 * The calling end of `nats://`: an `Exchange` whose requests are NATS requests on the subject,
 * answered on this client's inbox. One wildcard subscription (`_INBOX.<id>.*`) receives every
 * answer, and each request has its own reply subject under it, so a request can be forgotten,
 * and its timer cleared, the moment its caller gives up (the NATS client's own `request()`
 * keeps a request until its timeout).
 *
 * - A request nobody serves fails at once: the NATS server answers "no responders", and the
 *   request rejects with `ConnectionClosedError` saying no farcall server serves the subject.
 * - A request still running after a moment gets a notice naming the server that runs it; while
 *   it waits, that server is pinged through the services API every `LIVENESS_MS`, and when NATS
 *   answers "no responders" (the process died, or lost NATS), its requests reject at once with
 *   `ConnectionClosedError`.
 * - Every request is also bounded: by its calls' longest timeout and a second, or by
 *   `requestTimeout` when a call has none, since a server may die before its notice (or its
 *   machine vanish without a word to NATS); this ends such a call with `TimeoutError`.
 * - An aborted request publishes a cancel on `_FARCALL.CANCEL.<subject>`, which every server of
 *   the subject hears; the one running the request aborts its handlers' signals.
 * - A request that holds only notifications is published with no reply subject.
 * - When the NATS connection closes for good, pending requests reject with
 *   `ConnectionClosedError`.
 */
import type { Msg, NatsConnection } from '@nats-io/transport-node';
import {
  AbortError,
  ConnectionClosedError,
  LimitError,
  TimeoutError,
  UsageError,
} from '../errors.js';
import type { NatsLibrary, NatsTarget } from './nats-connect.js';
import {
  cancelSubject,
  LIVENESS_MS,
  NOTICE_HEADER,
  NOTICE_STATUS,
  readHeaders,
  SERVER_HEADER,
  STATUS_HEADER,
} from './nats-wire.js';
import type { Exchange, ExchangeRequest, ExchangeResponse } from './transport.js';

/** Past its calls' own deadline, a request waits this much more, so their deadline speaks first. */
const GRACE_MS = 1000;
const MAX_TIMER_MS = 0x7fffffff;

interface Waiting {
  resolve(response: ExchangeResponse): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout>;
  cleanup(): void;
  /** The server that said it runs the request (`NAME.ID`), once it did. */
  server?: string | undefined;
}

export class NatsRequester implements Exchange {
  readonly peer: string;
  readonly path: string;
  private readonly inbox: string;
  private readonly waiting = new Map<string, Waiting>();
  private next = 0;
  private closedError: Error | undefined;
  /** Reply subjects of noticed requests, by the server that runs them. */
  private readonly pinned = new Map<string, Set<string>>();
  private livenessTimer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly nats: NatsLibrary,
    private readonly connection: NatsConnection,
    private readonly target: NatsTarget,
    private readonly requestTimeoutMs: number,
    /** The NATS option `inboxPrefix`, where the account's permissions want one. */
    inboxPrefix?: string | undefined,
  ) {
    if (!(requestTimeoutMs > 0 && requestTimeoutMs <= MAX_TIMER_MS)) {
      throw new UsageError(
        `transport.requestTimeout must be between 1 and ${MAX_TIMER_MS} ms, got ${requestTimeoutMs}`,
      );
    }
    this.peer = target.url;
    this.path = target.subject;
    this.inbox = nats.createInbox(inboxPrefix);
    connection.subscribe(`${this.inbox}.*`, { callback: (_error, msg) => this.answer(msg) });
    void connection.closed().then((error) => {
      this.failAll(
        new ConnectionClosedError(
          `the connection to the NATS server at ${target.server} closed${error ? `: ${error.message}` : ''}`,
          error ? { cause: error } : {},
        ),
      );
    });
  }

  request(request: ExchangeRequest): Promise<ExchangeResponse> {
    if (this.closedError) return Promise.reject(this.closedError);
    const headers = this.nats.headers();
    for (const [name, value] of Object.entries(request.headers)) headers.set(name, value);
    headers.set('content-type', request.contentType);
    if (request.oneWay) {
      try {
        this.connection.publish(this.target.subject, request.body, { headers });
      } catch (error) {
        return Promise.reject(this.sendError(error, request.body.length));
      }
      return Promise.resolve({ status: 204, body: new Uint8Array(0), headers: {} });
    }
    headers.set(NOTICE_HEADER, '1');
    const reply = `${this.inbox}.${(this.next++).toString(36)}`;
    const waitMs =
      request.timeoutMs === undefined
        ? this.requestTimeoutMs
        : Math.min(request.timeoutMs + GRACE_MS, MAX_TIMER_MS);
    return new Promise((resolve, reject) => {
      const signal = request.signal;
      const onAbort = () => {
        this.forget(reply);
        // Every server of the subject hears it; the one running this request aborts it.
        try {
          this.connection.publish(cancelSubject(this.target.subject), reply);
        } catch {
          // The connection is closing: the request's server will hear of nothing more anyway.
        }
        reject(new AbortError('the request was aborted', { cause: signal?.reason }));
      };
      const timer = setTimeout(() => {
        this.forget(reply);
        reject(
          new TimeoutError(
            `no answer on '${this.target.subject}' from ${this.target.server} within ${waitMs} ms` +
              ' (the server that took the call may have gone; transport.requestTimeout bounds calls without a timeout)',
          ),
        );
      }, waitMs);
      this.waiting.set(reply, {
        resolve,
        reject,
        timer,
        cleanup: () => signal?.removeEventListener('abort', onAbort),
      });
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        this.connection.publish(this.target.subject, request.body, { reply, headers });
      } catch (error) {
        this.forget(reply);
        reject(this.sendError(error, request.body.length));
      }
    });
  }

  private answer(msg: Msg): void {
    const entry = this.waiting.get(msg.subject);
    if (!entry) return; // given up on: dropped unread
    const data = msg.data;
    const headers = readHeaders(msg.headers);
    if (headers[STATUS_HEADER] === NOTICE_STATUS) {
      const server = headers[SERVER_HEADER];
      if (server && entry.server === undefined) this.pin(msg.subject, entry, server);
      return;
    }
    this.forget(msg.subject);
    if (msg.headers?.code === 503 && data.length === 0) {
      entry.reject(
        new ConnectionClosedError(
          `no farcall server serves '${this.target.subject}' on ${this.target.server} (NATS: no responders)`,
        ),
      );
      return;
    }
    entry.resolve({ status: Number(headers[STATUS_HEADER] ?? 0), body: data.slice(), headers });
  }

  private forget(reply: string): void {
    const entry = this.waiting.get(reply);
    if (!entry) return;
    this.waiting.delete(reply);
    clearTimeout(entry.timer);
    entry.cleanup();
    if (entry.server !== undefined) {
      const replies = this.pinned.get(entry.server);
      replies?.delete(reply);
      if (replies?.size === 0) this.pinned.delete(entry.server);
      if (this.pinned.size === 0) {
        clearInterval(this.livenessTimer);
        this.livenessTimer = undefined;
      }
    }
  }

  private pin(reply: string, entry: Waiting, server: string): void {
    entry.server = server;
    let replies = this.pinned.get(server);
    if (!replies) {
      replies = new Set();
      this.pinned.set(server, replies);
    }
    replies.add(reply);
    this.livenessTimer ??= setInterval(() => this.checkServers(), LIVENESS_MS);
  }

  /** Pings each server that holds a request; one NATS has no responder for is gone. */
  private checkServers(): void {
    for (const server of this.pinned.keys()) {
      this.connection
        .request(`$SRV.PING.${server}`, '', { timeout: LIVENESS_MS })
        .catch((error: unknown) => {
          if (!isNoResponders(error)) return; // slow or unsure: the request's own bound decides
          const gone = new ConnectionClosedError(
            `the server that took the call on '${this.target.subject}' (${server}) is gone: NATS has no responder for it`,
          );
          for (const reply of [...(this.pinned.get(server) ?? [])]) {
            const entry = this.waiting.get(reply);
            this.forget(reply);
            entry?.reject(gone);
          }
        });
    }
  }

  /** What a failed publish means: a body over the server's `max_payload`, or a closed connection. */
  private sendError(error: unknown, bytes: number): Error {
    const max = this.connection.info?.max_payload;
    if (max !== undefined && bytes > max) {
      return new LimitError(
        `the request is ${bytes} bytes, over the NATS server's max_payload of ${max} bytes`,
        { cause: error },
      );
    }
    return new ConnectionClosedError(
      `cannot send to the NATS server at ${this.target.server}: ${(error as Error).message}`,
      { cause: error },
    );
  }

  private failAll(error: Error): void {
    this.closedError ??= error;
    for (const [reply, entry] of [...this.waiting]) {
      this.forget(reply);
      entry.reject(error);
    }
  }

  async close(): Promise<void> {
    clearInterval(this.livenessTimer);
    this.failAll(new ConnectionClosedError('connection closed', { requested: true }));
    if (!this.connection.isClosed()) await this.connection.close();
  }
}

/** Whether a failed NATS request failed because nobody subscribes to its subject. */
function isNoResponders(error: unknown): boolean {
  const e = error as { isNoResponders?: () => boolean; cause?: unknown; name?: string };
  return (
    e?.isNoResponders?.() === true ||
    e?.name === 'NoRespondersError' ||
    (e?.cause as { name?: string } | undefined)?.name === 'NoRespondersError'
  );
}
