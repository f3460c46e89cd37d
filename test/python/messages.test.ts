import { describe, expect, it } from 'vitest';
import { decodePickle, encodePickle, PyException } from '../../src/codec/pickle/index.js';
import { AuthenticationError, ErrorCode, ProtocolError } from '../../src/errors.js';
import { DEFAULT_LIMITS } from '../../src/limits.js';
import type { Message } from '../../src/protocol/protocol.js';
import {
  type PythonClientConnection,
  type PythonServerConnection,
  pythonProtocol,
} from '../../src/protocol/python/index.js';
import { memoryPair } from '../../src/transport/memory.js';

const tuple = (...items: unknown[]) => Object.freeze(items);
const pickle = (value: unknown) => encodePickle(value, { protocol: 4 });

async function open(role: 'client' | 'server', python?: unknown) {
  const [transport] = memoryPair();
  return pythonProtocol.open(transport, { role, limits: DEFAULT_LIMITS, python });
}

describe('python protocol, server end', () => {
  it('reads the three forms and answers each in its own form, in call order', async () => {
    const server = (await open('server')) as PythonServerConnection;
    expect(server.ordered).toBe(true);
    expect([server.supportsNotify, server.supportsCancel, server.supportsPing]).toEqual([
      false,
      false,
      false,
    ]);
    const call = tuple('add', tuple(1, 2), {});
    const frames = [pickle(pickle(call)), pickle(call), pickle('["add", [1, 2], {}]')];
    const calls = frames.map((frame) => server.decode(frame));
    for (const message of calls) {
      expect(message).toMatchObject({
        type: 'call',
        method: 'add',
        args: [1, 2],
        kwargs: undefined,
      });
    }
    const ids = calls.map((m) => (m as { id: number }).id);
    expect(new Set(ids).size).toBe(3);
    const [double, single, json] = ids.map((id) =>
      server.encode({ type: 'result', id: id!, value: 3 }),
    );
    expect(decodePickle(decodePickle(double!) as Uint8Array)).toBe(3);
    expect(decodePickle(single!)).toBe(3);
    expect(decodePickle(json!)).toBe('3');
  });

  it('passes kwargs through and copies the frozen args tuple', async () => {
    const server = await open('server');
    const message = server.decode(pickle(tuple('f', tuple(1), { b: 2 }))) as Extract<
      Message,
      { type: 'call' }
    >;
    expect(message.kwargs).toEqual({ b: 2 });
    expect(Object.isFrozen(message.args)).toBe(false);
  });

  it('answers errors as Python exceptions, and as str(e) in the JSON form', async () => {
    const server = await open('server');
    const error = { name: 'RangeError', message: 'too big', code: ErrorCode.APPLICATION_ERROR };
    const a = server.decode(pickle(tuple('f', tuple(), {}))) as { id: number };
    const b = server.decode(pickle('["missing", [], {}]')) as { id: number };
    const thrown = decodePickle(server.encode({ type: 'error', id: a.id, error })) as PyException;
    expect(thrown).toBeInstanceOf(PyException);
    expect([thrown.name, thrown.module, [...thrown.args]]).toEqual([
      'ValueError',
      'builtins',
      ['too big'],
    ]);
    const missing = { name: 'X', message: 'no', code: ErrorCode.METHOD_NOT_FOUND };
    expect(decodePickle(server.encode({ type: 'error', id: b.id, error: missing }))).toBe(
      '"\'missing\'"',
    );
  });

  it('refuses frames that are not calls with ProtocolError', async () => {
    const server = await open('server');
    for (const value of [
      42,
      tuple('f', tuple()),
      tuple(1, tuple(), {}),
      tuple('f', 3, {}),
      tuple('f', tuple(), 5),
    ]) {
      expect(() => server.decode(pickle(value)), String(value)).toThrow(ProtocolError);
    }
    expect(() => server.decode(pickle('{"not": "a call"}'))).toThrow(ProtocolError);
    expect(() => server.encode({ type: 'result', id: 99, value: 1 })).toThrow(ProtocolError);
    expect(() => server.encode({ type: 'pong', nonce: 1 })).toThrow(ProtocolError);
  });
});

describe('python protocol, client end', () => {
  it('writes double-pickled calls by default and matches answers first in, first out', async () => {
    const client = (await open('client')) as PythonClientConnection;
    const frame = client.encode({ type: 'call', id: 7, method: 'add', args: [1, 2] });
    expect(decodePickle(decodePickle(frame) as Uint8Array)).toEqual(['add', [1, 2], {}]);
    client.encode({ type: 'call', id: 8, method: 'add', args: [3, 4], kwargs: { z: 1 } });
    expect(client.decode(pickle(pickle(3)))).toEqual({ type: 'result', id: 7, value: 3 });
    const failure = client.decode(pickle(pickle(new PyException('KeyError', ['z']))));
    expect(failure).toEqual({
      type: 'error',
      id: 8,
      error: {
        name: 'KeyError',
        message: "'z'",
        code: ErrorCode.APPLICATION_ERROR,
        data: { args: ['z'] },
      },
    });
    expect(() => client.decode(pickle(pickle(1)))).toThrow(/no call waiting/);
  });

  it('writes the single and JSON forms when asked', async () => {
    const single = await open('client', { form: 'single' });
    expect(decodePickle(single.encode({ type: 'call', id: 1, method: 'f', args: [] }))).toEqual([
      'f',
      [],
      {},
    ]);
    const json = await open('client', { form: 'json', pickleProtocol: 2 });
    const frame = json.encode({ type: 'call', id: 1, method: 'f', args: [1], kwargs: { a: 'é' } });
    expect(frame[1]).toBe(2); // PROTO 2
    expect(decodePickle(frame)).toBe('["f", [1], {"a": "\\u00e9"}]');
    expect(json.decode(pickle('"boom"'))).toEqual({ type: 'result', id: 1, value: 'boom' });
  });

  it('says a server wants an authkey instead of failing to unpickle its challenge', async () => {
    const client = await open('client');
    client.encode({ type: 'call', id: 1, method: 'f', args: [] });
    expect(() => client.decode(Buffer.from('#CHALLENGE#{sha256}0123456789'))).toThrow(
      AuthenticationError,
    );
  });

  it('refuses bad options with a UsageError', async () => {
    await expect(open('client', { form: 'xml' })).rejects.toThrow(/python.form/);
    await expect(open('client', { pickleProtocol: 5 })).rejects.toThrow(/pickleProtocol/);
  });
});
