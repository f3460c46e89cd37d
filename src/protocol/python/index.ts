import { PyException } from '../../codec/pickle/index.js';
import { AuthenticationError, ProtocolError, UsageError } from '../../errors.js';
import { isFarcallHello } from '../detect.js';
import {
  type Answer,
  type AnswererCodec,
  type CallerCodec,
  type CallGroup,
  type Capabilities,
  type OutgoingCall,
  type Protocol,
  type ProtocolOptions,
  Route,
} from '../protocol.js';
import { fromPyException, pythonStr, toPyException, toPythonException } from './errors.js';
import { handshake } from './handshake.js';
import {
  decodeAnswer,
  decodeCall,
  encodeAnswer,
  encodeCall,
  PYTHON_FORMS,
  type PythonForm,
  type WireSettings,
} from './messages.js';

export type { PythonForm } from './messages.js';
export type { PythonOptions } from './options.js';

import type { PythonOptions } from './options.js';

/**
 * farcall as a peer of the Python Cookbook's RPC recipe (11.8) over `multiprocessing.connection`:
 * the authkey handshake when a key is configured (none otherwise, like `authkey=None`), then
 * pickled `(name, args, kwargs)` calls answered by a pickled result or exception. There are no
 * ids on the wire, so answers go in call order (`fifo`), and there are no notifications,
 * cancellation or pings: the session refuses those locally.
 *
 * `open` rejects with `UsageError` for bad `python` options, and as `handshake` does otherwise.
 */
export const pythonProtocol: Protocol = {
  name: 'python',
  hasOpening: (options) => options.authkey !== undefined,
  // With a key, each end answers a challenge and delivers one: the peer sends its answer, its
  // challenge and its verdict on ours (multiprocessing's deliver_challenge, answer_challenge).
  openingFrames: (options) => (options.authkey !== undefined ? 3 : 0),
  async open(link, options) {
    const python = readOptions(options.python);
    const settings: WireSettings = {
      pickleProtocol: python.pickleProtocol ?? 4,
      maxDepth: options.limits.maxDepth,
      maxItems: options.limits.maxItems,
    };
    if (options.authkey !== undefined) {
      await handshake(link, {
        role: options.role,
        authkey: options.authkey,
        allowMd5: python.allowMd5,
      });
    }
    if (options.role === 'server') {
      const answerer = new PythonServerCodec(settings);
      return {
        caller: undefined,
        answerer,
        control: undefined,
        route: () => Route.CALLS,
        capabilities,
        peer: {},
      };
    }
    const caller = new PythonClientCodec(settings, python.form ?? 'pickle');
    return {
      caller,
      answerer: undefined,
      control: undefined,
      route: () => Route.ANSWERS,
      capabilities,
      peer: {},
    };
  },
};

function readOptions(value: ProtocolOptions[string]): PythonOptions {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null)
    throw new UsageError('python options must be an object');
  const { form, pickleProtocol, allowMd5 } = value as Record<string, unknown>;
  if (form !== undefined && !PYTHON_FORMS.includes(form as PythonForm)) {
    throw new UsageError(
      `python.form must be one of ${PYTHON_FORMS.join(', ')}, got ${String(form)}`,
    );
  }
  if (pickleProtocol !== undefined && ![2, 3, 4].includes(pickleProtocol as number)) {
    throw new UsageError(`python.pickleProtocol must be 2, 3 or 4, got ${String(pickleProtocol)}`);
  }
  if (allowMd5 !== undefined && typeof allowMd5 !== 'boolean') {
    throw new UsageError('python.allowMd5 must be a boolean');
  }
  return value as PythonOptions;
}

const capabilities: Capabilities = {
  correlation: 'fifo',
  notify: false,
  cancel: false,
  ping: false,
  deadline: false,
  meta: false,
  kwargs: true,
  batch: false,
  streams: false,
  callbacks: false,
};

/**
 * Server end: reads calls in any form and answers each in the form it was asked in. Calls are
 * answered in order (the session runs them one at a time), so the forms wait in a queue.
 */
export class PythonServerCodec implements AnswererCodec {
  private readonly calls = new Map<number, { form: PythonForm; method: string }>();
  private nextId = 1;

  constructor(private readonly settings: WireSettings) {}

  readCalls(frame: Uint8Array): CallGroup {
    const call = decodeCall(frame, this.settings);
    const id = this.nextId++;
    this.calls.set(id, { form: call.form, method: call.method });
    return {
      items: [{ type: 'call', id, method: call.method, args: call.args, kwargs: call.kwargs }],
      batch: false,
    };
  }

  /** Throws `ProtocolError` for an answer to no call, `CodecError` for an unwritable result. */
  writeAnswer(answer: Answer): Uint8Array {
    const id = answer.id as number;
    const call = this.calls.get(id);
    if (!call) throw new ProtocolError(`no call ${id} is waiting for an answer`);
    let frame: Uint8Array;
    if (answer.type === 'result') {
      frame = encodeAnswer(call.form, answer.value, this.settings);
    } else {
      const exception = toPythonException(answer.error, call.method);
      // The recipe's JSON server sends str(e): the client cannot tell it from a result.
      const value =
        call.form === 'json' ? pythonStr(exception.name, exception.args) : toPyException(exception);
      frame = encodeAnswer(call.form, value, this.settings);
    }
    // Forget the call only once written: on a CodecError the session sends an error instead.
    this.calls.delete(id);
    return frame;
  }
}

/** Bytes a server sends instead of an answer when it wants an authkey we did not give. */
const AUTH_PREFIXES = ['#CHALLENGE#', '#FAILURE#'].map((text) => Buffer.from(text));

/**
 * Client end: writes calls in one form and matches answers to calls first in, first out (the
 * recipe's server answers in order; nothing on the wire says which call an answer is for).
 */
export class PythonClientCodec implements CallerCodec {
  private readonly waiting: number[] = [];

  constructor(
    private readonly settings: WireSettings,
    readonly form: PythonForm,
  ) {}

  /** Throws `CodecError` for arguments the form cannot carry; nothing is queued then. */
  writeCall(call: OutgoingCall): Uint8Array {
    const frame = encodeCall(this.form, call, this.settings);
    this.waiting.push(call.id);
    return frame;
  }

  writeNotify(): Uint8Array {
    throw new ProtocolError('the python protocol has no notifications (calls without an answer)');
  }

  writeCancel(): Uint8Array {
    throw new ProtocolError('the python protocol cannot cancel a call');
  }

  /**
   * Throws `AuthenticationError` when the server asks for an authkey, `ProtocolError` for an
   * answer with no call waiting, in the wrong form, or from a server of another protocol,
   * `CodecError` for undecodable bytes. The answer to a call nobody waits for any more is
   * consumed without decoding it.
   */
  readAnswers(
    frame: Uint8Array,
    wanted: (id: number) => boolean,
    each: (answer: Answer) => void,
  ): void {
    if (
      AUTH_PREFIXES.some((prefix) => Buffer.from(frame.subarray(0, prefix.length)).equals(prefix))
    ) {
      throw new AuthenticationError(
        'the server requires an authkey (it sent an authkey challenge)',
      );
    }
    if (isFarcallHello(frame)) {
      throw new ProtocolError(
        "the server speaks the farcall protocol, not python: use protocol 'farcall' (--protocol farcall)",
      );
    }
    const id = this.waiting.shift();
    if (id === undefined) throw new ProtocolError('an answer arrived with no call waiting for one');
    if (!wanted(id)) return;
    const value = decodeAnswer(this.form, frame, this.settings);
    // The JSON form never carries exceptions: the recipe's JSON client returns str(e) as is.
    if (value instanceof PyException) each({ type: 'error', id, error: fromPyException(value) });
    else each({ type: 'result', id, value });
  }
}
