/**
 * A channel over a `MessagePort` of `node:worker_threads`: each message is one frame, so there is
 * no framing. Every connection has a port of its own (`port-offers.ts` hands them out), so
 * nothing else is ever read from it.
 */
import type { MessagePort } from 'node:worker_threads';
import { MessageFrames } from './message-frames.js';
import type { PeerWatch } from './peer-watch.js';

/**
 * Posted before a port is closed on purpose. A port that closes without it was cut: the thread
 * at the other end ended (a crash, `process.exit`, `terminate()`) or closed it after an error.
 */
export const GOODBYE = 'farcall:goodbye';

export interface PortChannelOptions {
  /** The peer, for messages: `worker thread 3`. */
  readonly peer: string;
  readonly maxFrameBytes: number;
  /** Watches the thread at the other end, to say why a cut connection ended. */
  readonly watch?: PeerWatch | undefined;
  /**
   * Whether the open port keeps this thread's event loop alive, as an open socket does (the
   * default). A worker pool turns it off: an idle pool must not keep a process running.
   */
  readonly keepAlive?: boolean | undefined;
}

/**
 * A channel over one `MessagePort` (see `MessageFrames` for closing and cuts). Frames are posted
 * as `Uint8Array`s: one that owns its whole buffer is transferred, not copied (the sender gives
 * it up, as the `Channel` contract says); any other view is first copied into a buffer of its
 * own, since cloning a view would clone all of its buffer. `bufferedBytes` is always 0:
 * `postMessage` hands a frame to the peer's queue at once, so there is no send buffer to measure.
 */
export class PortChannel extends MessageFrames {
  constructor(
    private readonly port: MessagePort,
    options: PortChannelOptions,
  ) {
    super(options.peer, options.maxFrameBytes, options.watch);
    port.on('message', this.onMessage);
    port.on('close', this.onClose);
    if (options.keepAlive === false) port.unref();
  }

  send(frame: Uint8Array): void {
    if (this.isClosed) return;
    const owned =
      frame.byteOffset === 0 &&
      frame.byteLength === frame.buffer.byteLength &&
      frame.buffer instanceof ArrayBuffer
        ? frame
        : frame.slice();
    this.port.postMessage(owned, [owned.buffer as ArrayBuffer]);
  }

  protected sendGoodbye(): void {
    this.port.postMessage(GOODBYE);
  }

  protected release(): void {
    this.port.off('message', this.onMessage);
    this.port.off('close', this.onClose);
    this.port.close();
  }

  private readonly onMessage = (message: unknown): void => {
    if (message === GOODBYE) this.goodbye();
    else this.receive(message);
  };

  private readonly onClose = (): void => {
    this.cut(() => new Error(`${this.peer} closed the connection without a goodbye`));
  };
}
