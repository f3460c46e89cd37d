/**
 * A channel over a WebSocket: one binary message is one frame. Written against the standard
 * WebSocket API, so the same class serves a browser's `WebSocket`, the `ws` package's client,
 * and the server side of a `ws` connection. After `useText()` (a protocol of UTF-8 text frames,
 * JSON-RPC), frames go out as text messages and text messages are taken as frames too.
 */
import { LimitError, ProtocolError } from '../errors.js';
import type { PeerCertificate } from '../identity.js';
import type { Channel, ChannelReceiver } from './transport.js';

/** The part of the WebSocket API this channel uses (browsers' and the `ws` package's). */
export interface WebSocketLike {
  binaryType: string;
  readonly bufferedAmount: number;
  readonly readyState: number;
  /** `options.binary: false` sends bytes as a text message (`ws`); browsers ignore it. */
  send(data: Uint8Array | string, options?: { binary?: boolean }): void;
  close(code?: number, reason?: string): void;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

/** The `ws` package's internals, where they let a limit apply from a message's header. */
interface WsInternals {
  _receiver?: { _maxPayload?: number };
  on?(event: 'message', listener: (data: unknown, isBinary: boolean) => void): void;
  _socket?: {
    on(event: 'drain', listener: () => void): void;
    cork(): void;
    uncork(): void;
    pause(): void;
    resume(): void;
    destroy(): void;
  };
  terminate?: () => void;
}

const OPEN = 1;
/** Close codes (RFC 6455): normal, protocol error, unsupported data, too big, internal error. */
const NORMAL = 1000;
const POLICY = 1008;
const TOO_BIG = 1009;
const ERROR = 1011;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function textRefused(): ProtocolError {
  return new ProtocolError('a text WebSocket message where a binary frame was expected');
}

export class WebSocketChannel implements Channel {
  readonly done: Promise<Error | undefined>;
  private receiver: ChannelReceiver | undefined;
  private early: Uint8Array[] = [];
  private isClosed = false;
  private closeError: Error | undefined;
  private reported = false;
  private resolveDone!: (error: Error | undefined) => void;
  private maxFrame: number;
  private limitName = 'limits.maxFrameBytes';
  private pauses = 0;
  private held: Uint8Array[] = [];
  private polling = false;
  private text = false;
  private corked = false;
  /** A text message arrived before a receiver was attached. */
  private earlyText = false;

  /**
   * `certificate` is the client's verified TLS certificate, for a wss:// server that asked for
   * one.
   */
  constructor(
    private readonly socket: WebSocketLike,
    readonly peer: string,
    maxFrameBytes: number,
    readonly certificate?: PeerCertificate | undefined,
  ) {
    this.maxFrame = maxFrameBytes;
    this.done = new Promise((resolve) => {
      this.resolveDone = resolve;
    });
    const ws = socket as WsInternals;
    // The `ws` package hands a binary message to 'arraybuffer' listeners as a copy: take its own
    // Buffer (a Uint8Array) instead. Browsers have no such type and give an ArrayBuffer.
    socket.binaryType = ws._socket ? 'nodebuffer' : 'arraybuffer';
    if (ws._socket && typeof ws.on === 'function') {
      // `ws`'s own event hands a text message over as the bytes it checked for UTF-8, where the
      // standard `onmessage` would decode them to a string, for us to encode again.
      ws.on('message', (data, isBinary) => this.message(data, !isBinary));
    } else {
      socket.onmessage = (event) => this.message(event.data, typeof event.data === 'string');
    }
    socket.onclose = (event) => {
      if (!this.isClosed && event.code !== NORMAL && event.code !== 1005) {
        this.closeError ??= new ProtocolError(
          `WebSocket closed with code ${event.code}${event.reason ? `: ${event.reason}` : ''}`,
        );
      }
      this.finish();
    };
    socket.onerror = (event) => {
      this.closeError ??= this.errorOf(event);
    };
    (socket as WsInternals)._socket?.on('drain', () => this.receiver?.drain?.());
  }

  /** Why the socket failed, from `ws`'s error where there is one (browsers say nothing). */
  private errorOf(event: unknown): Error {
    const error = (event as { error?: { code?: unknown; message?: unknown } } | null)?.error;
    if (error?.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
      // `ws` checks the limit from the message's header, before its body is read.
      return new LimitError(
        `a message over the limit of ${this.maxFrame} bytes (${this.limitName})`,
      );
    }
    const detail = typeof error?.message === 'string' ? `: ${error.message}` : '';
    return new ProtocolError(`WebSocket error${detail}`);
  }

  get bufferedBytes(): number {
    return this.socket.bufferedAmount;
  }

  setFrameLimit(bytes: number, name: string): void {
    this.maxFrame = bytes;
    this.limitName = name;
    // With `ws`, the limit then applies from the next message's header, before its body is read.
    const receiver = (this.socket as WsInternals)._receiver;
    if (receiver && typeof receiver._maxPayload === 'number') receiver._maxPayload = bytes;
  }

  useText(): void {
    this.text = true;
  }

  attach(receiver: ChannelReceiver): void {
    if (this.receiver) throw new Error('farcall: a channel takes one receiver');
    this.receiver = receiver;
    queueMicrotask(() => {
      if (this.earlyText && !this.text) {
        this.early = [];
        void this.close(textRefused(), POLICY);
        return;
      }
      const early = this.early;
      this.early = [];
      for (const frame of early) this.deliver(frame);
      if (this.isClosed) this.report();
    });
  }

  private message(data: unknown, text: boolean): void {
    if (this.isClosed) return;
    let frame: Uint8Array;
    if (!text && data instanceof Uint8Array) frame = data;
    else if (!text && data instanceof ArrayBuffer) frame = new Uint8Array(data);
    else if (text && (typeof data === 'string' || data instanceof Uint8Array)) {
      // Before a receiver is attached, the session may still turn text on: `attach` decides.
      if (!this.text && this.receiver) {
        void this.close(textRefused(), POLICY);
        return;
      }
      this.earlyText ||= !this.text;
      frame = typeof data === 'string' ? encoder.encode(data) : data;
    } else {
      void this.close(new ProtocolError('a WebSocket message of an unknown kind'), POLICY);
      return;
    }
    if (frame.byteLength > this.maxFrame) {
      void this.close(
        new LimitError(
          `frame of ${frame.byteLength} bytes is over the limit of ${this.maxFrame} bytes (${this.limitName})`,
        ),
        TOO_BIG,
      );
      return;
    }
    if (!this.receiver || this.early.length > 0) this.early.push(frame);
    else this.deliver(frame);
  }

  private deliver(frame: Uint8Array): void {
    if (this.pauses > 0) this.held.push(frame);
    else this.receiver!.frame(frame);
  }

  send(frame: Uint8Array): void {
    if (this.isClosed || this.socket.readyState !== OPEN) return;
    const raw = (this.socket as WsInternals)._socket;
    const ws = raw !== undefined;
    if (raw && !this.corked) {
      // The frames of one turn (the answers to every message of one read) leave in one write.
      this.corked = true;
      raw.cork();
      queueMicrotask(() => {
        this.corked = false;
        raw.uncork();
      });
    }
    if (!this.text) this.socket.send(frame);
    // `ws` sends the bytes as they are in a text message; a browser needs a string.
    else if (ws) this.socket.send(frame, { binary: false });
    else this.socket.send(decoder.decode(frame));
    // Browsers have no drain event: poll while something waits in the socket.
    if (!ws && this.socket.bufferedAmount > 0) this.poll();
  }

  private poll(): void {
    if (this.polling) return;
    this.polling = true;
    const check = () => {
      if (this.isClosed) return;
      if (this.socket.bufferedAmount > 0) {
        setTimeout(check, 20);
        return;
      }
      this.polling = false;
      this.receiver?.drain?.();
    };
    setTimeout(check, 20);
  }

  pause(): void {
    if (this.pauses++ === 0) (this.socket as WsInternals)._socket?.pause();
  }

  resume(): void {
    if (this.pauses > 0 && --this.pauses === 0 && !this.isClosed) {
      (this.socket as WsInternals)._socket?.resume();
      const held = this.held;
      this.held = [];
      queueMicrotask(() => {
        for (const frame of held) if (!this.isClosed) this.deliver(frame);
      });
    }
  }

  close(error?: Error, code = error ? ERROR : NORMAL): Promise<void> {
    if (!this.isClosed) {
      this.closeError ??= error;
      try {
        this.socket.close(code, error ? error.message.slice(0, 120) : undefined);
      } catch {
        (this.socket as WsInternals).terminate?.();
      }
      if (error) {
        const timer = setTimeout(() => (this.socket as WsInternals).terminate?.(), 1000);
        (timer as { unref?: () => void }).unref?.();
      }
      this.finish();
    }
    return this.done.then(() => {});
  }

  private finish(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.held = [];
    if (this.receiver && this.early.length === 0) this.report();
    else if (!this.receiver) this.resolveDone(this.closeError);
  }

  private report(): void {
    if (this.reported) return;
    this.reported = true;
    this.receiver?.closed(this.closeError);
    this.resolveDone(this.closeError);
  }
}
