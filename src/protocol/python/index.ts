import { PyException } from '../../codec/pickle/index.js';
import { AuthenticationError, ProtocolError, UsageError } from '../../errors.js';
import type { Message, Protocol, ProtocolConnection, ProtocolOptions } from '../protocol.js';
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

/** Options under `python` in `serve`/`connect`. */
export interface PythonOptions {
  /** Client only: how calls are written (the recipe's variants). Default `'pickle'` (double). */
  form?: PythonForm;
  /** Pickle protocol written. Default 4 (Python >= 3.4); 2 or 3 for older readers. */
  pickleProtocol?: 2 | 3 | 4;
  /**
   * Accept HMAC-MD5 in the authkey handshake (Python <= 3.11 peers only speak it). Default
   * true. Setting false refuses those peers and any downgrade to MD5; see `handshake.ts`.
   */
  allowMd5?: boolean;
}

/**
 * farcall as a peer of the Python Cookbook's RPC recipe (11.8) over `multiprocessing.connection`:
 * the authkey handshake when a key is configured (none otherwise, like `authkey=None`), then
 * pickled `(name, args, kwargs)` calls answered by a pickled result or exception. There are no
 * ids on the wire, so answers go in call order (`ordered`), and there are no notifications,
 * cancellation or pings.
 *
 * `open` rejects with `UsageError` for bad `python` options, and as `handshake` does otherwise.
 */
export const pythonProtocol: Protocol = {
  name: 'python',
  async open(transport, options) {
    const python = readOptions(options.python);
    const settings: WireSettings = {
      pickleProtocol: python.pickleProtocol ?? 4,
      maxDepth: options.limits.maxDepth,
      maxItems: options.limits.maxItems,
    };
    if (options.authkey !== undefined) {
      await handshake(transport, {
        role: options.role,
        authkey: options.authkey,
        timeoutMs: options.limits.handshakeTimeoutMs,
        allowMd5: python.allowMd5,
      });
    }
    return options.role === 'server'
      ? new PythonServerConnection(settings)
      : new PythonClientConnection(settings, python.form ?? 'pickle');
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

function unsupported(message: Message): never {
  throw new ProtocolError(`the python protocol cannot carry a ${message.type} message`);
}

const capabilities = {
  ordered: true,
  supportsNotify: false,
  supportsCancel: false,
  supportsPing: false,
} as const;

/**
 * Server end: decodes calls in any form and answers each in the form it was asked in. Calls
 * get local ids; the form and method of each is kept until its answer is written.
 */
export class PythonServerConnection implements ProtocolConnection {
  readonly ordered = capabilities.ordered;
  readonly supportsNotify = capabilities.supportsNotify;
  readonly supportsCancel = capabilities.supportsCancel;
  readonly supportsPing = capabilities.supportsPing;
  private readonly calls = new Map<number, { form: PythonForm; method: string }>();
  private nextId = 1;

  constructor(private readonly settings: WireSettings) {}

  decode(frame: Uint8Array): Message {
    const call = decodeCall(frame, this.settings);
    const id = this.nextId++;
    this.calls.set(id, { form: call.form, method: call.method });
    return { type: 'call', id, method: call.method, args: call.args, kwargs: call.kwargs };
  }

  /** Throws `ProtocolError` for an answer to no call, `CodecError` for an unwritable result. */
  encode(message: Message): Uint8Array {
    if (message.type !== 'result' && message.type !== 'error') unsupported(message);
    const call = this.calls.get(message.id);
    if (!call) throw new ProtocolError(`no call ${message.id} is waiting for an answer`);
    let frame: Uint8Array;
    if (message.type === 'result') {
      frame = encodeAnswer(call.form, message.value, this.settings);
    } else {
      const exception = toPythonException(message.error, call.method);
      // The recipe's JSON server sends str(e): the client cannot tell it from a result.
      const value =
        call.form === 'json' ? pythonStr(exception.name, exception.args) : toPyException(exception);
      frame = encodeAnswer(call.form, value, this.settings);
    }
    // Forget the call only once written: on a CodecError the session sends an error instead.
    this.calls.delete(message.id);
    return frame;
  }
}

/** Bytes a server sends instead of an answer when it wants an authkey we did not give. */
const AUTH_PREFIXES = ['#CHALLENGE#', '#FAILURE#'].map((text) => Buffer.from(text));

/**
 * Client end: writes calls in one form and matches answers to calls first in, first out (the
 * recipe's server answers in order; nothing on the wire says which call an answer is for).
 */
export class PythonClientConnection implements ProtocolConnection {
  readonly ordered = capabilities.ordered;
  readonly supportsNotify = capabilities.supportsNotify;
  readonly supportsCancel = capabilities.supportsCancel;
  readonly supportsPing = capabilities.supportsPing;
  private readonly waiting: number[] = [];

  constructor(
    private readonly settings: WireSettings,
    readonly form: PythonForm,
  ) {}

  /** Throws `CodecError` for arguments the form cannot carry; nothing is queued then. */
  encode(message: Message): Uint8Array {
    if (message.type !== 'call') unsupported(message);
    const frame = encodeCall(this.form, message, this.settings);
    this.waiting.push(message.id);
    return frame;
  }

  /**
   * Throws `AuthenticationError` when the server asks for an authkey, `ProtocolError` for an
   * answer with no call waiting or in the wrong form, `CodecError` for undecodable bytes.
   */
  decode(frame: Uint8Array): Message {
    if (
      AUTH_PREFIXES.some((prefix) => Buffer.from(frame.subarray(0, prefix.length)).equals(prefix))
    ) {
      throw new AuthenticationError(
        'the server requires an authkey (it sent an authkey challenge)',
      );
    }
    const id = this.waiting.shift();
    if (id === undefined) throw new ProtocolError('an answer arrived with no call waiting for one');
    const value = decodeAnswer(this.form, frame, this.settings);
    // The JSON form never carries exceptions: the recipe's JSON client returns str(e) as is.
    if (value instanceof PyException) return { type: 'error', id, error: fromPyException(value) };
    return { type: 'result', id, value };
  }
}
