/**
 * Channels over a child process's IPC channel (`child_process.fork`, or `spawn` with `'ipc'` in
 * its stdio): `process` in the child, the `ChildProcess` in its parent. One IPC channel carries
 * any number of connections, both ways at once, in envelopes the user's own messages cannot be
 * mistaken for: `{ '$farcall.ipc': 'open' | 'frame' | 'bye', id, frame? }`. Ids are chosen by the
 * dialling side, `p1, p2, …` from the parent and `c1, c2, …` from the child, so they never clash.
 *
 * Frames travel as `Buffer`s. Under `serialization: 'advanced'` they arrive as bytes; under the
 * default `'json'` as `{ type: 'Buffer', data: [...] }`, which is taken too (about four times the
 * bytes on the pipe, and a JSON parse: fork with `'advanced'` when calls carry much data).
 */
import { ConnectionClosedError } from '../errors.js';
import { MessageFrames } from './message-frames.js';
import type { PeerWatch } from './peer-watch.js';

const KEY = '$farcall.ipc';
/**
 * Connections opened before anything here accepts them, kept (with their frames) until
 * something does: a child may connect to its parent before it serves it, and the other way round.
 */
const MAX_HELD_OFFERS = 16;
/** Frames kept for a held connection: its peer waits for an answer after its first one or two. */
const MAX_HELD_FRAMES = 16;

/** What the channels need of `process` (in a child) or of a `ChildProcess`. */
export interface IpcEndpoint {
  send?(message: unknown, callback: (error: Error | null) => void): boolean;
  readonly connected?: boolean | undefined;
  on(event: 'message' | 'disconnect', listener: (message: unknown) => void): unknown;
  off(event: 'message' | 'disconnect', listener: (message: unknown) => void): unknown;
}

export interface IpcSettings {
  /** The peer, for messages: `child process 1234`, `the parent process`. */
  readonly peer: string;
  readonly maxFrameBytes: number;
  readonly maxPendingWriteBytes: number;
  /** Makes a watch of the process at the other end, one per connection. */
  readonly watch?: (() => PeerWatch) | undefined;
}

interface Envelope {
  readonly [KEY]: 'open' | 'frame' | 'bye';
  readonly id: string;
  readonly frame?: unknown;
}

function isEnvelope(message: unknown): message is Envelope {
  if (typeof message !== 'object' || message === null) return false;
  const kind = (message as Record<string, unknown>)[KEY];
  return (
    (kind === 'open' || kind === 'frame' || kind === 'bye') &&
    typeof (message as { id?: unknown }).id === 'string'
  );
}

/** A frame as it came: bytes, or a `Buffer` in its JSON form. */
function bytesOf(frame: unknown): unknown {
  if (frame instanceof Uint8Array) return frame;
  const json = frame as { type?: unknown; data?: unknown } | null;
  if (json?.type === 'Buffer' && Array.isArray(json.data)) return Uint8Array.from(json.data);
  return frame;
}

const links = new WeakMap<object, IpcLink>();

/**
 * The connections on one IPC endpoint. It listens on the endpoint only while it has a
 * connection open or an acceptor, so that once every connection closed the process can exit:
 * an IPC channel with no `'message'` listener does not keep a Node process alive.
 */
export class IpcLink {
  private readonly channels = new Map<string, IpcChannel>();
  /** Connections opened before an acceptor, by id, with the frames that came for them. */
  private readonly held = new Map<string, unknown[]>();
  private acceptor: ((id: string, frames: readonly unknown[]) => void) | undefined;
  private nextId = 1;
  private listening = false;

  private constructor(
    private readonly endpoint: IpcEndpoint,
    private readonly prefix: 'p' | 'c',
  ) {}

  /** The one link of `endpoint`; `side` is which end of the IPC channel this process is. */
  static of(endpoint: IpcEndpoint, side: 'parent' | 'child'): IpcLink {
    let link = links.get(endpoint);
    if (!link) {
      link = new IpcLink(endpoint, side === 'parent' ? 'p' : 'c');
      links.set(endpoint, link);
    }
    return link;
  }

  get connected(): boolean {
    return typeof this.endpoint.send === 'function' && this.endpoint.connected !== false;
  }

  /** Opens a connection to the other end's acceptor. */
  dial(settings: IpcSettings): IpcChannel {
    const id = `${this.prefix}${this.nextId++}`;
    const channel = this.add(id, settings);
    this.post({ [KEY]: 'open', id }, (error) => {
      if (error) channel.disconnected();
    });
    return channel;
  }

  /** Takes the connections the other end opens, until the returned function is called. */
  accept(settings: IpcSettings, onChannel: (channel: IpcChannel) => void): () => void {
    if (this.acceptor) throw new Error('farcall: this IPC channel is served already');
    const acceptor = (id: string, frames: readonly unknown[]) => {
      const channel = this.add(id, settings);
      onChannel(channel);
      for (const frame of frames) channel.deliver(frame);
    };
    this.acceptor = acceptor;
    this.update();
    // Connections that came before: handed over on the next microtask, never from inside here.
    queueMicrotask(() => {
      for (const [id, frames] of this.held) {
        if (this.acceptor !== acceptor) return;
        this.held.delete(id);
        acceptor(id, frames);
      }
    });
    return () => {
      if (this.acceptor !== acceptor) return;
      this.acceptor = undefined;
      this.update();
    };
  }

  /** Sends an envelope; `callback` runs once it is written (or failed). */
  post(message: Envelope, callback: (error: Error | null) => void = () => {}): void {
    if (!this.connected) {
      callback(new ConnectionClosedError('the IPC channel is closed'));
      return;
    }
    try {
      this.endpoint.send!(message, callback);
    } catch (error) {
      // The channel closed under us; the 'disconnect' event ends the connections.
      callback(error as Error);
    }
  }

  /** A channel is done with the link. */
  remove(id: string): void {
    this.channels.delete(id);
    this.update();
  }

  private add(id: string, settings: IpcSettings): IpcChannel {
    const channel = new IpcChannel(this, id, settings);
    this.channels.set(id, channel);
    this.update();
    return channel;
  }

  private update(): void {
    const wanted = this.channels.size > 0 || this.acceptor !== undefined;
    if (wanted === this.listening) return;
    this.listening = wanted;
    if (wanted) {
      this.endpoint.on('message', this.onMessage);
      this.endpoint.on('disconnect', this.onDisconnect);
    } else {
      this.endpoint.off('message', this.onMessage);
      this.endpoint.off('disconnect', this.onDisconnect);
    }
  }

  private readonly onMessage = (message: unknown): void => {
    if (!isEnvelope(message)) return; // the user's own message
    const { id } = message;
    const channel = this.channels.get(id);
    switch (message[KEY]) {
      case 'open':
        if (channel || this.held.has(id)) return;
        if (this.acceptor) this.acceptor(id, []);
        else if (this.held.size < MAX_HELD_OFFERS) this.held.set(id, []);
        return;
      case 'frame': {
        const frame = bytesOf(message.frame);
        if (channel) channel.deliver(frame);
        else {
          const held = this.held.get(id);
          if (held && held.length < MAX_HELD_FRAMES) held.push(frame);
        }
        return;
      }
      case 'bye':
        this.held.delete(id);
        channel?.peerGoodbye();
        return;
    }
  };

  private readonly onDisconnect = (): void => {
    for (const channel of [...this.channels.values()]) channel.disconnected();
  };
}

/**
 * One connection over an IPC link (see `MessageFrames` for closing and cuts). `bufferedBytes`
 * counts frames handed to `send` that the IPC channel has not written yet, so a peer that does
 * not read is seen, and `drain` comes when they fall to half of `maxPendingWriteBytes`.
 */
export class IpcChannel extends MessageFrames {
  private pending = 0;
  private readonly lowWater: number;

  constructor(
    private readonly link: IpcLink,
    private readonly id: string,
    settings: IpcSettings,
  ) {
    super(settings.peer, settings.maxFrameBytes, settings.watch?.());
    this.lowWater = settings.maxPendingWriteBytes / 2;
  }

  override get bufferedBytes(): number {
    return this.pending;
  }

  send(frame: Uint8Array): void {
    if (this.isClosed) return;
    const size = frame.byteLength;
    this.pending += size;
    const buffer = Buffer.from(frame.buffer, frame.byteOffset, size);
    this.link.post({ [KEY]: 'frame', id: this.id, frame: buffer }, (error) => {
      // A write that failed: the IPC channel is closing under us.
      if (error) this.disconnected();
      const before = this.pending;
      this.pending -= size;
      if (before > this.lowWater && this.pending <= this.lowWater) this.drained();
    });
  }

  /** The link's hand-off of one frame. */
  deliver(frame: unknown): void {
    this.receive(frame);
  }

  peerGoodbye(): void {
    this.goodbye();
  }

  disconnected(): void {
    this.cut(() => new Error(`the IPC channel to ${this.peer} disconnected`));
  }

  protected sendGoodbye(): void {
    this.link.post({ [KEY]: 'bye', id: this.id });
  }

  protected release(): void {
    this.link.remove(this.id);
  }
}
