/**
 * The answering end of `nats://`: a queue subscription on the subject, so that every server of
 * the subject shares its requests and NATS balances them; each request is handed to the
 * server's `handlers.exchange`, as an HTTP request is, and its answer sent to the reply subject.
 *
 * - All requests a server takes are one "connection" to the answering side: admission
 *   (`limits.maxInFlight`) bounds the calls this server runs at once, whoever sent them.
 * - A cancel on `_FARCALL.CANCEL.<subject>` naming the reply subject of a request this server
 *   runs aborts that request (its handlers' `call.signal`); others are ignored.
 * - A request that asks for it and runs past `NOTICE_MS` gets a notice naming this server, so
 *   its client can tell when this server dies (`nats-wire.ts`).
 * - A request over `maxFrameBytes` is answered 413; an answer over the NATS server's
 *   `max_payload` is replaced by a 500 saying so, never dropped.
 * - `close(drainMs)` unsubscribes first (NATS sends new requests to the other servers, or
 *   answers "no responders" when none is left), answers what it took for up to `drainMs`, then
 *   closes the NATS connection: a graceful stop loses no call.
 */
import type { Msg, NatsConnection } from '@nats-io/transport-node';
import { ConnectionClosedError } from '../errors.js';
import type { NatsLibrary, NatsTarget, NatsTransportOptions } from './nats-connect.js';
import { registerService, type ServiceStats, serviceName } from './nats-services.js';
import {
  cancelSubject,
  DEFAULT_QUEUE,
  NOTICE_HEADER,
  NOTICE_MS,
  NOTICE_STATUS,
  readHeaders,
  SERVER_HEADER,
  STATUS_HEADER,
} from './nats-wire.js';
import type { ExchangeResponse, IncomingExchange, Listener, ListenOptions } from './transport.js';

export function natsListener(
  nats: NatsLibrary,
  connection: NatsConnection,
  target: NatsTarget,
  options: ListenOptions,
  transport: NatsTransportOptions,
  loopback: boolean,
): Listener {
  const onExchange = options.handlers.exchange;
  if (!onExchange) throw new Error('farcall: nats listeners carry exchanges');
  const queue = transport.queue ?? DEFAULT_QUEUE;
  const id = nats.nuid.next();
  const name = transport.service ?? serviceName(target.subject);
  /** The one "connection" every request of this server shares, for admission. */
  const shared = {};
  /** Requests being answered, by reply subject (notifications get a key of their own). */
  const running = new Map<string, Running>();
  const stats: ServiceStats = { requests: 0, errors: 0, lastError: '', processingNs: 0 };
  let idle: (() => void) | undefined;

  // One timer for every notice, running only while requests do. Requests are in the map in the
  // order they came, so the walk stops at the first one too young for a notice.
  let noticeTimer: ReturnType<typeof setInterval> | undefined;
  const sendNotices = () => {
    const due = Date.now() - NOTICE_MS;
    for (const request of running.values()) {
      if (request.since > due) break;
      if (!request.notice) continue;
      request.notice = undefined;
      const headers = nats.headers();
      headers.set(STATUS_HEADER, NOTICE_STATUS);
      headers.set(SERVER_HEADER, `${name}.${id}`);
      try {
        connection.publish(request.reply!, undefined, { headers });
      } catch {
        // The NATS connection is gone: the answers cannot go either, and the client's own
        // bounds end its calls.
      }
    }
  };

  const send = (msg: Msg, answer: ExchangeResponse) => {
    const headers = nats.headers();
    for (const [name, value] of Object.entries(answer.headers)) headers.set(name, value);
    headers.set(STATUS_HEADER, String(answer.status));
    const max = connection.info?.max_payload ?? Number.POSITIVE_INFINITY;
    if (answer.body.length > max) {
      const text = `farcall: the answer is ${answer.body.length} bytes, over the NATS server's max_payload of ${max} bytes\n`;
      headers.set(STATUS_HEADER, '500');
      headers.set('content-type', 'text/plain; charset=utf-8');
      msg.respond(new TextEncoder().encode(text), { headers });
      return;
    }
    msg.respond(answer.body, { headers });
  };

  const handle = async (msg: Msg) => {
    const started = process.hrtime.bigint();
    stats.requests++;
    const key = msg.reply ?? `notify ${stats.requests}`;
    const abort = new AbortController();
    const wantsNotice = msg.reply !== undefined && msg.headers?.get(NOTICE_HEADER) === '1';
    running.set(key, {
      abort,
      since: Date.now(),
      reply: msg.reply,
      notice: wantsNotice || undefined,
    });
    noticeTimer ??= setInterval(sendNotices, NOTICE_MS);
    try {
      let answer: ExchangeResponse;
      if (msg.data.length > options.maxFrameBytes) {
        answer = plain(413, `the body is over the limit of ${options.maxFrameBytes} bytes`);
      } else {
        const headers = readHeaders(msg.headers);
        const incoming: IncomingExchange = {
          path: target.subject,
          // The client library may reuse the buffer a message was read into.
          body: msg.data.slice(),
          contentType: headers['content-type'] ?? '',
          headers,
          peer: `nats client ${(headers['farcall-client'] ?? '?').slice(0, 8)}`,
          signal: abort.signal,
          connection: shared,
        };
        answer = await onExchange(incoming);
      }
      if (answer.status >= 400) {
        stats.errors++;
        stats.lastError = `${answer.status}`;
      }
      if (msg.reply && !abort.signal.aborted) send(msg, answer);
    } catch (error) {
      stats.errors++;
      stats.lastError = (error as Error).message;
      options.warn(`NATS request on '${target.subject}' failed: ${(error as Error).message}`);
    } finally {
      running.delete(key);
      stats.processingNs += Number(process.hrtime.bigint() - started);
      if (running.size === 0) {
        clearInterval(noticeTimer);
        noticeTimer = undefined;
        idle?.();
      }
    }
  };

  const requests = connection.subscribe(target.subject, {
    queue,
    callback: (_error, msg) => void handle(msg),
  });
  const cancels = connection.subscribe(cancelSubject(target.subject), {
    callback: (_error, msg) => {
      const reply = new TextDecoder().decode(msg.data);
      running
        .get(reply)
        ?.abort.abort(new ConnectionClosedError('the caller gave up on the request'));
    },
  });
  const service = registerService(
    connection,
    id,
    {
      name,
      version: transport.serviceVersion ?? '0.0.0',
      subject: target.subject,
      queue,
      methods: options.methods ?? (() => []),
    },
    stats,
  );

  let closing: Promise<void> | undefined;
  const close = (drainMs = 5000) => {
    closing ??= (async () => {
      // Drained first: no request is delivered to this server past this point. Each step is
      // bounded, since a NATS connection that is reconnecting flushes nothing until it is back.
      await within(requests.drain(), drainMs);
      // The services API keeps answering until the end: clients whose calls this server still
      // runs ping it to know it is alive.
      if (running.size > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, drainMs);
          idle = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
      clearInterval(noticeTimer);
      cancels.unsubscribe();
      for (const sub of service) sub.unsubscribe();
      if (!(await within(connection.drain(), drainMs))) await connection.close().catch(() => {});
    })();
    return closing;
  };
  return { url: target.url, loopback, close };
}

/** Whether `promise` settled within `ms` (its failure counts as settled: there is no more to do). */
function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    const done = () => {
      clearTimeout(timer);
      resolve(true);
    };
    promise.then(done, done);
  });
}

/** A request being answered. */
interface Running {
  readonly abort: AbortController;
  /** When it came (`Date.now()`). */
  readonly since: number;
  readonly reply: string | undefined;
  /** Set while the request wants a notice and has not had it. */
  notice: true | undefined;
}

function plain(status: number, message: string): ExchangeResponse {
  return {
    status,
    body: new TextEncoder().encode(`farcall: ${message}\n`),
    headers: { 'content-type': 'text/plain; charset=utf-8' },
  };
}
