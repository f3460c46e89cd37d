/**
 * `zmq+tcp://HOST:PORT?exchange`: each request stands alone, as an HTTP POST does, so a
 * ZeroMQ device may send each to another server. A request is `['', meta, body]` on a DEALER,
 * its answer `['', meta, body]` with the same id in the meta (zmq-wire.ts); authentication is
 * per request, as over HTTP.
 */
import { AbortError, ConnectionClosedError } from '../errors.js';
import type { Exchange, ExchangeRequest, ExchangeResponse } from './transport.js';
import { Outbox } from './zmq-outbox.js';
import type { Parts, ZmqSocket } from './zmq-socket.js';
import { DELIMITER, decodeMeta, encodeMeta, type ResponseMeta } from './zmq-wire.js';

interface Waiting {
  resolve(response: ExchangeResponse): void;
  reject(error: Error): void;
}

/**
 * The calling end. Unlike a channel it outlives a lost TCP connection (ZeroMQ reconnects, and
 * no state is lost with it): requests in flight when it drops fail at once with
 * `ConnectionClosedError` (they may or may not have run), and requests made while it is down
 * fail the same way, never wait for it. A request that reaches a server that dies is lost
 * inside ZeroMQ or the device: only its deadline ends it.
 */
export class ZmqExchange implements Exchange {
  readonly path = '';
  private readonly waiting = new Map<number, Waiting>();
  private readonly outbox: Outbox;
  private nextId = 1;
  private connected = true;
  private closed = false;

  constructor(
    private readonly socket: ZmqSocket,
    readonly peer: string,
    private readonly warn: (message: string) => void = () => {},
  ) {
    this.outbox = new Outbox(socket, () => {});
    socket.events.on('disconnect', () => {
      this.connected = false;
      this.failAll(
        new ConnectionClosedError(
          `the connection to ${peer} dropped: the request may or may not have run`,
        ),
      );
    });
    socket.events.on('handshake', () => {
      this.connected = true;
    });
    void this.read();
  }

  request(request: ExchangeRequest): Promise<ExchangeResponse> {
    if (this.closed) {
      return Promise.reject(new ConnectionClosedError('connection closed', { requested: true }));
    }
    if (!this.connected) {
      return Promise.reject(
        new ConnectionClosedError(`no connection to ${this.peer} now (ZeroMQ is reconnecting)`),
      );
    }
    const { signal } = request;
    if (signal?.aborted) return Promise.reject(abortError(signal));
    const id = this.nextId;
    this.nextId = id >= 0xffffffff ? 1 : id + 1;
    const meta = encodeMeta({ id, type: request.contentType, headers: { ...request.headers } });
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.waiting.delete(id);
        reject(abortError(signal!));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const done = () => signal?.removeEventListener('abort', onAbort);
      this.waiting.set(id, {
        resolve: (response) => {
          done();
          resolve(response);
        },
        reject: (error) => {
          done();
          reject(error);
        },
      });
      this.outbox.push([DELIMITER, meta, request.body], request.body.length);
    });
  }

  private async read(): Promise<void> {
    while (!this.closed) {
      let parts: Parts;
      try {
        parts = await this.socket.receive();
      } catch {
        return;
      }
      this.answer(parts);
    }
  }

  /** An answer to no waiting request (one that was aborted) is dropped; a malformed one is logged. */
  private answer(parts: Parts): void {
    if (parts.length !== 3 || parts[0]!.length !== 0) {
      this.warn(
        `dropped a ZeroMQ message of ${parts.length} part(s) from ${this.peer}: not an exchange answer`,
      );
      return;
    }
    let meta: ResponseMeta;
    try {
      meta = decodeMeta(parts[1]!, 'status');
    } catch (error) {
      this.warn(`dropped an answer from ${this.peer}: ${(error as Error).message}`);
      return;
    }
    const waiting = this.waiting.get(meta.id);
    if (!waiting) return;
    this.waiting.delete(meta.id);
    // The exchange caller checks the body against limits.maxFrameBytes (a LimitError).
    waiting.resolve({ status: meta.status, headers: meta.headers, body: parts[2]! });
  }

  private failAll(error: Error): void {
    const all = [...this.waiting.values()];
    this.waiting.clear();
    for (const waiting of all) waiting.reject(error);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.failAll(new ConnectionClosedError('connection closed', { requested: true }));
    this.socket.close();
  }
}

function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new AbortError('request aborted', { cause: reason });
}
