/**
 * A protocol's opening run by hand in a test: an `OpeningLink` over one end of a channel, and a
 * way to read and write frames on the other end. The session normally provides the link; here
 * the test does, so a test can play the peer byte by byte.
 */
import { TimeoutError } from '../../src/errors.js';
import type { OpeningLink } from '../../src/protocol/protocol.js';
import type { Channel } from '../../src/transport/transport.js';

export interface TestLink extends OpeningLink {
  /** Frames received and not taken yet. */
  readonly frames: Uint8Array[];
  /** The next frame, as a Buffer; rejects after `timeoutMs` or when the channel closes. */
  frame(timeoutMs?: number): Promise<Buffer>;
}

/** Attaches to `channel` and reads its frames in order. `next` times out like the session's deadline. */
export function channelLink(channel: Channel, timeoutMs = 2000): TestLink {
  const frames: Uint8Array[] = [];
  let wake: (() => void) | undefined;
  let closed: Error | undefined;
  channel.attach({
    frame: (frame) => {
      frames.push(frame.slice());
      wake?.();
    },
    closed: (error) => {
      closed = error ?? new Error('closed');
      wake?.();
    },
  });
  const frame = (ms = timeoutMs) =>
    new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => {
        wake = undefined;
        reject(new TimeoutError(`no frame within ${ms} ms`));
      }, ms);
      const take = () => {
        const next = frames.shift();
        if (next !== undefined) {
          clearTimeout(timer);
          wake = undefined;
          resolve(Buffer.from(next));
        } else if (closed) {
          clearTimeout(timer);
          wake = undefined;
          reject(closed);
        }
      };
      wake = take;
      take();
    });
  return {
    peer: channel.peer,
    frames,
    send: (bytes) => channel.send(bytes),
    next: () => frame(),
    frame,
  };
}
