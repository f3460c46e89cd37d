/**
 * Liveness of one connection, apart from call deadlines (a long call is never taken for a dead
 * peer). A server closes a connection that sent nothing for `idleTimeoutMs` while none of its
 * calls runs (checked every half idle time, closed after two quiet checks in a row), or whose
 * unread answers did not drain for that long; a client pings at a third of the idle time its
 * server announced, when it has sent nothing since the last tick, and closes a connection that
 * answered nothing for the whole idle time.
 */

/** What liveness needs of the session it watches. */
export interface LivenessHost {
  readonly peer: string;
  /** Whether calls of the peer run here and keep the connection (false after a half-close). */
  busy(): boolean;
  /** Answers waiting for the peer to read them. */
  backlog(): number;
  ping(nonce: number): void;
  close(error?: Error): void;
  info(message: string): void;
}

const MAX_TIMER_MS = 0x7fffffff;

export class Liveness {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private heard = true;
  private spoke = true;
  private drained = false;
  private quietTicks = 0;
  private stopped = false;

  constructor(private readonly host: LivenessHost) {}

  /** A frame came from the peer. */
  heardFrame(): void {
    this.heard = true;
  }

  /** A call went to the peer (it counts as speaking: no ping needed this tick). */
  spokeFrame(): void {
    this.spoke = true;
  }

  /** The channel drained some of what waited for the peer to read. */
  drainedSome(): void {
    this.drained = true;
  }

  /** The answering end: close a connection idle (or not reading) for `idleMs`. */
  watchIdle(idleMs: number): void {
    this.tick(idleMs / 2, () => this.checkIdle(idleMs));
  }

  /** The calling end: ping a server that closes idle connections after `idleMs`. */
  keepAlive(idleMs: number, lost: (message: string) => Error): void {
    this.tick(idleMs / 3, () => this.keepAliveTick(idleMs, lost));
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private tick(ms: number, check: () => void): void {
    const delay = Math.max(1, Math.min(ms, MAX_TIMER_MS));
    const run = () => {
      if (this.stopped) return;
      check();
      if (!this.stopped) this.timer = unref(setTimeout(run, delay));
    };
    this.timer = unref(setTimeout(run, delay));
  }

  private checkIdle(idleMs: number): void {
    const { host } = this;
    // Progress is a frame from the peer or a call of its running; while its answers wait for it
    // to read, only the channel draining counts.
    const backlog = host.backlog();
    const progress = backlog > 0 ? this.drained : this.heard || host.busy();
    this.heard = false;
    this.drained = false;
    if (progress) {
      this.quietTicks = 0;
      return;
    }
    if (++this.quietTicks < 2) return;
    const why =
      backlog > 0
        ? `${host.peer} has not read its answers for ${idleMs} ms (${backlog} waiting)`
        : `${host.peer} sent nothing for ${idleMs} ms (limits.idleTimeoutMs)`;
    host.info(`closing connection: ${why}`);
    this.stop();
    host.close();
  }

  private keepAliveTick(idleMs: number, lost: (message: string) => Error): void {
    this.quietTicks = this.heard ? 0 : this.quietTicks + 1;
    this.heard = false;
    if (this.quietTicks >= 3) {
      this.stop();
      this.host.close(
        lost(`no answer from ${this.host.peer} to a ping for ${Math.round(idleMs)} ms`),
      );
      return;
    }
    if (!this.spoke || this.quietTicks > 0) this.host.ping(this.quietTicks);
    this.spoke = false;
  }
}

function unref(timer: ReturnType<typeof setTimeout>): ReturnType<typeof setTimeout> {
  (timer as { unref?: () => void }).unref?.();
  return timer;
}
