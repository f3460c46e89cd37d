/**
 * A session's opening (hello, authkey), read through the session's own receiver: frames that
 * arrive before it is done are queued here and read in order by the protocol's `open`, and what
 * comes behind its last message stays queued for the session. One deadline covers the whole
 * opening (a single timer, so a test that fakes timers sees it exactly), and its errors say what
 * the other end seems to be when it said nothing, or hung up.
 */
import { ConnectionClosedError, FarcallError, ProtocolError, TimeoutError } from './errors.js';
import type { Limits } from './limits.js';
import type {
  OpeningLink,
  Protocol,
  ProtocolConnection,
  ProtocolOptions,
} from './protocol/protocol.js';
import type { Channel } from './transport/transport.js';

/** What the opening asks of its session. */
export interface OpeningHost {
  /** Whether the channel has ended. */
  readonly ended: boolean;
  /** Why it ended, when it failed. */
  readonly endError: Error | undefined;
  /** Whether the peer ever sent a frame. */
  readonly heardAny: boolean;
}

export class Opening {
  /** Frames received and not read yet: by the opening, then by the session, in order. */
  readonly early: Uint8Array[] = [];
  private wake: (() => void) | undefined;
  private waitingFor = 'HELLO';

  constructor(
    private readonly channel: Channel,
    private readonly protocol: Protocol,
    private readonly options: ProtocolOptions,
    private readonly limits: Limits,
    private readonly host: OpeningHost,
  ) {}

  /** A frame came before the opening was done. */
  push(frame: Uint8Array): void {
    this.early.push(frame.slice());
    this.wake?.();
  }

  /** The channel ended: a read that waits fails now. */
  ended(): void {
    this.wake?.();
  }

  /**
   * Runs the protocol's opening; rejects as `Protocol.open` does, with `TimeoutError` past
   * `limits.handshakeTimeoutMs`, or as `closedDuring` says when the channel ends first.
   */
  async run(hasOpening: boolean): Promise<ProtocolConnection> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const link: OpeningLink = {
      peer: this.channel.peer,
      send: (frame) => this.channel.send(frame),
      next: (what) => this.next(what),
    };
    try {
      const opening = this.protocol.open(link, this.options);
      if (!hasOpening) return await opening;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(this.timedOut()), this.limits.handshakeTimeoutMs);
      });
      return await Promise.race([opening, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  private next(what: string): Promise<Uint8Array> {
    this.waitingFor = what;
    return new Promise((resolve, reject) => {
      const take = () => {
        const frame = this.early.shift();
        if (frame !== undefined) {
          this.wake = undefined;
          resolve(frame);
        } else if (this.host.ended) {
          this.wake = undefined;
          reject(this.closedDuring());
        }
      };
      this.wake = take;
      take();
    });
  }

  private timedOut(): TimeoutError {
    const { protocol, options, limits } = this;
    const other = options.role === 'client' ? 'server' : 'client';
    let message = `no ${this.waitingFor} from ${this.channel.peer} within ${limits.handshakeTimeoutMs} ms (limits.handshakeTimeoutMs): is it a ${protocol.name} ${other}?`;
    if (!this.host.heardAny && other === 'server' && protocol.name === 'farcall') {
      // A keyless multiprocessing server says nothing until it gets a pickled call.
      message +=
        " A Python multiprocessing server without an authkey waits silently like this: try protocol 'python'.";
    }
    return new TimeoutError(message);
  }

  /** The error for a channel that ended before the opening was done. */
  closedDuring(): Error {
    const cause = this.host.endError;
    let message = `the connection closed during the opening with ${this.channel.peer}${cause ? `: ${cause.message}` : ''}`;
    if (!this.host.heardAny && this.options.role === 'client') {
      // Closed before a word: the other end did not like our first message.
      const name = this.protocol.name;
      message += ` (before its first message: is it a ${name} server?${name === 'farcall' ? " A Python multiprocessing server closes like this: try protocol 'python'." : ''})`;
    }
    return cause instanceof FarcallError
      ? new ProtocolError(message, { cause })
      : new ConnectionClosedError(message, { cause });
  }
}
