/**
 * One connection's streams and functions, both ways: the codec's value hooks that turn them into
 * references (and back), the tables that keep them by id, their lifetimes, their limits, and
 * their end when the connection closes. The session owns one per channel and hands it the
 * frames of streams and references; this module never sees the channel itself.
 *
 * Ids are chosen by the end that owns the object (the producer of a stream, the end whose
 * function it is), each kind counting on its own; a message's type says whose id it names, so
 * both ends may use the same numbers.
 */
import type { ValueHooks } from '../codec/codec.js';
import {
  CodecError,
  type ConnectionClosedError,
  ErrorCode,
  LimitError,
  ProtocolError,
  RemoteError,
} from '../errors.js';
import type { Limits } from '../limits.js';
import type { Logger } from '../logger.js';
import { ReferenceKind, referenceOf } from '../protocol/farcall/objects.js';
import type { ObjectCodec, ObjectMessage } from '../protocol/protocol.js';
import { bareWireError, remoteError, UNENCODABLE_ERROR } from '../wire-error.js';
import { IncomingStream, type StreamSink } from './incoming-stream.js';
import {
  isStreamSource,
  itemTooLarge,
  OutgoingStream,
  type ProducerHost,
} from './outgoing-stream.js';
import { type FunctionExport, FunctionImport, type ImportHost } from './references.js';

/** What the table needs from its session. */
export interface ObjectLink {
  readonly peer: string;
  readonly limits: Limits;
  readonly logger: Logger;
  /** Send thrown errors' stacks (a stream's failure) to the peer. */
  readonly exposeStack: boolean;
  /** The largest frame the peer takes. */
  peerMaxFrame(): number;
  sendFrame(frame: Uint8Array): void;
  /** More unsent bytes wait in the channel than `limits.maxPendingWriteBytes`. */
  congested(): boolean;
  /** Calls the peer's function `reference` with `args` (an INVOKE), as a call. */
  invoke(reference: number, args: readonly unknown[]): Promise<unknown>;
}

/** What a value being encoded is part of: it decides how long the references in it live. */
export type EncodeScope =
  | { readonly kind: 'call'; readonly id: number }
  | { readonly kind: 'answer'; readonly id: unknown }
  | { readonly kind: 'item' }
  | { readonly kind: 'notify' }
  /** An error answer or a stream's failure: diagnostics, where a live reference has no place. */
  | { readonly kind: 'error' };

/** How many streams and references a connection holds: `stats()`. */
export interface ObjectCounts {
  /** Streams this end produces for the peer, and those it consumes from the peer. */
  readonly streams: { readonly outgoing: number; readonly incoming: number };
  /** Functions of this end the peer may call, and functions of the peer this end may call. */
  readonly references: { readonly exported: number; readonly imported: number };
}

type Export = FunctionExport | OutgoingStream;
type Import = FunctionImport | IncomingStream;

const MAX_ID = 0xffffffff;
/** The references an item without any brought: shared, never written to. */
const NONE: readonly Import[] = Object.freeze([]);

/**
 * The table. Concurrency: everything runs on the session's turn; a producer's pulls are the
 * only asynchronous work, and each checks, when it resumes, whether it was stopped meanwhile.
 * On close every consumer ends with the `ConnectionClosedError` (after the items already
 * here), every producer is stopped (its `finally` runs), every callback rejects from then on,
 * and the counts are zero.
 */
export class RemoteObjects implements StreamSink, ProducerHost, ImportHost {
  readonly hooks: ValueHooks = {
    replace: (value) => this.replace(value),
    revive: (value) => this.revive(value),
  };
  private codec: ObjectCodec | undefined;
  private scope: EncodeScope | undefined;
  /** The references made by the encoding in progress; undefined while it made none. */
  private made: Export[] | undefined;
  private fresh: Import[] = [];
  private readonly producing = new Map<number, OutgoingStream>();
  private readonly consuming = new Map<number, IncomingStream>();
  private readonly exported = new Map<number, FunctionExport>();
  private readonly imported = new Map<number, FunctionImport>();
  /** Functions in the arguments of this end's calls in flight, by call id. */
  private readonly byCall = new Map<number, FunctionExport[]>();
  /** Functions in the arguments of the peer's calls being run here, by call id. */
  private readonly byIncoming = new Map<unknown, FunctionImport[]>();
  /** What went in the answer to a peer's call, until the peer surely read it (see `cancelled`). */
  private readonly byAnswer = new Map<unknown, Set<Export>>();
  private readonly answerOf = new Map<Export, unknown>();
  private nextStream = 1;
  private nextFunction = 1;
  private closedWith: ConnectionClosedError | undefined;
  private drainWaiters: (() => void)[] = [];

  constructor(private readonly link: ObjectLink) {}

  get peer(): string {
    return this.link.peer;
  }

  get limits(): Limits {
    return this.link.limits;
  }

  get logger(): Logger {
    return this.link.logger;
  }

  get exposeStack(): boolean {
    return this.link.exposeStack;
  }

  /** The opening is done: references may now be written, with this codec's messages. */
  attach(codec: ObjectCodec): void {
    this.codec = codec;
  }

  counts(): ObjectCounts {
    return {
      streams: { outgoing: this.producing.size, incoming: this.consuming.size },
      references: { exported: this.exported.size, imported: this.imported.size },
    };
  }

  // ---- Encoding: this end's objects become references ----

  /**
   * Runs `write` (an encoding) with `scope` deciding how long the references it makes live.
   * If `write` throws, the references it made are forgotten: nothing of them was sent.
   */
  encode<T>(scope: EncodeScope, write: () => T): T {
    const outerScope = this.scope;
    const outerMade = this.made;
    this.scope = scope;
    this.made = undefined;
    try {
      const result = write();
      if (this.made) this.commit(this.made, scope);
      return result;
    } catch (error) {
      if (this.made) this.rollback(this.made);
      throw error;
    } finally {
      this.scope = outerScope;
      this.made = outerMade;
    }
  }

  private replace(value: unknown): unknown {
    const scope = this.scope;
    // Outside `encode` (a handshake, another codec) nothing becomes a reference.
    if (scope === undefined || this.codec === undefined || this.closedWith) return undefined;
    const { limits } = this.link;
    if (scope.kind === 'error') {
      throw new CodecError(
        `cannot send ${typeof value === 'function' ? 'a function' : 'a stream'} in an error: an error is not a way to pass references`,
      );
    }
    if (typeof value === 'function') {
      if (scope.kind === 'notify') {
        throw new CodecError(
          'cannot send a function in a notification: nothing would say when to release it (make a call)',
        );
      }
      if (this.exported.size >= limits.maxReferences) {
        throw new LimitError(
          `${this.exported.size} functions passed to ${this.peer} are alive (limits.maxReferences): release those no longer needed`,
        );
      }
      const id = this.allocate(this.exported, 'function');
      const record: FunctionExport = {
        id,
        fn: value as (...args: unknown[]) => unknown,
        call: scope.kind === 'call' ? scope.id : undefined,
        answer: undefined,
      };
      this.exported.set(id, record);
      this.remember(record);
      return [ReferenceKind.FUNCTION, id];
    }
    if (isStreamSource(value)) {
      if (this.producing.size >= limits.maxStreams) {
        throw new LimitError(
          `${this.producing.size} streams to ${this.peer} are open (limits.maxStreams)`,
        );
      }
      const id = this.allocate(this.producing, 'stream');
      const stream = new OutgoingStream(id, value, this);
      this.producing.set(id, stream);
      this.remember(stream);
      return [ReferenceKind.STREAM, id];
    }
    return undefined; // a promise: the codec says to await it
  }

  /** Notes a reference the encoding in progress made, to keep or forget with it. */
  private remember(entry: Export): void {
    if (this.made) this.made.push(entry);
    else this.made = [entry];
  }

  private allocate(table: Map<number, unknown>, kind: 'stream' | 'function'): number {
    // Ids wrap after 2^32; skip those still alive from the previous lap.
    let id = kind === 'stream' ? this.nextStream : this.nextFunction;
    while (table.has(id)) id = id >= MAX_ID ? 1 : id + 1;
    const next = id >= MAX_ID ? 1 : id + 1;
    if (kind === 'stream') this.nextStream = next;
    else this.nextFunction = next;
    return id;
  }

  private commit(made: Export[], scope: EncodeScope): void {
    if (scope.kind === 'call') {
      const functions = made.filter((e): e is FunctionExport => !(e instanceof OutgoingStream));
      if (functions.length > 0) this.byCall.set(scope.id, functions);
    } else if (scope.kind === 'answer') {
      this.byAnswer.set(scope.id, new Set(made));
      for (const entry of made) this.answerOf.set(entry, scope.id);
    }
  }

  private rollback(made: Export[]): void {
    for (const entry of made) {
      if (entry instanceof OutgoingStream) this.producing.delete(entry.id);
      else this.exported.delete(entry.id);
    }
  }

  /** This end's call `id` ended (answered, given up, failed): its callbacks go. */
  callEnded(id: number): void {
    if (this.byCall.size === 0) return;
    const functions = this.byCall.get(id);
    if (!functions) return;
    this.byCall.delete(id);
    for (const record of functions) {
      if (record.call === id) this.dropExport(record);
    }
  }

  /**
   * The peer cancelled its call `id`. If it was answered already, the answer crossed the cancel
   * and the peer drops it unread: the streams and functions in it go too, or nothing would.
   */
  cancelled(id: unknown): void {
    if (this.byAnswer.size === 0) return;
    const entries = this.byAnswer.get(id);
    if (!entries) return;
    this.byAnswer.delete(id);
    for (const entry of entries) {
      this.answerOf.delete(entry);
      if (entry instanceof OutgoingStream) entry.stop();
      else this.dropExport(entry);
    }
  }

  /** A new call `id` from the peer: it has read whatever answered an earlier call `id`. */
  callArrived(id: unknown): void {
    if (this.byAnswer.size === 0) return;
    const entries = this.byAnswer.get(id);
    if (!entries) return;
    this.byAnswer.delete(id);
    for (const entry of entries) this.answerOf.delete(entry);
  }

  private dropExport(record: FunctionExport): void {
    if (this.exported.get(record.id) === record) this.exported.delete(record.id);
    this.forgetAnswer(record);
  }

  private forgetAnswer(entry: Export): void {
    const answer = this.answerOf.get(entry);
    if (answer === undefined) return;
    this.answerOf.delete(entry);
    const entries = this.byAnswer.get(answer);
    entries?.delete(entry);
    if (entries?.size === 0) this.byAnswer.delete(answer);
  }

  /** An INVOKE: runs this end's function `reference`; throws `RemoteError` when it is gone. */
  invokeExport(reference: number, args: unknown[]): unknown {
    const record = this.exported.get(reference);
    if (!record) {
      throw new RemoteError({
        name: 'CallbackReleasedError',
        message: `callback ${reference} is not alive here: its call ended or it was released`,
        code: ErrorCode.METHOD_NOT_FOUND,
        data: { reference },
      });
    }
    return Reflect.apply(record.fn, undefined, args);
  }

  // ---- Decoding: the peer's references become streams and functions ----

  private revive(value: unknown): unknown {
    const { kind, id } = referenceOf(value);
    const { limits } = this.link;
    if (kind === ReferenceKind.STREAM) {
      if (this.consuming.has(id)) throw new ProtocolError(`stream ${id} is already open`);
      if (this.consuming.size >= limits.maxStreams) {
        this.send({ type: 'stop', stream: id });
        return new IncomingStream(
          id,
          this,
          new LimitError(
            `${this.peer} sent a stream while ${this.consuming.size} of its streams are open here (limits.maxStreams)`,
          ),
        );
      }
      const stream = new IncomingStream(id, this);
      this.consuming.set(id, stream);
      this.fresh.push(stream);
      return stream;
    }
    // The same id again: the peer dropped the earlier one (a retained callback whose call it
    // gave up on) and has come round to its id.
    this.imported.get(id)?.end();
    if (this.imported.size >= limits.maxReferences) {
      this.send({ type: 'release', reference: id });
      return new FunctionImport(
        id,
        this,
        new LimitError(
          `${this.peer} passed a function while ${this.imported.size} of its functions are alive here (limits.maxReferences)`,
        ),
      ).stub;
    }
    const record = new FunctionImport(id, this);
    this.imported.set(id, record);
    this.fresh.push(record);
    return record.stub;
  }

  /** The frame just read held the peer's call `id`: its callbacks live until that call ends. */
  adoptCall(id: unknown): void {
    if (this.fresh.length === 0) return;
    const functions: FunctionImport[] = [];
    for (const entry of this.fresh) {
      if (entry instanceof FunctionImport) {
        entry.call = id;
        functions.push(entry);
      }
    }
    this.fresh = [];
    if (functions.length === 0) return;
    const running = this.byIncoming.get(id);
    if (running) running.push(...functions);
    else this.byIncoming.set(id, functions);
  }

  /** The frame just read was a notification: it has no end, so its callbacks end now. */
  adoptNotify(): void {
    if (this.fresh.length === 0) return;
    for (const entry of this.fresh) {
      if (entry instanceof FunctionImport) this.endImport(entry);
    }
    this.fresh = [];
  }

  /** The frame just read was an answer: what it holds lives until released. */
  adoptAnswer(): void {
    if (this.fresh.length > 0) this.fresh = [];
  }

  /** Whatever the frame just read made and nobody will get: let it go. */
  discard(): void {
    if (this.fresh.length === 0) return;
    const fresh = this.fresh;
    this.fresh = [];
    this.releaseAll(fresh);
  }

  /** The peer's call `id` ended here (answered or released): its callbacks go, unless retained. */
  callSettled(id: unknown): void {
    if (this.byIncoming.size === 0) return;
    const functions = this.byIncoming.get(id);
    if (!functions) return;
    this.byIncoming.delete(id);
    for (const record of functions) {
      if (!record.retained) this.endImport(record);
    }
  }

  private endImport(record: FunctionImport): void {
    record.end();
    if (this.imported.get(record.id) === record) this.imported.delete(record.id);
  }

  /** A stream or reference message from the peer; `bytes` is its frame's size. */
  receive(message: ObjectMessage, bytes: number): void {
    switch (message.type) {
      case 'item': {
        const imports = this.fresh.length > 0 ? this.fresh : NONE;
        if (imports !== NONE) this.fresh = [];
        const stream = this.consuming.get(message.stream);
        // An item for a stream this end left: it crossed the STOP.
        if (stream) stream.receive(message.value, bytes, imports);
        else this.releaseAll(imports);
        return;
      }
      case 'end':
      case 'fail': {
        const stream = this.consuming.get(message.stream);
        if (!stream) return;
        this.consuming.delete(message.stream);
        stream.settle(message.type === 'fail' ? remoteError(message.error) : undefined);
        return;
      }
      case 'credit':
        this.producing.get(message.stream)?.credit(message.items, message.bytes);
        return;
      case 'stop':
        this.producing.get(message.stream)?.stop();
        return;
      case 'retain': {
        const record = this.exported.get(message.reference);
        if (record) record.call = undefined;
        return;
      }
      case 'release': {
        const record = this.exported.get(message.reference);
        if (record) this.dropExport(record);
        return;
      }
    }
  }

  // ---- What the streams and imports ask of the table ----

  send(message: ObjectMessage): void {
    if (this.closedWith || !this.codec) return;
    if (message.type !== 'fail') {
      this.link.sendFrame(this.codec.writeObject(message));
      return;
    }
    // A failure whose error cannot be written goes without its data, or as a generic error.
    const errors = [message.error, bareWireError(message.error), UNENCODABLE_ERROR];
    for (const error of errors) {
      try {
        const frame = this.encode({ kind: 'error' }, () =>
          this.codec!.writeObject({ ...message, error }),
        );
        this.link.sendFrame(frame);
        return;
      } catch {
        // the next, plainer form
      }
    }
  }

  sendFrame(frame: Uint8Array): void {
    if (!this.closedWith) this.link.sendFrame(frame);
  }

  streamDone(id: number): void {
    this.consuming.delete(id);
  }

  producerDone(id: number): void {
    const stream = this.producing.get(id);
    if (!stream) return;
    this.producing.delete(id);
    this.forgetAnswer(stream);
  }

  encodeItem(stream: number, value: unknown, maxBytes: number): Uint8Array {
    return this.encode({ kind: 'item' }, () => {
      const frame = this.codec!.writeObject({ type: 'item', stream, value });
      if (frame.length > maxBytes) throw itemTooLarge(frame.length, maxBytes, this.peer);
      const peerMax = this.link.peerMaxFrame();
      if (frame.length > peerMax) {
        throw new LimitError(
          `a stream item of ${frame.length} bytes is over the ${peerMax}-byte frame limit of ${this.peer}`,
        );
      }
      return frame;
    });
  }

  congested(): boolean {
    return this.link.congested();
  }

  drained(): Promise<void> {
    if (this.closedWith) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  /** The channel drained: producers that waited go on. */
  drain(): void {
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const wake of waiters) wake();
  }

  releaseAll(imports: readonly unknown[]): void {
    for (const entry of imports) {
      if (entry instanceof IncomingStream) void entry.return();
      else if (entry instanceof FunctionImport) entry.release();
    }
  }

  invoke(id: number, args: readonly unknown[]): Promise<unknown> {
    return this.link.invoke(id, args);
  }

  retainImport(record: FunctionImport): void {
    this.send({ type: 'retain', reference: record.id });
  }

  releaseImport(record: FunctionImport): void {
    if (this.imported.get(record.id) === record) this.imported.delete(record.id);
    this.send({ type: 'release', reference: record.id });
  }

  // ---- The end ----

  /** The connection closed: everything ends with `error`, and the tables are empty. */
  close(error: ConnectionClosedError): void {
    if (this.closedWith) return;
    this.closedWith = error;
    const consuming = [...this.consuming.values()];
    const producing = [...this.producing.values()];
    const imported = [...this.imported.values(), ...this.fresh];
    this.consuming.clear();
    this.producing.clear();
    this.imported.clear();
    this.exported.clear();
    this.byCall.clear();
    this.byIncoming.clear();
    this.byAnswer.clear();
    this.answerOf.clear();
    this.fresh = [];
    for (const stream of consuming) stream.settle(error);
    for (const stream of producing) stream.stop();
    for (const entry of imported) {
      if (entry instanceof FunctionImport) entry.close(error);
      else entry.settle(error);
    }
    this.drain();
  }
}
