/**
 * `memory://NAME`: two channels in one process, wired to each other, with fault injection for
 * tests (`farcall/testing`). Frames are copied and delivered asynchronously, in order, as a
 * socket would deliver them, unless a fault says otherwise.
 */
import { ConnectionClosedError, LimitError, UsageError } from '../errors.js';
import type { Channel, ChannelReceiver, Listener, TransportModule } from './transport.js';

/**
 * What can go wrong between the two ends, per direction (what one end sends). Numbers in 0..1
 * are probabilities, drawn from a seeded generator so that a failing run can be replayed; a
 * function decides per frame (its index counts from 0 in that direction).
 */
export interface Faults {
  /** Milliseconds before a frame is delivered (order is kept unless `reorder` says otherwise). */
  delay?: number | ((index: number) => number);
  /** Frames that never arrive. */
  drop?: number | ((index: number, frame: Uint8Array) => boolean);
  /** Frames that arrive twice. */
  duplicate?: number | ((index: number, frame: Uint8Array) => boolean);
  /** Frames held back and delivered after the next one. */
  reorder?: number | ((index: number, frame: Uint8Array) => boolean);
  /** Cut the connection (both ends close, with an error) once this many frames were sent. */
  cutAfter?: number;
  /** Seed of the generator behind the probabilities (default 1). */
  seed?: number;
}

/** A small seeded generator (mulberry32): the same seed gives the same faults. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function decide(
  fault: number | ((index: number, frame: Uint8Array) => boolean) | undefined,
  index: number,
  frame: Uint8Array,
  draw: () => number,
): boolean {
  if (fault === undefined) return false;
  return typeof fault === 'number' ? draw() < fault : fault(index, frame);
}

/**
 * One end of a memory pair. Beyond `Channel`: `faults` (what this end's sends suffer, changeable
 * at any time), `cut()` (the connection fails on both ends, mid-call if calls are pending) and
 * `end()` (a half-close: the other end hears `ended`, and can still send).
 */
export class MemoryChannel implements Channel {
  other: MemoryChannel | undefined;
  faults: Faults;
  readonly done: Promise<Error | undefined>;
  private receiver: ChannelReceiver | undefined;
  private readonly inbox: (Uint8Array | 'end')[] = [];
  private inboxBytes = 0;
  private pauses = 0;
  private isClosed = false;
  private closeError: Error | undefined;
  private reported = false;
  private resolveDone!: (error: Error | undefined) => void;
  private maxFrame = Number.POSITIVE_INFINITY;
  private limitName = 'limits.maxFrameBytes';
  private sent = 0;
  private held: Uint8Array | undefined;
  private readonly draw: () => number;

  constructor(
    readonly peer: string,
    faults: Faults = {},
  ) {
    this.faults = faults;
    this.draw = random(faults.seed ?? 1);
    this.done = new Promise((resolve) => {
      this.resolveDone = resolve;
    });
  }

  /** Bytes sent and not yet taken by the other end's receiver. */
  get bufferedBytes(): number {
    return this.other?.inboxBytes ?? 0;
  }

  setFrameLimit(bytes: number, name: string): void {
    this.maxFrame = bytes;
    this.limitName = name;
  }

  attach(receiver: ChannelReceiver): void {
    if (this.receiver) throw new Error('farcall: a channel takes one receiver');
    this.receiver = receiver;
    queueMicrotask(() => this.pump());
  }

  send(frame: Uint8Array): void {
    if (this.isClosed) return;
    const other = this.other;
    if (!other) return;
    const index = this.sent++;
    const { faults } = this;
    if (faults.cutAfter !== undefined && index >= faults.cutAfter) {
      this.cut();
      return;
    }
    if (decide(faults.drop, index, frame, this.draw)) return;
    const copy = frame.slice();
    const copies: Uint8Array[] = decide(faults.duplicate, index, frame, this.draw)
      ? [copy, copy.slice()]
      : [copy];
    if (this.held === undefined && decide(faults.reorder, index, frame, this.draw)) {
      // Held back until the next frame goes, or a moment later if none does.
      this.held = copy;
      setTimeout(() => {
        if (this.held !== copy) return;
        this.held = undefined;
        this.transmit(other, copy, 0);
      }, 1);
      return;
    }
    const held = this.held;
    this.held = undefined;
    if (held) copies.push(held);
    const delay = typeof faults.delay === 'function' ? faults.delay(index) : (faults.delay ?? 0);
    for (const item of copies) this.transmit(other, item, delay);
  }

  private transmit(other: MemoryChannel, frame: Uint8Array, delay: number): void {
    // Counted from now: a frame on its way is buffered, as in a socket's send queue.
    other.inboxBytes += frame.length;
    const deliver = () => other.accept(frame);
    if (delay > 0) setTimeout(deliver, delay);
    else queueMicrotask(deliver);
  }

  private accept(item: Uint8Array | 'end'): void {
    if (this.isClosed) return;
    if (item !== 'end' && item.length > this.maxFrame) {
      this.inboxBytes -= item.length;
      void this.close(
        new LimitError(
          `frame of ${item.length} bytes is over the limit of ${this.maxFrame} bytes (${this.limitName})`,
        ),
      );
      return;
    }
    this.inbox.push(item);
    this.pump();
  }

  private pump(): void {
    const receiver = this.receiver;
    if (!receiver) return;
    while (this.pauses === 0 && this.inbox.length > 0 && !this.isClosed) {
      const item = this.inbox.shift()!;
      if (item === 'end') {
        receiver.ended?.();
        continue;
      }
      this.inboxBytes -= item.length;
      receiver.frame(item);
      if (this.inbox.length === 0) this.other?.receiver?.drain?.();
    }
    if (this.isClosed) this.report();
  }

  pause(): void {
    this.pauses++;
  }

  resume(): void {
    if (this.pauses > 0 && --this.pauses === 0) queueMicrotask(() => this.pump());
  }

  /** A half-close: the other end hears `ended` once what was sent before arrived. */
  end(): void {
    const other = this.other;
    if (!other || this.isClosed) return;
    queueMicrotask(() => other.accept('end'));
  }

  /** The connection fails on both ends, as a cable pulled out would. */
  cut(): void {
    const error = new ConnectionClosedError('the memory connection was cut');
    void this.close(error);
    void this.other?.close(error);
  }

  close(error?: Error): Promise<void> {
    if (!this.isClosed) {
      this.isClosed = true;
      this.closeError = error;
      this.inbox.length = 0;
      this.inboxBytes = 0;
      this.report();
      const other = this.other;
      // The other end closes once what was sent before the close has arrived there.
      if (other) setTimeout(() => void other.close(), 0);
    }
    return this.done.then(() => {});
  }

  private report(): void {
    if (this.reported || !this.receiver) {
      if (!this.receiver && this.isClosed) this.resolveDone(this.closeError);
      return;
    }
    this.reported = true;
    this.receiver.closed(this.closeError);
    this.resolveDone(this.closeError);
  }
}

/** Two connected channels, `a` the client's and `b` the server's by convention. */
export function memoryPair(
  options: { a?: Faults; b?: Faults; name?: string } = {},
): [MemoryChannel, MemoryChannel] {
  const name = options.name ?? 'pair';
  const a = new MemoryChannel(`memory://${name}#a`, options.a);
  const b = new MemoryChannel(`memory://${name}#b`, options.b);
  a.other = b;
  b.other = a;
  return [a, b];
}

/** Servers listening on `memory://NAME`, in this process. */
const listeners = new Map<string, (channel: Channel) => void>();

function nameOf(url: string): string {
  const match = /^memory:\/\/([^/?#]+)\/?$/.exec(url);
  if (!match) throw new UsageError(`cannot parse '${url}' (expected memory://NAME)`);
  return match[1]!;
}

let anonymous = 0;

/**
 * `memory://NAME`: `serve` registers the name in this process, `connect` makes a pair and hands
 * one end to it (`memory://0` picks a fresh name). Transport options on `connect`: `faults`,
 * applied to both directions, and `onPair(client, server)`, to reach the two channels.
 */
export const memoryTransport: TransportModule = {
  shape: 'channel',
  async dial(url, options) {
    const name = nameOf(url);
    const accept = listeners.get(name);
    if (!accept)
      throw new ConnectionClosedError(`cannot connect: nothing listens on memory://${name}`);
    const faults = options.transport.faults as Faults | undefined;
    const [client, server] = memoryPair({ a: faults, b: faults, name });
    (
      options.transport.onPair as
        | ((client: MemoryChannel, server: MemoryChannel) => void)
        | undefined
    )?.(client, server);
    accept(server);
    return client;
  },
  async listen(url, options): Promise<Listener> {
    let name = nameOf(url);
    if (name === '0') name = `anonymous-${++anonymous}`;
    if (listeners.has(name)) throw new UsageError(`memory://${name} is already listening`);
    const onChannel = options.handlers.channel;
    if (!onChannel) throw new Error('farcall: memory listeners carry channels');
    listeners.set(name, onChannel);
    return {
      url: `memory://${name}`,
      loopback: true,
      close: async () => {
        if (listeners.get(name) === onChannel) listeners.delete(name);
      },
    };
  },
};
