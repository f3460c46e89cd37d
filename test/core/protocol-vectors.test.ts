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
};

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
      [...Object.keys(handshakeVectors), ...Object.keys(messageVectors)].sort(),
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
