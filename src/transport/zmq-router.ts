/**
 * The server end of `zmq+tcp://`: one ROUTER socket, bound (or connected to a device's back
 * end), that tells clients apart by their routing parts and hands each a channel
 * (`ZmqPeerChannel`); exchange requests (`?exchange` clients) go to the exchange handler.
 */

import type { Listener, ListenOptions } from './transport.js';
import { Outbox } from './zmq-outbox.js';
import { type PeerHost, ZmqPeerChannel } from './zmq-peer.js';
import type { Parts, ZmqSocket } from './zmq-socket.js';
import { errorCode } from './zmq-socket.js';
import {
  CLOSE,
  DELIMITER,
  decodeMeta,
  encodeMeta,
  type RequestMeta,
  routingName,
  sameBytes,
} from './zmq-wire.js';

/** Routing parts in front of a message: one per ROUTER on the way; more is not a real route. */
const MAX_ROUTING_PARTS = 8;
/** libzmq's routing ids are at most 255 bytes. */
const MAX_ROUTING_BYTES = 255;
/** Exchange clients remembered for per-connection admission, the least recently seen forgotten first. */
const MAX_EXCHANGE_CLIENTS = 4096;
/** After `close`, time left for exchange answers still being computed, in ms. */
const CLOSE_EXCHANGES_MS = 5000;
/** Time the closes sent to clients get to leave when the socket closes, in ms. */
const LINGER_MS = 200;

const UNKNOWN =
  'unknown session: this server does not know the connection (it restarted, or forgot it after its idle timeout, or it is one of several servers behind a device: connect with ?exchange)';

/** The ROUTER's key for routing parts: each part's length and bytes, so no two routes collide. */
function keyOf(routing: Parts): string {
  let key = '';
  for (const part of routing) key += `${part.length}:${part.toString('latin1')}`;
  return key;
}

/**
 * Hostile input costs this server at most what ZeroMQ has already read: a message in the wrong
 * shape is dropped (logged, the first and then every 1024th), a frame from an unknown client that
 * does not open a connection is answered "unknown session", and a client whose frame breaks a
 * limit loses its connection alone.
 */
export class RouterHub implements Listener, PeerHost {
  private readonly peers = new Map<string, ZmqPeerChannel>();
  private readonly clients = new Map<string, object>();
  private readonly outbox: Outbox;
  private readonly stop = new AbortController();
  private accepting = true;
  private exchanges = 0;
  private dropped = 0;
  private finished: Promise<void> | undefined;
  private wakeClose: (() => void) | undefined;

  constructor(
    private readonly socket: ZmqSocket,
    readonly url: string,
    readonly loopback: boolean,
    private readonly options: ListenOptions,
  ) {
    this.outbox = new Outbox(socket, (error, tag) => {
      if (!(tag instanceof ZmqPeerChannel)) return;
      if (errorCode(error) === 'EAGAIN') {
        const why = 'does not read its messages (ZeroMQ send high-water mark reached)';
        this.options.warn(`closing connection from ${tag.peer}: it ${why}`);
        tag.unreachable(why);
      } else {
        tag.unreachable('is gone (ZeroMQ cannot route to it)');
      }
    });
    void this.read();
  }

  private async read(): Promise<void> {
    for (;;) {
      let parts: Parts;
      try {
        parts = await this.socket.receive();
      } catch {
        return; // the socket closed
      }
      this.route(parts);
    }
  }

  private route(parts: Parts): void {
    // The routing parts end at the first empty part (from 1: the first is the peer's id).
    let delimiter = -1;
    for (let i = 1; i < parts.length && i <= MAX_ROUTING_PARTS; i++) {
      if (parts[i]!.length === 0) {
        delimiter = i;
        break;
      }
    }
    if (delimiter < 0) {
      if (
        parts.length >= 2 &&
        parts.length <= MAX_ROUTING_PARTS + 1 &&
        sameBytes(parts.at(-1), CLOSE)
      ) {
        this.peers.get(keyOf(parts.slice(0, -1)))?.goodbye();
      } else {
        this.drop(parts, 'no empty delimiter part after the routing parts');
      }
      return;
    }
    const routing = parts.slice(0, delimiter);
    if (routing.some((part) => part.length > MAX_ROUTING_BYTES)) {
      this.drop(parts, 'a routing part over 255 bytes');
      return;
    }
    const key = keyOf(routing);
    const content = parts.length - delimiter - 1;
    if (content === 1) this.frame(routing, key, parts[delimiter + 1]!);
    else if (content === 2)
      this.exchange(routing, key, parts[delimiter + 1]!, parts[delimiter + 2]!);
    else
      this.drop(parts, `${content} parts after the delimiter (1 for a frame, 2 for an exchange)`);
  }

  private frame(routing: Parts, key: string, frame: Buffer): void {
    const known = this.peers.get(key);
    if (known) {
      known.receive(frame);
      return;
    }
    const onChannel = this.options.handlers.channel;
    if (!this.accepting || !onChannel) {
      this.tell(
        routing,
        this.accepting ? 'this server takes no connections' : 'the server is closing',
      );
      return;
    }
    const opens = this.options.opens;
    if (opens && !opens(frame)) {
      this.tell(routing, UNKNOWN);
      return;
    }
    const name = `${this.url}#${routingName(routing)}`;
    const peer = new ZmqPeerChannel(this, routing, key, name, this.options.maxFrameBytes);
    this.peers.set(key, peer);
    onChannel(peer);
    peer.receive(frame);
  }

  private exchange(routing: Parts, key: string, metaPart: Buffer, body: Buffer): void {
    const handler = this.options.handlers.exchange;
    let meta: RequestMeta;
    try {
      meta = decodeMeta(metaPart, 'type');
    } catch (error) {
      this.drop([...routing, metaPart, body], (error as Error).message);
      return;
    }
    const answer = (status: number, headers: Record<string, string>, bytes: Uint8Array) =>
      this.outbox.push(
        [...routing, DELIMITER, encodeMeta({ id: meta.id, status, headers }), bytes],
        bytes.length,
      );
    if (!handler || !this.accepting) {
      answer(
        503,
        {},
        Buffer.from(
          `farcall: ${handler ? 'the server is closing' : 'this server takes no exchanges'}\n`,
        ),
      );
      return;
    }
    if (body.length > this.options.maxFrameBytes) {
      answer(413, {}, Buffer.from('farcall: the request is over limits.maxFrameBytes\n'));
      return;
    }
    this.exchanges++;
    handler({
      path: '',
      body,
      contentType: meta.type,
      headers: meta.headers,
      peer: `${this.url}#${routingName(routing)}`,
      signal: this.stop.signal,
      connection: this.clientFor(key),
    })
      .then(
        (response) => answer(response.status, { ...response.headers }, response.body),
        (error: unknown) => this.options.warn(`an exchange failed: ${String(error)}`),
      )
      .finally(() => {
        this.exchanges--;
        this.wakeClose?.();
      });
  }

  /** The object a client's exchanges share (its admission); the least recently seen go first. */
  private clientFor(key: string): object {
    let client = this.clients.get(key);
    if (client) this.clients.delete(key);
    else client = {};
    this.clients.set(key, client);
    if (this.clients.size > MAX_EXCHANGE_CLIENTS) {
      this.clients.delete(this.clients.keys().next().value!);
    }
    return client;
  }

  sendFrame(peer: ZmqPeerChannel, frame: Uint8Array): void {
    this.outbox.push([...peer.routing, DELIMITER, frame], frame.length, peer);
  }

  forget(peer: ZmqPeerChannel, reason: string | undefined): void {
    if (this.peers.get(peer.key) === peer) this.peers.delete(peer.key);
    if (reason !== undefined) this.tell(peer.routing, reason);
    this.wakeClose?.();
  }

  /** A close to the client behind `routing`, with why. */
  private tell(routing: Parts, reason: string): void {
    this.outbox.push([...routing, CLOSE, reason.replace(/^farcall: /, '').slice(0, 300)], 0);
  }

  private drop(parts: Parts, why: string): void {
    if ((++this.dropped & 1023) === 1) {
      this.options.warn(
        `dropped ${this.dropped} malformed ZeroMQ message(s) on ${this.url}, the latest of ${parts.length} part(s) from ${routingName(parts.slice(0, 1))}: ${why}`,
      );
    }
  }

  /**
   * Stops taking connections and exchanges. The socket closes once every connection handed out
   * has closed (the server closes them), and exchange answers being computed were sent or 5 s
   * passed.
   */
  close(): Promise<void> {
    this.finished ??= (async () => {
      this.accepting = false;
      const deadline = Date.now() + CLOSE_EXCHANGES_MS;
      while (this.peers.size > 0 || (this.exchanges > 0 && Date.now() < deadline)) {
        await new Promise<void>((resolve) => {
          this.wakeClose = resolve;
          if (this.peers.size === 0)
            setTimeout(resolve, Math.max(1, deadline - Date.now())).unref();
        });
        this.wakeClose = undefined;
      }
      this.stop.abort();
      await this.outbox.flushed();
      this.socket.linger = LINGER_MS;
      this.socket.close();
    })();
    return this.finished;
  }
}
