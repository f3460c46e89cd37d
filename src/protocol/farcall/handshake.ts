import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { decodeMsgpack, encodeMsgpack } from '../../codec/msgpack.js';
import { AuthenticationError, ProtocolError } from '../../errors.js';
import { FrameReader } from '../../transport/frame-reader.js';
import type { Transport } from '../../transport/transport.js';
import type { ProtocolOptions } from '../protocol.js';
import { MessageType } from './messages.js';

/** The protocol's name and version, sent in every HELLO. */
export const PROTOCOL_NAME = 'farcall';
export const PROTOCOL_VERSION = 1;
const CHALLENGE_BYTES = 32;
/** Handshake messages are small; anything larger is not a farcall peer. */
const HANDSHAKE_DEPTH = 4;

/**
 * The proof one side sends: HMAC-SHA256 over a label naming the prover's role and both
 * challenges, the verifier's first. The role label stops a reflection attack (replaying the
 * server's own proof back to it), and both challenges bind the proof to this connection.
 */
export function authProof(
  key: Uint8Array,
  role: 'client' | 'server',
  verifierChallenge: Uint8Array,
  proverChallenge: Uint8Array,
): Buffer {
  return createHmac('sha256', key)
    .update(`farcall-auth-v1 ${role}\n`)
    .update(verifierChallenge)
    .update(proverChallenge)
    .digest();
}

/** Handshake messages are small: a HELLO with a challenge, an AUTH with a proof. */
const MAX_HANDSHAKE_BYTES = 1024;
/** Every item takes at least a byte, so the frame limit bounds the items too. */
const HANDSHAKE_CODEC = { maxDepth: HANDSHAKE_DEPTH, maxItems: MAX_HANDSHAKE_BYTES } as const;

function send(transport: Transport, message: unknown[]): void {
  transport.send(encodeMsgpack(message, HANDSHAKE_CODEC));
}

async function receive(reader: FrameReader, what: string): Promise<unknown[]> {
  const message = decodeMsgpack(await reader.next(what), HANDSHAKE_CODEC);
  if (!Array.isArray(message) || typeof message[0] !== 'number') {
    throw new ProtocolError(`expected ${what}, got a message of the wrong shape`);
  }
  return message;
}

/** Runs one side of the opening with a reader that owns the transport until it is done. */
async function withReader(
  transport: Transport,
  options: ProtocolOptions,
  run: (reader: FrameReader) => Promise<void>,
): Promise<void> {
  const timeoutMs = options.limits.handshakeTimeoutMs;
  const reader = new FrameReader(transport, timeoutMs, MAX_HANDSHAKE_BYTES);
  try {
    await run(reader);
  } finally {
    reader.release();
  }
}

function checkHello(message: unknown[]): Record<string, unknown> {
  if (message[0] !== MessageType.HELLO || message[1] !== PROTOCOL_NAME) {
    throw new ProtocolError('peer does not speak the farcall protocol');
  }
  if (message[2] !== PROTOCOL_VERSION) {
    throw new ProtocolError(
      `peer speaks farcall protocol version ${String(message[2])}, not ${PROTOCOL_VERSION}`,
    );
  }
  const options = message[3];
  return typeof options === 'object' && options !== null
    ? (options as Record<string, unknown>)
    : {};
}

function sameBytes(a: unknown, b: Uint8Array): boolean {
  return a instanceof Uint8Array && a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Server side of the opening: HELLO both ways, then, with an authkey, the client proves it
 * knows the key and the server proves it back. Rejects with `AuthenticationError` (after
 * telling the client) on a wrong proof, `ProtocolError` on anything else unexpected.
 */
export function serverHandshake(transport: Transport, options: ProtocolOptions): Promise<void> {
  return withReader(transport, options, (reader) => serverSide(reader, options));
}

async function serverSide(reader: FrameReader, options: ProtocolOptions): Promise<void> {
  const { transport } = reader;
  const key = options.authkey;
  const challenge = key ? randomBytes(CHALLENGE_BYTES) : undefined;
  send(transport, [
    MessageType.HELLO,
    PROTOCOL_NAME,
    PROTOCOL_VERSION,
    challenge ? { challenge } : {},
  ]);
  checkHello(await receive(reader, 'HELLO'));
  if (!key || !challenge) return;
  const auth = await receive(reader, 'AUTH');
  const clientChallenge = auth[2];
  if (
    auth[0] !== MessageType.AUTH ||
    !(clientChallenge instanceof Uint8Array) ||
    clientChallenge.length !== CHALLENGE_BYTES
  ) {
    send(transport, [MessageType.AUTH_FAIL, 'authentication required']);
    throw new AuthenticationError('client did not authenticate');
  }
  if (!sameBytes(auth[1], authProof(key, 'client', challenge, clientChallenge))) {
    send(transport, [MessageType.AUTH_FAIL, 'wrong authkey']);
    throw new AuthenticationError('client sent a wrong authkey proof');
  }
  send(transport, [MessageType.AUTH_OK, authProof(key, 'server', clientChallenge, challenge)]);
}

/**
 * Client side of the opening. Rejects with `AuthenticationError` when the keys differ, when
 * the server asks for a key and none is configured, or when a key is configured and the server
 * does not ask for it (it could not prove it knows the key).
 */
export function clientHandshake(transport: Transport, options: ProtocolOptions): Promise<void> {
  return withReader(transport, options, (reader) => clientSide(reader, options));
}

async function clientSide(reader: FrameReader, options: ProtocolOptions): Promise<void> {
  const { transport } = reader;
  const key = options.authkey;
  send(transport, [MessageType.HELLO, PROTOCOL_NAME, PROTOCOL_VERSION, {}]);
  const hello = checkHello(await receive(reader, 'HELLO'));
  const serverChallenge = hello.challenge;
  if (serverChallenge === undefined) {
    if (key)
      throw new AuthenticationError(
        'server does not use an authkey, so it cannot prove it knows ours',
      );
    return;
  }
  if (!(serverChallenge instanceof Uint8Array) || serverChallenge.length !== CHALLENGE_BYTES) {
    throw new ProtocolError('server sent a malformed challenge');
  }
  if (!key) throw new AuthenticationError('server requires an authkey and none was given');
  const challenge = randomBytes(CHALLENGE_BYTES);
  send(transport, [
    MessageType.AUTH,
    authProof(key, 'client', serverChallenge, challenge),
    challenge,
  ]);
  const answer = await receive(reader, 'AUTH_OK');
  if (answer[0] === MessageType.AUTH_FAIL)
    throw new AuthenticationError('server refused the authkey');
  if (
    answer[0] !== MessageType.AUTH_OK ||
    !sameBytes(answer[1], authProof(key, 'server', challenge, serverChallenge))
  ) {
    throw new AuthenticationError('server could not prove it knows the authkey');
  }
}
