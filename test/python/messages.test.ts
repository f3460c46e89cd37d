import { describe, expect, it } from 'vitest';
import { decodePickle, encodePickle, PyException } from '../../src/codec/pickle/index.js';
import { AuthenticationError, ErrorCode, ProtocolError } from '../../src/errors.js';
import { DEFAULT_LIMITS } from '../../src/limits.js';
import type { Answer, IncomingCall } from '../../src/protocol/protocol.js';
import { pythonProtocol } from '../../src/protocol/python/index.js';
import { memoryPair } from '../../src/transport/memory.js';
import { channelLink } from '../helpers/link.js';

const tuple = (...items: unknown[]) => Object.freeze(items);
const pickle = (value: unknown) => encodePickle(value, { protocol: 4 });

async function open(role: 'client' | 'server', python?: unknown) {
  const [channel] = memoryPair();
  return pythonProtocol.open(channelLink(channel), {
    role,
    limits: DEFAULT_LIMITS,
    answers: role === 'server',
    python,
  });
}

async function serverCodecs() {
  const connection = await open('server');
  const answerer = connection.answerer!;
  return {
    connection,
    decode: (frame: Uint8Array) => answerer.readCalls(frame).items[0] as IncomingCall,
    encode: (answer: Answer) => answerer.writeAnswer(answer),
  };
}

async function clientCodecs(python?: unknown) {
  const connection = await open('client', python);
  const caller = connection.caller!;
  return {
    encode: (call: {
      id: number;
      method: string;
      args: unknown[];
      kwargs?: Record<string, unknown>;
    }) => caller.writeCall(call),
    decode: (frame: Uint8Array) => {
      const answers: Answer[] = [];
      caller.readAnswers(
        frame,
        () => true,
        (answer) => answers.push(answer),
      );
      return answers[0];
    },
  };
}

describe('python protocol, server end', () => {
  it('reads the three forms and answers each in its own form, in call order', async () => {
    const server = await serverCodecs();
    const caps = server.connection.capabilities;
    expect(caps.correlation).toBe('fifo');
    expect([caps.notify, caps.cancel, caps.ping]).toEqual([false, false, false]);
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
    const server = await serverCodecs();
    const message = server.decode(pickle(tuple('f', tuple(1), { b: 2 })));
    expect(message.kwargs).toEqual({ b: 2 });
    expect(Object.isFrozen(message.args)).toBe(false);
  });

  it('answers errors as Python exceptions, and as str(e) in the JSON form', async () => {
    const server = await serverCodecs();
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
    const server = await serverCodecs();
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
  });
});

describe('python protocol, client end', () => {
  it('writes double-pickled calls by default and matches answers first in, first out', async () => {
    const client = await clientCodecs();
    const frame = client.encode({ id: 7, method: 'add', args: [1, 2] });
    expect(decodePickle(decodePickle(frame) as Uint8Array)).toEqual(['add', [1, 2], {}]);
    client.encode({ id: 8, method: 'add', args: [3, 4], kwargs: { z: 1 } });
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
    const single = await clientCodecs({ form: 'single' });
    expect(decodePickle(single.encode({ id: 1, method: 'f', args: [] }))).toEqual(['f', [], {}]);
    const json = await clientCodecs({ form: 'json', pickleProtocol: 2 });
    const frame = json.encode({ id: 1, method: 'f', args: [1], kwargs: { a: 'é' } });
    expect(frame[1]).toBe(2); // PROTO 2
    expect(decodePickle(frame)).toBe('["f", [1], {"a": "\\u00e9"}]');
    expect(json.decode(pickle('"boom"'))).toEqual({ type: 'result', id: 1, value: 'boom' });
  });

  it('says a server wants an authkey instead of failing to unpickle its challenge', async () => {
    const client = await clientCodecs();
    client.encode({ id: 1, method: 'f', args: [] });
    expect(() => client.decode(Buffer.from('#CHALLENGE#{sha256}0123456789'))).toThrow(
      AuthenticationError,
    );
  });

  it('refuses bad options with a UsageError', async () => {
    await expect(open('client', { form: 'xml' })).rejects.toThrow(/python.form/);
    await expect(open('client', { pickleProtocol: 5 })).rejects.toThrow(/pickleProtocol/);
  });
});
