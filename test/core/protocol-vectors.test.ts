import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeMsgpack, encodeMsgpack } from '../../src/codec/msgpack.js';
import { authProof } from '../../src/protocol/farcall/handshake.js';
import {
  decodeMessage,
  encodeMessage,
  messageCodecOptions,
} from '../../src/protocol/farcall/messages.js';
import type { Message } from '../../src/protocol/protocol.js';
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

/** The codec options of handshake frames, and those of a connection's messages. */
const handshakeCodec = { maxDepth: 4, maxItems: 1024 };
const codec = messageCodecOptions({ maxDepth: 64, maxItems: 1_000_000 });
/** bin decodes as a plain Uint8Array, so the Buffers of the handshake compare as those. */
function asDecoded(value: unknown): unknown {
  if (value instanceof Buffer) return new Uint8Array(value);
  if (Array.isArray(value)) return value.map(asDecoded);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, asDecoded(v)]));
  }
  return value;
}

const frame = (body: Uint8Array) => Buffer.concat([frameHeader(body.length), body]).toString('hex');
const key = Buffer.from('peekaboo');
const serverChallenge = Buffer.alloc(32, 0x11);
const clientChallenge = Buffer.alloc(32, 0x22);

const handshakeVectors: Record<string, unknown[]> = {
  'hello-client': [0, 'farcall', 1, {}],
  'hello-server-auth': [0, 'farcall', 1, { challenge: serverChallenge }],
  auth: [8, authProof(key, 'client', serverChallenge, clientChallenge), clientChallenge],
  'auth-ok': [9, authProof(key, 'server', clientChallenge, serverChallenge)],
  'auth-fail': [10, 'wrong authkey'],
};

const messageVectors: Record<string, Message> = {
  call: { type: 'call', id: 1, method: 'add', args: [2, 3] },
  'call-options': {
    type: 'call',
    id: 2,
    method: 'math.mul',
    args: [4, 5],
    timeoutMs: 1000,
    meta: { trace: 'abc' },
  },
  notify: { type: 'notify', method: 'log', args: ['hi'] },
  result: { type: 'result', id: 1, value: 5 },
  error: {
    type: 'error',
    id: 3,
    error: { name: 'TypeError', message: 'bad', code: 'APPLICATION_ERROR' },
  },
  cancel: { type: 'cancel', id: 4 },
  ping: { type: 'ping', nonce: 7 },
  pong: { type: 'pong', nonce: 7 },
  values: {
    type: 'result',
    id: 5,
    value: [
      undefined,
      null,
      -0,
      2n ** 64n,
      new Map([['k', 1]]),
      new Set([1]),
      new Date(0),
      new Uint8Array([1, 2]),
    ],
  },
};

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
      expect(frame(encodeMsgpack(message, handshakeCodec))).toBe(hex);
      expect(decodeMsgpack(Buffer.from(hex, 'hex').subarray(4), handshakeCodec)).toStrictEqual(
        asDecoded(message),
      );
    },
  );

  it.each(Object.entries(messageVectors))(
    'message %s encodes and decodes byte for byte',
    (name, message) => {
      const hex = vectors.get(name)!;
      expect(frame(encodeMessage(message, codec))).toBe(hex);
      const decoded = decodeMessage(Buffer.from(hex, 'hex').subarray(4), codec);
      expect(decoded).toMatchObject(message as unknown as Record<string, unknown>);
      if (name === 'values') {
        const values = (decoded as { value: unknown[] }).value;
        expect(Object.is(values[2], -0)).toBe(true);
        expect(values).toStrictEqual((message as { value: unknown[] }).value);
      }
    },
  );

  it('uses the HMAC construction the document describes', () => {
    const expected = createHmac('sha256', key)
      .update(
        Buffer.concat([Buffer.from('farcall-auth-v1 client\n'), serverChallenge, clientChallenge]),
      )
      .digest('hex');
    expect(authProof(key, 'client', serverChallenge, clientChallenge).toString('hex')).toBe(
      expected,
    );
  });
});
