import type { Caller, CallOptions } from './caller.js';
import { type Deadline, Deadlines, timeoutMs } from './deadlines.js';
import {
  AuthenticationError,
  ConnectionClosedError,
  ErrorCode,
  FarcallError,
  LimitError,
  ProtocolError,
} from './errors.js';
import type { Identity } from './identity.js';
import type { Limits } from './limits.js';
import { Liveness } from './liveness.js';
import type { Logger } from './logger.js';
import { answerMeta, type Outcome, settled } from './outcome.js';
import {
  type Answer,
  type AnswererCodec,
  type CallGroup,
  type Capabilities,
  type Protocol,
  type ProtocolConnection,
  type ProtocolOptions,
  Route,
} from './protocol/protocol.js';
import { type AnswerSink, Responder, type ResponderConfig, writeAnswer } from './responder.js';
import { Opening } from './session-opening.js';
import { refusedAnswer, refuseUncarried } from './streams/refusal.js';
import { RemoteObjects } from './streams/remote-objects.js';
import type { ConnectionStats } from './streams/stats.js';
import type { Channel, ChannelReceiver } from './transport/transport.js';

export interface SessionConfig {
  readonly protocol: Protocol;
  readonly protocolOptions: ProtocolOptions;
  readonly limits: Limits;
  readonly logger: Logger;
  /** How this end answers calls; without a registry, calls get `METHOD_NOT_FOUND`. */
  readonly responder: ResponderConfig;
  /** The address, for `String(remote)` and messages. */
  readonly url: string;
  /** Makes the remote that `call.caller` gives a handler (a proxy over this session). */
  readonly proxy: (caller: Caller) => unknown;
}

class Pending {
  deadline: Deadline | undefined;
  /** The call's timeout in ms, when it has one. */
  timeout: number | undefined;
  cleanup: (() => void) | undefined;
  /** Set while the call waits for room in the peer's window; undefined once sent. */
  queued:
    | { args: readonly unknown[]; options: CallOptions | undefined; timeout: number | undefined }
    | undefined;
  id = 0;
  constructor(
    readonly method: string,
    readonly resolve: (outcome: Outcome) => void,
    /** The peer's function this call calls (a callback), instead of `method` by name. */
    readonly reference: number | undefined,
  ) {}
}

const MAX_ID = 0xffffffff;
/**
 * A `CANCELLED` answer that comes this close to the call's own deadline is that deadline: the
 * callee gave up at the deadline that travelled with the call, and its answer overtook our own
 * timer (a worker's port delivers within microseconds, and an answer read in the event loop's
 * poll phase runs before a timer already due). Timers may fire a millisecond early, so a little
 * slack.
 */
const DEADLINE_SLACK_MS = 5;
/** After a half-close, the delay between the two pings that tell a gone peer from a reading one. */
const PROBE_MS = 200;
const OPENING = 0;
const OPEN = 1;
const CLOSED = 2;

/**
 * One per channel, on both ends. Owns call ids, the table of pending calls, their deadlines (one
 * timer for all, `Deadlines`), flow control towards the peer, liveness, and teardown; incoming
 * calls go to its `Responder`.
 *
 * - The opening (hello, authkey) reads the channel's frames through the same receiver as the
 *   session, so no frame is lost or reordered between the two; one deadline covers it, and frames
 *   are limited to `limits.maxHandshakeBytes` until it is done.
 * - Flow control is the protocol's: calls past the window the peer announced wait here, in
 *   order; reading never stops for admission, so the answer a running handler waits for always
 *   arrives. Only when the peer stops reading our answers (more than
 *   `limits.maxPendingWriteBytes` queued) does the session stop reading it, keeping further
 *   answers as values, not bytes, until the channel drains.
 * - Liveness: a server closes a connection that sent no frame for `limits.idleTimeoutMs` while
 *   none of its calls runs; a client pings at a third of the idle time its server announced.
 * - Teardown: when the channel ends, every pending call rejects at once with
 *   `ConnectionClosedError` (`requested` tells `close()` from a lost connection); a frame that
 *   cannot be read closes the connection (logged); a value that cannot be written fails only
 *   its call.
 */
export class Session implements Caller, ChannelReceiver, AnswerSink {
  /** Resolves once the opening is done; rejects (and the channel is closed) when it fails. */
  readonly opened: Promise<void>;
  readonly url: string;
  private state = OPENING;
  private connection: ProtocolConnection | undefined;
  private readonly deadlines = new Deadlines();
  private readonly pending = new Map<number, Pending>();
  private readonly waiting: Pending[] = [];
  private nextId = 1;
  private inFlight = 0;
  private window = Number.POSITIVE_INFINITY;
  private peerMaxFrame = Number.POSITIVE_INFINITY;
  private responder: Responder | undefined;
  private callerProxy: unknown;
  private closeRequested = false;
  private closedError: Error | undefined;
  private peerEnded = false;
  private readonly closeListeners: ((error: ConnectionClosedError) => void)[] = [];
  private closedAs: ConnectionClosedError | undefined;
  private identityOf: Identity | undefined;
  private readonly opening: Opening;
  // Backpressure: answers held while the peer does not read.
  private readonly outbox: Answer[] = [];
  private readingPaused = false;
  private readonly liveness: Liveness;
  /** Whether the peer ever sent a frame (to say, when the opening fails, that it said nothing). */
  private heardAny = false;
  /** Frames of the peer's opening still to come; -1 when the protocol does not say. */
  private openingFramesLeft = -1;
  // Streams and callbacks, where the protocol carries them.
  private readonly objects: RemoteObjects;
  private objectsOn = false;
  /** Where the protocol cannot carry streams and callbacks: how to say so ("the python protocol (…)"). */
  private refusesObjects: string | undefined;
  private answerCodec: AnswererCodec | undefined;

  constructor(
    private readonly channel: Channel,
    private readonly config: SessionConfig,
  ) {
    this.url = config.url;
    const { protocol } = config;
    this.liveness = new Liveness({
      peer: channel.peer,
      busy: () => this.activeCalls > 0 && !this.peerEnded,
      backlog: () => this.outbox.length,
      ping: (nonce) => this.channel.send(this.connection!.control!.writePing(nonce)),
      close: (error) => void this.channel.close(error),
      info: (message) => config.logger.info(message),
    });
    this.objects = new RemoteObjects({
      peer: channel.peer,
      limits: config.limits,
      logger: config.logger,
      exposeStack: config.responder.exposeStack,
      peerMaxFrame: () => this.peerMaxFrame,
      sendFrame: (frame) => {
        if (this.state !== OPEN) return;
        this.liveness.spokeFrame();
        this.channel.send(frame);
      },
      congested: () => this.channel.bufferedBytes > config.limits.maxPendingWriteBytes,
      invoke: (reference, args) => this.call(`callback ${reference}`, args, undefined, reference),
    });
    const protocolOptions = { ...config.protocolOptions, hooks: this.objects.hooks };
    const hasOpening = protocol.hasOpening?.(protocolOptions) ?? true;
    if (hasOpening) {
      const { maxHandshakeBytes, maxFrameBytes } = config.limits;
      channel.setFrameLimit(Math.min(maxHandshakeBytes, maxFrameBytes), 'limits.maxHandshakeBytes');
      this.openingFramesLeft = protocol.openingFrames?.(protocolOptions) ?? -1;
    }
    if (protocol.textFrames) channel.useText?.();
    const session = this;
    this.opening = new Opening(channel, protocol, protocolOptions, config.limits, {
      get ended() {
        return session.state === CLOSED;
      },
      get endError() {
        return session.closedError;
      },
      get heardAny() {
        return session.heardAny;
      },
    });
    channel.attach(this);
    this.opened = this.open(hasOpening);
    // A failed opening is reported by whoever awaits `opened`; never an unhandled rejection.
    this.opened.catch(() => {});
  }

  get peer(): string {
    return this.channel.peer;
  }

  get isClosed(): boolean {
    return this.state === CLOSED;
  }

  /**
   * What the opening proved about the peer: the authkey (both protocols' handshakes are mutual,
   * so a peer that got through knows the key), and the channel's verified TLS certificate.
   */
  get identity(): Identity {
    this.identityOf ??= Object.freeze({
      authenticated: this.config.protocolOptions.authkey !== undefined,
      certificate: this.channel.certificate,
    });
    return this.identityOf;
  }

  /** What the protocol carries on this connection, once it is open. */
  get capabilities(): Capabilities | undefined {
    return this.connection?.capabilities;
  }

  /** Calls being run for the peer now. */
  get activeCalls(): number {
    return this.responder?.activeCalls ?? 0;
  }

  /** Registers a listener for the end of the session; it runs once. */
  onClose(listener: (error: ConnectionClosedError) => void): void {
    if (this.closedAs) listener(this.closedAs);
    else this.closeListeners.push(listener);
  }

  // ---- The opening ----

  private async open(hasOpening: boolean): Promise<void> {
    try {
      this.begin(await this.opening.run(hasOpening));
    } catch (error) {
      const failure = error as Error;
      // After an authentication failure, end gracefully so the refusal reaches the peer.
      void this.channel.close(failure instanceof AuthenticationError ? undefined : failure);
      throw this.closedError && !(failure instanceof FarcallError) ? this.closedError : failure;
    }
  }

  /** The opening is done: frames that came with its last message are handled now, in order. */
  private begin(connection: ProtocolConnection): void {
    if (this.state === CLOSED) throw this.opening.closedDuring();
    const { limits } = this.config;
    this.connection = connection;
    this.channel.setFrameLimit(limits.maxFrameBytes, 'limits.maxFrameBytes');
    this.window = connection.peer.window ?? Number.POSITIVE_INFINITY;
    this.peerMaxFrame = connection.peer.maxFrameBytes ?? Number.POSITIVE_INFINITY;
    const caps = connection.capabilities;
    if (connection.objects && (caps.streams || caps.callbacks)) {
      this.objects.attach(connection.objects);
      this.objectsOn = true;
    } else {
      this.refusesObjects = `the ${this.config.protocol.name} protocol (${this.config.url})`;
    }
    if (connection.answerer) {
      this.answerCodec = this.objectsOn
        ? this.scopedAnswerer(connection.answerer)
        : connection.answerer;
      const caps = connection.capabilities;
      this.responder = new Responder(this.config.responder, this, {
        ordered: caps.correlation === 'fifo',
        cancellable: caps.cancel,
        deadlines: this.deadlines,
        protocol: this.config.protocol.name,
      });
    }
    this.state = OPEN;
    this.startLiveness(connection);
    for (const frame of this.opening.early.splice(0)) {
      if (this.state !== OPEN) break;
      this.dispatch(frame);
    }
  }

  // ---- The channel's receiver ----

  frame(frame: Uint8Array): void {
    this.liveness.heardFrame();
    this.heardAny = true;
    if (this.state === OPENING) {
      this.opening.push(frame);
      // After the peer's last opening message the full limit applies at once, from the next
      // header on: a call can come right behind it, before the opening has settled.
      if (--this.openingFramesLeft === 0) {
        this.channel.setFrameLimit(this.config.limits.maxFrameBytes, 'limits.maxFrameBytes');
      }
      return;
    }
    if (this.state === OPEN) this.dispatch(frame);
  }

  closed(error: Error | undefined): void {
    this.teardown(error);
  }

  drain(): void {
    this.liveness.drainedSome();
    this.flushOutbox();
    this.objects.drain();
  }

  /**
   * The peer shut its sending side: no answer can come any more, so our calls fail now; its
   * calls in flight are answered (a half-close), then the connection closes. The peer may also
   * be gone: two pings find out, as a closed socket answers the first with a reset and the second
   * write then fails.
   */
  ended(): void {
    if (this.state !== OPEN) {
      void this.channel.close();
      return;
    }
    this.peerEnded = true;
    this.failOutgoing(
      new ConnectionClosedError(`${this.peer} closed its sending side: no answer can come`),
    );
    const running = this.activeCalls;
    if (running > 0) {
      this.config.logger.info(
        `${this.peer} closed its sending side (a half-close); answering ${running} call(s) in flight, then closing`,
      );
      const control = this.connection!.control;
      if (control && this.connection!.capabilities.ping) {
        this.channel.send(control.writePing(0));
        setTimeout(() => {
          if (this.state === OPEN) this.channel.send(control.writePing(1));
        }, PROBE_MS);
      }
    }
    this.closeIfDone();
  }

  /** Every pending and waiting outgoing call resolves as closed (after `error`). */
  private failOutgoing(error: ConnectionClosedError): void {
    const pending = [...this.pending.values(), ...this.waiting];
    this.pending.clear();
    this.waiting.length = 0;
    this.inFlight = 0;
    for (const entry of pending) {
      entry.deadline?.cancel();
      entry.cleanup?.();
      this.objects.callEnded(entry.id);
      entry.resolve({ type: 'failed', error });
    }
  }

  private dispatch(frame: Uint8Array): void {
    const connection = this.connection!;
    try {
      switch (connection.route(frame)) {
        case Route.ANSWERS:
          if (!connection.caller)
            throw new ProtocolError('an answer arrived, and this end makes no calls');
          connection.caller.readAnswers(frame, this.wanted, this.settleAnswer);
          return;
        case Route.CALLS: {
          if (!connection.answerer || !this.responder) {
            throw new ProtocolError('a call arrived, and this end answers none');
          }
          const group = connection.answerer.readCalls(frame);
          if (this.objectsOn) this.adopt(group);
          this.responder.handle(group);
          return;
        }
        case Route.PING:
          this.channel.send(connection.control!.writePong(connection.control!.nonce(frame)));
          return;
        case Route.PONG:
          return;
        case Route.OBJECTS:
          if (!this.objectsOn)
            throw new ProtocolError('a stream message arrived, and this protocol has none');
          this.objects.receive(connection.objects!.readObject(frame), frame.length);
          return;
      }
    } catch (error) {
      // Teardown logs why: the peer broke the protocol, and only this connection pays for it.
      void this.channel.close(error as Error);
    } finally {
      // References in a frame that nobody takes (a ping that carried one) are let go.
      if (this.objectsOn) this.objects.discard();
    }
  }

  /** Streams and callbacks in the calls of a frame live as long as their call says. */
  private adopt(group: CallGroup): void {
    const objects = this.objects;
    if (group.batch) {
      // A channel's batches come only from a peer that writes them by hand: no references in them.
      objects.discard();
      return;
    }
    const item = group.items[0]!;
    switch (item.type) {
      case 'call':
        objects.callArrived(item.id);
        objects.adoptCall(item.id);
        return;
      case 'notify':
        objects.adoptNotify();
        return;
      case 'cancel':
        objects.cancelled(item.id);
        return;
      case 'invalid':
        objects.discard();
        return;
    }
  }

  // ---- Calling ----

  async call(
    method: string,
    args: readonly unknown[],
    options?: CallOptions,
    reference?: number,
  ): Promise<unknown> {
    const outcome = await this.start(method, args, options, reference);
    answerMeta(outcome, options);
    return settled(outcome, method, this.peer, () => this.closedFor(method));
  }

  private start(
    method: string,
    args: readonly unknown[],
    options: CallOptions | undefined,
    reference: number | undefined,
  ): Promise<Outcome> {
    if (this.state !== OPEN || this.peerEnded) return Promise.resolve({ type: 'closed' });
    if (options?.meta !== undefined && !this.connection!.capabilities.meta) {
      const refused = this.refuseMeta(method, options.meta);
      if (refused) return Promise.resolve({ type: 'failed', error: refused });
    }
    const signal = options?.signal;
    if (signal?.aborted) return Promise.resolve({ type: 'aborted', reason: signal.reason });
    let timeout: number | undefined;
    try {
      timeout = timeoutMs(options?.timeout, 'timeout');
    } catch (error) {
      return Promise.resolve({ type: 'failed', error: error as Error });
    }
    return new Promise<Outcome>((resolve) => {
      const entry = new Pending(method, resolve, reference);
      entry.timeout = timeout;
      if (timeout !== undefined) {
        entry.deadline = this.deadlines.add(timeout, this.timedOut, entry);
      }
      if (signal) {
        const onAbort = () => this.abandon(entry, { type: 'aborted', reason: signal.reason });
        signal.addEventListener('abort', onAbort, { once: true });
        entry.cleanup = () => signal.removeEventListener('abort', onAbort);
      }
      if (this.inFlight >= this.window) {
        entry.queued = { args, options, timeout };
        this.waiting.push(entry);
        return;
      }
      this.send(entry, args, options, timeout);
    });
  }

  /** Writes a call and marks it pending; an unwritable call fails alone. */
  private send(
    entry: Pending,
    args: readonly unknown[],
    options: CallOptions | undefined,
    timeout: number | undefined,
  ): void {
    const id = this.allocateId();
    let frame: Uint8Array;
    const write = () => {
      const written = this.connection!.caller!.writeCall({
        id,
        method: entry.method,
        args,
        meta: options?.meta,
        kwargs: options?.kwargs,
        timeoutMs: timeout,
        reference: entry.reference,
      });
      if (written.length > this.peerMaxFrame) {
        throw new LimitError(
          `the call to '${entry.method}' is ${written.length} bytes, over the ${this.peerMaxFrame}-byte frame limit of ${this.peer} (its limits.maxFrameBytes)`,
        );
      }
      return written;
    };
    try {
      if (this.refusesObjects) refuseUncarried(args, this.refusesObjects);
      frame = this.objectsOn ? this.objects.encode({ kind: 'call', id }, write) : write();
    } catch (error) {
      this.finish(entry);
      entry.resolve({ type: 'failed', error: error as Error });
      return;
    }
    entry.id = id;
    this.pending.set(id, entry);
    this.inFlight++;
    this.liveness.spokeFrame();
    this.channel.send(frame);
  }

  notify(method: string, args: readonly unknown[], options?: CallOptions): void {
    if (this.state !== OPEN) throw this.closedFor(method);
    const connection = this.connection!;
    if (!connection.capabilities.notify || !connection.caller) {
      throw new ProtocolError(
        `the ${this.config.protocol.name} protocol has no notifications (calls without an answer)`,
      );
    }
    const refused = options?.meta && this.refuseMeta(method, options.meta);
    if (refused) throw refused;
    const write = () => {
      const frame = connection.caller!.writeNotify({
        method,
        args,
        meta: options?.meta,
        kwargs: options?.kwargs,
      });
      if (frame.length > this.peerMaxFrame) {
        throw new LimitError(
          `the notification '${method}' is ${frame.length} bytes, over the frame limit of ${this.peer}`,
        );
      }
      return frame;
    };
    if (this.refusesObjects) refuseUncarried(args, this.refusesObjects);
    this.channel.send(this.objectsOn ? this.objects.encode({ kind: 'notify' }, write) : write());
  }

  /** Metadata where the protocol cannot carry it is refused, never dropped (an empty map is none). */
  private refuseMeta(method: string, meta: Record<string, string>): Error | undefined {
    if (this.connection!.capabilities.meta) return undefined;
    for (const _ in meta) {
      return new ProtocolError(
        `the ${this.config.protocol.name} protocol carries no call metadata (meta), so the call to '${method}' was not sent`,
      );
    }
    return undefined;
  }

  private allocateId(): number {
    // Ids wrap after 2^32 calls; skip any still pending from the previous lap.
    let id = this.nextId;
    while (this.pending.has(id)) id = id >= MAX_ID ? 1 : id + 1;
    this.nextId = id >= MAX_ID ? 1 : id + 1;
    return id;
  }

  private readonly wanted = (id: number): boolean => this.pending.has(id);

  private readonly settleAnswer = (answer: Answer): void => {
    const id = answer.id as number;
    const entry = this.pending.get(id);
    if (!entry) return; // a late answer to a call that timed out or was cancelled
    this.pending.delete(id);
    this.inFlight--;
    this.finish(entry);
    if (this.objectsOn) {
      this.objects.adoptAnswer();
      this.objects.callEnded(id);
    }
    entry.resolve(deadlineAnswer(entry, answer) ?? answer);
    this.sendWaiting();
  };

  /** A call's deadline passed or its signal aborted: fail it here, and tell the peer. */
  /** A call's timeout passed (one function for every call's deadline: no closure per call). */
  private readonly timedOut = (entry: Pending): void => {
    this.abandon(entry, { type: 'timeout', ms: entry.timeout! });
  };

  private abandon(entry: Pending, outcome: Outcome): void {
    if (entry.queued) {
      entry.queued = undefined;
      const index = this.waiting.indexOf(entry);
      if (index >= 0) this.waiting.splice(index, 1);
      this.finish(entry);
      entry.resolve(outcome);
      return;
    }
    if (this.pending.get(entry.id) !== entry) return;
    this.pending.delete(entry.id);
    this.inFlight--;
    this.finish(entry);
    this.objects.callEnded(entry.id);
    entry.resolve(outcome);
    const connection = this.connection;
    if (connection?.capabilities.cancel && this.state === OPEN) {
      try {
        this.channel.send(connection.caller!.writeCancel(entry.id));
      } catch {
        // A cancel is a courtesy to the peer; the call is already failed here.
      }
    }
    this.sendWaiting();
  }

  private finish(entry: Pending): void {
    entry.deadline?.cancel();
    entry.cleanup?.();
    if (this.peerEnded) this.closeIfDone();
  }

  /** Calls that waited for room in the peer's window go out, in order. */
  private sendWaiting(): void {
    while (this.waiting.length > 0 && this.inFlight < this.window && this.state === OPEN) {
      const entry = this.waiting.shift()!;
      const queued = entry.queued!;
      entry.queued = undefined;
      this.send(entry, queued.args, queued.options, queued.timeout);
    }
  }

  // ---- Answering ----

  /** The responder's sink: the answer to a call that came alone. */
  answer(answer: Answer): void {
    if (this.objectsOn) this.objects.callSettled(answer.id);
    this.sendAnswer(this.refusesObjects ? refusedAnswer(answer, this.refusesObjects) : answer);
  }

  /** The responder's sink: the answers to one batch, as one frame. */
  batch(answers: readonly Answer[]): void {
    const codec = this.answerCodec!;
    const frames = answers.map((a) =>
      writeAnswer(
        codec,
        this.refusesObjects ? refusedAnswer(a, this.refusesObjects) : a,
        this.peerMaxFrame,
        this.config.logger,
        this.peer,
      ),
    );
    const frame = codec.writeBatch?.(frames);
    if (frame && frame.length > 0) this.channel.send(frame);
    this.closeIfDone();
  }

  /** The responder's sink: a remote of what the peer exposed, for `call.caller`. */
  caller(): unknown {
    this.callerProxy ??= this.config.proxy(this);
    return this.callerProxy;
  }

  /** The responder's sink: the peer calls a function this end passed it. */
  invokeReference(reference: number, args: unknown[]): unknown {
    return this.objects.invokeExport(reference, args);
  }

  /** The responder's sink: a call of the peer's is over; its callbacks go unless retained. */
  settled(id: unknown): void {
    if (this.objectsOn) this.objects.callSettled(id);
  }

  /**
   * The answerer, with the references an answer makes kept only when it is sent: an attempt
   * that fails (or is over the peer's frame limit) forgets them before `writeAnswer` falls back.
   */
  private scopedAnswerer(codec: AnswererCodec): AnswererCodec {
    return {
      readCalls: (frame) => codec.readCalls(frame),
      writeBatch: codec.writeBatch?.bind(codec),
      writeAnswer: (answer) =>
        this.objects.encode(
          answer.type === 'result' ? { kind: 'answer', id: answer.id } : { kind: 'error' },
          () => {
            const frame = codec.writeAnswer(answer);
            if (frame.length > this.peerMaxFrame) {
              throw new LimitError(
                `the answer is ${frame.length} bytes, over the caller's frame limit of ${this.peerMaxFrame} (limits.maxFrameBytes)`,
              );
            }
            return frame;
          },
        ),
    };
  }

  /** Calls, streams and references of this connection now: `stats()`. */
  stats(): ConnectionStats {
    return {
      peer: this.peer,
      open: this.state === OPEN,
      pendingCalls: this.pending.size + this.waiting.length,
      runningCalls: this.activeCalls,
      ...this.objects.counts(),
    };
  }

  private sendAnswer(answer: Answer): void {
    if (this.state !== OPEN) return;
    if (
      this.outbox.length > 0 ||
      this.channel.bufferedBytes > this.config.limits.maxPendingWriteBytes
    ) {
      // The peer does not read its answers: keep them as values (already in memory), stop
      // reading its calls, and send them as the channel drains.
      this.outbox.push(answer);
      if (!this.readingPaused) {
        this.readingPaused = true;
        this.channel.pause();
      }
      return;
    }
    const frame = writeAnswer(
      this.answerCodec!,
      answer,
      this.peerMaxFrame,
      this.config.logger,
      this.peer,
    );
    if (frame.length > 0) this.channel.send(frame);
    this.closeIfDone();
  }

  private flushOutbox(): void {
    const limit = this.config.limits.maxPendingWriteBytes;
    while (this.outbox.length > 0 && this.channel.bufferedBytes <= limit && this.state === OPEN) {
      const answer = this.outbox.shift()!;
      const frame = writeAnswer(
        this.answerCodec!,
        answer,
        this.peerMaxFrame,
        this.config.logger,
        this.peer,
      );
      if (frame.length > 0) this.channel.send(frame);
    }
    if (this.outbox.length === 0 && this.readingPaused && this.state === OPEN) {
      this.readingPaused = false;
      this.channel.resume();
    }
    this.closeIfDone();
  }

  // ---- Liveness ----

  private startLiveness(connection: ProtocolConnection): void {
    if (this.config.protocolOptions.role === 'server') {
      this.liveness.watchIdle(this.config.limits.idleTimeoutMs);
    } else if (connection.control && connection.capabilities.ping && connection.peer.idleMs) {
      this.liveness.keepAlive(
        connection.peer.idleMs,
        (message) => new ConnectionClosedError(message),
      );
    }
  }

  // ---- Closing ----

  /**
   * Closes the connection. With `drainMs`, first refuses new calls and waits up to that long for
   * the calls being run to finish. Pending outgoing calls reject with a `ConnectionClosedError`
   * whose `requested` is true.
   */
  async close(drainMs = 0): Promise<void> {
    if (this.state === CLOSED) return;
    this.closeRequested = true;
    if (drainMs > 0 && this.responder) await this.responder.drain(drainMs);
    await this.channel.close();
  }

  /** After a half-close: close once nothing is left to answer or wait for. */
  private closeIfDone(): void {
    if (!this.peerEnded || this.state !== OPEN) return;
    if (this.activeCalls > 0 || this.outbox.length > 0 || this.pending.size > 0) return;
    void this.channel.close();
  }

  private closedFor(method: string): ConnectionClosedError {
    const closed = this.closedAs;
    if (!closed)
      return new ConnectionClosedError(
        `the connection to ${this.peer} is not open (calling '${method}')`,
      );
    return new ConnectionClosedError(closed.message, {
      cause: closed.cause,
      requested: closed.requested,
    });
  }

  private teardown(error: Error | undefined): void {
    if (this.state === CLOSED) return;
    const wasOpen = this.state === OPEN;
    this.state = CLOSED;
    this.closedError = error;
    this.liveness.stop();
    const requested = this.closeRequested;
    const reason = requested
      ? 'connection closed'
      : `connection to ${this.peer} lost${error ? `: ${error.message}` : ''}`;
    const closed = new ConnectionClosedError(reason, { cause: error, requested });
    this.closedAs = closed;
    if (wasOpen && error instanceof FarcallError && !(error instanceof ConnectionClosedError)) {
      // A frame over a limit, a malformed message: say which connection and why.
      this.config.logger.warn(`closing connection from ${this.peer}: ${error.message}`);
    }
    this.opening.ended();
    this.deadlines.clear();
    const pending = [...this.pending.values(), ...this.waiting];
    this.pending.clear();
    this.waiting.length = 0;
    this.outbox.length = 0;
    for (const entry of pending) {
      entry.cleanup?.();
      entry.resolve({ type: 'closed' });
    }
    this.responder?.close(closed);
    this.objects.close(closed);
    for (const listener of this.closeListeners.splice(0)) listener(closed);
  }
}

/** The timeout a `CANCELLED` answer stands for, when it came at the call's deadline. */
function deadlineAnswer(entry: Pending, answer: Answer): Outcome | undefined {
  if (answer.type !== 'error' || answer.error.code !== ErrorCode.CANCELLED) return undefined;
  const { deadline, timeout } = entry;
  if (!deadline || timeout === undefined) return undefined;
  if (performance.now() < deadline.at - DEADLINE_SLACK_MS) return undefined;
  return { type: 'timeout', ms: timeout };
}
