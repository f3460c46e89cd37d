import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeMsgpack, encodeMsgpack } from '../../src/codec/msgpack.js';
import { DEFAULT_LIMITS } from '../../src/limits.js';
import { authProof, proofMessage } from '../../src/protocol/farcall/handshake.js';
import { NativeCodecs } from '../../src/protocol/farcall/messages.js';
import { Route } from '../../src/protocol/protocol.js';
import { frameHeader } from '../../src/transport/framer.js';

/** The vectors as docs/protocol.md prints them, so the document and the code cannot drift. */
function documentedVectors(): Map<string, string> {
  const doc = readFileSync(new URL('../../docs/protocol.md', import.meta.url), 'utf8');
  const block = /```vectors\n([\s\S]*?)```/.exec(doc)?.[1] ?? '';
  return new Map(
    block
      .trim()
      .split('\n')
      .map((line) => line.split(': ') as [string, string]),
  );
}

const frame = (body: Uint8Array) => Buffer.concat([frameHeader(body.length), body]).toString('hex');
const key = Buffer.from('peekaboo');
/** Bytes decode as Uint8Array, so the vectors hold Uint8Arrays. */
const serverChallenge = new Uint8Array(32).fill(0x11);
const clientChallenge = new Uint8Array(32).fill(0x22);
const HANDSHAKE = { maxDepth: 4, maxItems: 64 };
const codecs = new NativeCodecs({ limits: DEFAULT_LIMITS, references: false });
const proof = (role: 'client' | 'server', verifier: Uint8Array, prover: Uint8Array) =>
  new Uint8Array(
    createHmac('sha256', key)
      .update(proofMessage(role, verifier, prover))
      .digest(),
  );

const handshakeVectors: Record<string, unknown[]> = {
  'hello-client': [0, 'farcall', 1, { role: 'client', window: 1024, maxFrame: 16777216 }],
  'hello-server-auth': [
    0,
    'farcall',
    1,
    { role: 'server', window: 1024, maxFrame: 16777216, idle: 300000, challenge: serverChallenge },
  ],
  auth: [8, proof('client', serverChallenge, clientChallenge), clientChallenge],
  'auth-ok': [9, proof('server', clientChallenge, serverChallenge)],
  'auth-fail': [10, 'wrong authkey'],
};

/** Each message vector: how the codecs write it, and what reading it gives back. */
const messageVectors: Record<string, { write: () => Uint8Array; read: unknown }> = {
  call: {
    write: () => codecs.writeCall({ id: 1, method: 'add', args: [2, 3] }),
    read: { type: 'call', id: 1, method: 'add', args: [2, 3] },
  },
  'call-options': {
    write: () =>
      codecs.writeCall({
        id: 2,
        method: 'math.mul',
        args: [4, 5],
        timeoutMs: 1000,
        meta: { trace: 'abc' },
      }),
    read: {
      type: 'call',
      id: 2,
      method: 'math.mul',
      args: [4, 5],
      timeoutMs: 1000,
      meta: { trace: 'abc' },
    },
  },
  notify: {
    write: () => codecs.writeNotify({ method: 'log', args: ['hi'] }),
    read: { type: 'notify', method: 'log', args: ['hi'] },
  },
  result: {
    write: () => codecs.writeAnswer({ type: 'result', id: 1, value: 5 }),
    read: { type: 'result', id: 1, value: 5 },
  },
  error: {
    write: () =>
      codecs.writeAnswer({
        type: 'error',
        id: 3,
        error: { name: 'TypeError', message: 'bad', code: 'APPLICATION_ERROR' },
      }),
    read: {
      type: 'error',
      id: 3,
      error: { name: 'TypeError', message: 'bad', code: 'APPLICATION_ERROR' },
    },
  },
  cancel: { write: () => codecs.writeCancel(4), read: { type: 'cancel', id: 4 } },
  ping: { write: () => codecs.writePing(7), read: 7 },
  pong: { write: () => codecs.writePong(7), read: 7 },
  values: {
    write: () => codecs.writeAnswer({ type: 'result', id: 5, value: values() }),
    read: { type: 'result', id: 5, value: values() },
  },
  'result-meta': {
    write: () => codecs.writeAnswer({ type: 'result', id: 6, value: 'ok', meta: { etag: '"v2"' } }),
    read: { type: 'result', id: 6, value: 'ok', meta: { etag: '"v2"' } },
  },
};

/**
 * For the vectors of streams and callbacks: a codec whose hooks write `[kind, id]` behind the
 * reference tag for the marked values, and read what follows a tag back as `{ ref }`.
 */
const marked = new Map<unknown, unknown>();
const callback = () => {};
marked.set(callback, [2, 1]);
const stream = (async function* () {})();
marked.set(stream, [1, 1]);
const refCodecs = new NativeCodecs({
  limits: DEFAULT_LIMITS,
  references: false,
  hooks: { replace: (value) => marked.get(value), revive: (ref) => ({ ref }) },
});

const objectVectors: Record<string, { write: () => Uint8Array; read: unknown }> = {
  'call-callback': {
    write: () => refCodecs.writeCall({ id: 6, method: 'watch', args: [callback] }),
    read: { type: 'call', id: 6, method: 'watch', args: [{ ref: [2, 1] }] },
  },
  invoke: {
    write: () =>
      refCodecs.writeCall({ id: 2, method: 'callback 1', reference: 1, args: ['ready'] }),
    read: { type: 'call', id: 2, reference: 1, args: ['ready'] },
  },
  'result-stream': {
    write: () => refCodecs.writeAnswer({ type: 'result', id: 7, value: stream }),
    read: { type: 'result', id: 7, value: { ref: [1, 1] } },
  },
  item: {
    write: () => refCodecs.writeObject({ type: 'item', stream: 1, value: 'a' }),
    read: { type: 'item', stream: 1, value: 'a' },
  },
  end: {
    write: () => refCodecs.writeObject({ type: 'end', stream: 1 }),
    read: { type: 'end', stream: 1 },
  },
  fail: {
    write: () =>
      refCodecs.writeObject({
        type: 'fail',
        stream: 1,
        error: { name: 'RangeError', message: 'x', code: 'APPLICATION_ERROR' },
      }),
    read: {
      type: 'fail',
      stream: 1,
      error: { name: 'RangeError', message: 'x', code: 'APPLICATION_ERROR' },
    },
  },
  credit: {
    write: () => refCodecs.writeObject({ type: 'credit', stream: 1, items: 256, bytes: 1048576 }),
    read: { type: 'credit', stream: 1, items: 256, bytes: 1048576 },
  },
  stop: {
    write: () => refCodecs.writeObject({ type: 'stop', stream: 1 }),
    read: { type: 'stop', stream: 1 },
  },
  retain: {
    write: () => refCodecs.writeObject({ type: 'retain', reference: 1 }),
    read: { type: 'retain', reference: 1 },
  },
  release: {
    write: () => refCodecs.writeObject({ type: 'release', reference: 1 }),
    read: { type: 'release', reference: 1 },
  },
};

/** Reads a stream or callback vector back the way the receiving side would. */
function readObjectVector(body: Uint8Array): unknown {
  switch (refCodecs.route(body)) {
    case Route.OBJECTS:
      return refCodecs.readObject(body);
    case Route.ANSWERS: {
      const answers: unknown[] = [];
      refCodecs.readAnswers(
        body,
        () => true,
        (answer) => answers.push(answer),
      );
      return answers[0];
    }
    default:
      return refCodecs.readCalls(body).items[0];
  }
}

function values(): unknown[] {
  return [
    undefined,
    null,
    -0,
    2n ** 64n,
    new Map([['k', 1]]),
    new Set([1]),
    new Date(0),
    new Uint8Array([1, 2]),
  ];
}

/** Reads a vector's body back the way the receiving side would. */
function read(name: string, body: Uint8Array): unknown {
  if (name === 'ping' || name === 'pong') return codecs.nonce(body);
  if (codecs.route(body) === Route.ANSWERS) {
    const answers: unknown[] = [];
    codecs.readAnswers(
      body,
      () => true,
      (answer) => answers.push(answer),
    );
    return answers[0];
  }
  return codecs.readCalls(body).items[0];
}

describe('docs/protocol.md test vectors', () => {
  const vectors = documentedVectors();

  it('documents every vector the test knows, and no others', () => {
    expect([...vectors.keys()].sort()).toEqual(
      [
        ...Object.keys(handshakeVectors),
        ...Object.keys(messageVectors),
        ...Object.keys(objectVectors),
      ].sort(),
    );
  });

  it.each(Object.entries(handshakeVectors))(
    'handshake %s matches byte for byte',
    (name, message) => {
      const hex = vectors.get(name)!;
      expect(frame(encodeMsgpack(message, HANDSHAKE))).toBe(hex);
      expect(decodeMsgpack(Buffer.from(hex, 'hex').subarray(4), HANDSHAKE)).toStrictEqual(message);
    },
  );

  it.each(Object.entries(messageVectors))(
    'message %s encodes and decodes byte for byte',
    (name, vector) => {
      const hex = vectors.get(name)!;
      expect(frame(vector.write())).toBe(hex);
      const decoded = read(name, Buffer.from(hex, 'hex').subarray(4));
      expect(decoded).toMatchObject(vector.read as Record<string, unknown>);
      if (name === 'values') {
        const decodedValues = (decoded as { value: unknown[] }).value;
        expect(Object.is(decodedValues[2], -0)).toBe(true);
        expect(decodedValues).toStrictEqual(values());
      }
    },
  );

  it.each(Object.entries(objectVectors))(
    'stream and callback message %s encodes and decodes byte for byte',
    (name, vector) => {
      const hex = vectors.get(name)!;
      expect(frame(vector.write())).toBe(hex);
      const body = Buffer.from(hex, 'hex').subarray(4);
      expect(readObjectVector(body)).toMatchObject(vector.read as Record<string, unknown>);
    },
  );

  it('routes stream and reference messages apart from calls, INVOKE with the calls', () => {
    for (const name of ['item', 'end', 'fail', 'credit', 'stop', 'retain', 'release']) {
      expect(refCodecs.route(Buffer.from(vectors.get(name)!, 'hex').subarray(4))).toBe(
        Route.OBJECTS,
      );
    }
    expect(refCodecs.route(Buffer.from(vectors.get('invoke')!, 'hex').subarray(4))).toBe(
      Route.CALLS,
    );
  });

  it('reads answers of a later version: unknown answer options and items are ignored', () => {
    const answers: unknown[] = [];
    const wantAll = () => true;
    const collect = (answer: unknown) => answers.push(answer);
    const later = encodeMsgpack(
      [3, 8, 'v', { meta: { a: 'b' }, priority: 3 }, 'an item of a later version'],
      { maxDepth: 8, maxItems: 64 },
    );
    const badMeta = encodeMsgpack(
      [4, 9, { name: 'E', message: 'm', code: 'INTERNAL' }, { meta: { n: 1 } }],
      {
        maxDepth: 8,
        maxItems: 64,
      },
    );
    const notAMap = encodeMsgpack([3, 10, 'w', 'not a map'], { maxDepth: 8, maxItems: 64 });
    for (const frame of [later, badMeta, notAMap]) codecs.readAnswers(frame, wantAll, collect);
    expect(answers).toMatchObject([
      { type: 'result', id: 8, value: 'v', meta: { a: 'b' } },
      { type: 'error', id: 9, error: { name: 'E', message: 'm' }, meta: undefined },
      { type: 'result', id: 10, value: 'w', meta: undefined },
    ]);
  });

  it('writes an answer without metadata in the three-item form of version 1', () => {
    const answer = codecs.writeAnswer({ type: 'result', id: 1, value: 5 });
    expect(frame(answer)).toBe(documentedVectors().get('result'));
  });

  it('uses the HMAC construction the document describes, as the handshake computes it', async () => {
    const expected = createHmac('sha256', key)
      .update(
        Buffer.concat([Buffer.from('farcall-auth-v1 client\n'), serverChallenge, clientChallenge]),
      )
      .digest('hex');
    const computed = await authProof(key, 'client', serverChallenge, clientChallenge);
    expect(Buffer.from(computed).toString('hex')).toBe(expected);
  });
});
