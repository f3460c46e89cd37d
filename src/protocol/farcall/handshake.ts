/**
 * The native protocol's opening: HELLO both ways, then, with an authkey, a mutual HMAC-SHA256
 * challenge–response (docs/protocol.md, "Opening a connection"). On WebCrypto, so it runs in
 * browsers as it does in Node; proofs are checked with `crypto.subtle.verify`, which compares in
 * constant time.
 */
import type { CodecOptions } from '../../codec/codec.js';
import { decodeMsgpack, encodeMsgpack } from '../../codec/msgpack.js';
import { AuthenticationError, LimitError, ProtocolError } from '../../errors.js';
import { hmac, hmacKey, hmacVerify, randomBytes } from '../../webcrypto.js';
import { foreignHint } from '../detect.js';
import type { OpeningLink, PeerSettings, ProtocolOptions } from '../protocol.js';
import { MessageType } from './messages.js';

/** The protocol's name and version, sent in every HELLO. */
export const PROTOCOL_NAME = 'farcall';
export const PROTOCOL_VERSION = 1;
const CHALLENGE_BYTES = 32;
/** Handshake messages are small maps of scalars and byte strings. */
const HANDSHAKE_CODEC: CodecOptions = { maxDepth: 4, maxItems: 64 };

const encoder = new TextEncoder();

/** The bytes a proof is the HMAC-SHA256 of: a label naming the prover's role, then both challenges, the verifier's first. */
export function proofMessage(
  role: 'client' | 'server',
  verifierChallenge: Uint8Array,
  proverChallenge: Uint8Array,
): Uint8Array {
  const label = encoder.encode(`farcall-auth-v1 ${role}\n`);
  const message = new Uint8Array(label.length + verifierChallenge.length + proverChallenge.length);
  message.set(label);
  message.set(verifierChallenge, label.length);
  message.set(proverChallenge, label.length + verifierChallenge.length);
  return message;
}

/**
 * The proof one side sends. The role label stops a reflection attack (replaying the server's own
 * proof back to it), and both challenges bind the proof to this connection.
 */
export async function authProof(
  key: Uint8Array,
  role: 'client' | 'server',
  verifierChallenge: Uint8Array,
  proverChallenge: Uint8Array,
): Promise<Uint8Array> {
  return hmac(await hmacKey(key), proofMessage(role, verifierChallenge, proverChallenge));
}

async function verifyProof(
  key: Uint8Array,
  proof: unknown,
  role: 'client' | 'server',
  verifierChallenge: Uint8Array,
  proverChallenge: Uint8Array,
): Promise<boolean> {
  if (!(proof instanceof Uint8Array) || proof.length !== 32) return false;
  return hmacVerify(
    await hmacKey(key),
    proof,
    proofMessage(role, verifierChallenge, proverChallenge),
  );
}

/** What this end says about itself in its HELLO. */
export interface HelloSettings {
  readonly window: number;
  readonly maxFrameBytes: number;
  readonly idleMs?: number | undefined;
  readonly references: boolean;
}

/** What the opening agreed: the peer's settings, and whether shared references are on. */
export interface Opened {
  readonly peer: PeerSettings;
  readonly references: boolean;
}

function send(link: OpeningLink, message: unknown[]): void {
  link.send(encodeMsgpack(message, HANDSHAKE_CODEC));
}

async function receive(link: OpeningLink, what: string, first = false): Promise<unknown[]> {
  const frame = await link.next(what);
  let message: unknown;
  try {
    message = decodeMsgpack(frame, HANDSHAKE_CODEC);
  } catch (error) {
    // A frame over a limit says so; bytes that are not MessagePack may be another protocol.
    if (error instanceof LimitError) throw error;
    throw mismatch(link, frame, first) ?? error;
  }
  if (!Array.isArray(message) || typeof message[0] !== 'number') {
    throw (
      mismatch(link, frame, first) ??
      new ProtocolError(`expected ${what} from ${link.peer}, got a message of the wrong shape`)
    );
  }
  return message;
}

/** The error for a first frame of another protocol, or undefined. */
function mismatch(link: OpeningLink, frame: Uint8Array, first: boolean): ProtocolError | undefined {
  const hint = first ? foreignHint(frame) : undefined;
  if (hint === undefined && first) {
    return new ProtocolError(
      `${link.peer} does not speak the farcall protocol (its first message is not a HELLO)`,
    );
  }
  return hint === undefined
    ? undefined
    : new ProtocolError(`${link.peer} does not speak the farcall protocol: ${hint}`);
}

function hello(
  role: 'client' | 'server',
  settings: HelloSettings,
  challenge?: Uint8Array,
): unknown[] {
  const options: Record<string, unknown> = {
    role,
    window: settings.window,
    maxFrame: settings.maxFrameBytes,
  };
  if (settings.idleMs !== undefined) options.idle = settings.idleMs;
  if (settings.references) options.refs = true;
  if (challenge) options.challenge = challenge;
  return [MessageType.HELLO, PROTOCOL_NAME, PROTOCOL_VERSION, options];
}

function checkHello(
  link: OpeningLink,
  message: unknown[],
  expectedRole: string,
): Record<string, unknown> {
  if (message[0] !== MessageType.HELLO || message[1] !== PROTOCOL_NAME) {
    throw new ProtocolError(`${link.peer} does not speak the farcall protocol`);
  }
  if (message[2] !== PROTOCOL_VERSION) {
    throw new ProtocolError(
      `${link.peer} speaks farcall protocol version ${String(message[2])}, not ${PROTOCOL_VERSION}`,
    );
  }
  const options = message[3];
  const map =
    typeof options === 'object' && options !== null ? (options as Record<string, unknown>) : {};
  if (map.role !== undefined && map.role !== expectedRole) {
    throw new ProtocolError(
      `${link.peer} sent a ${String(map.role)} HELLO where a ${expectedRole} was expected (is it echoing?)`,
    );
  }
  return map;
}

/** Positive integer settings of a peer's HELLO; anything else is ignored. */
function peerSettings(options: Record<string, unknown>): PeerSettings {
  const positive = (value: unknown) =>
    typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : undefined;
  return {
    window: positive(options.window),
    maxFrameBytes: positive(options.maxFrame),
    idleMs: positive(options.idle),
  };
}

function randomChallenge(): Uint8Array {
  return randomBytes(CHALLENGE_BYTES);
}

/**
 * Server side of the opening. Rejects with `AuthenticationError` (after telling the client) on a
 * wrong or missing proof, `ProtocolError` on anything else unexpected.
 */
export async function serverHandshake(
  link: OpeningLink,
  options: ProtocolOptions,
  settings: HelloSettings,
): Promise<Opened> {
  const key = options.authkey;
  const challenge = key ? randomChallenge() : undefined;
  send(link, hello('server', settings, challenge));
  const theirs = checkHello(link, await receive(link, 'HELLO', true), 'client');
  const opened = {
    peer: peerSettings(theirs),
    references: settings.references && theirs.refs === true,
  };
  if (!key || !challenge) return opened;
  const auth = await receive(link, 'AUTH');
  const clientChallenge = auth[2];
  if (
    auth[0] !== MessageType.AUTH ||
    !(clientChallenge instanceof Uint8Array) ||
    clientChallenge.length !== CHALLENGE_BYTES
  ) {
    send(link, [MessageType.AUTH_FAIL, 'authentication required']);
    throw new AuthenticationError('client did not authenticate');
  }
  if (!(await verifyProof(key, auth[1], 'client', challenge, clientChallenge))) {
    send(link, [MessageType.AUTH_FAIL, 'wrong authkey']);
    throw new AuthenticationError('client sent a wrong authkey proof');
  }
  send(link, [MessageType.AUTH_OK, await authProof(key, 'server', clientChallenge, challenge)]);
  return opened;
}

/**
 * Client side of the opening. Rejects with `AuthenticationError` when the keys differ, when the
 * server asks for a key and none is configured, or when a key is configured and the server does
 * not ask for it (it could not prove it knows the key); `ProtocolError`, saying what the server
 * seems to speak, when it is not a farcall server.
 */
export async function clientHandshake(
  link: OpeningLink,
  options: ProtocolOptions,
  settings: HelloSettings,
): Promise<Opened> {
  const key = options.authkey;
  send(link, hello('client', settings));
  const theirs = checkHello(link, await receive(link, 'HELLO', true), 'server');
  const opened = {
    peer: peerSettings(theirs),
    references: settings.references && theirs.refs === true,
  };
  const serverChallenge = theirs.challenge;
  if (serverChallenge === undefined) {
    if (key) {
      throw new AuthenticationError(
        'server does not use an authkey, so it cannot prove it knows ours',
      );
    }
    return opened;
  }
  if (!(serverChallenge instanceof Uint8Array) || serverChallenge.length !== CHALLENGE_BYTES) {
    throw new ProtocolError('server sent a malformed challenge');
  }
  if (!key) throw new AuthenticationError('server requires an authkey and none was given');
  const challenge = randomChallenge();
  send(link, [
    MessageType.AUTH,
    await authProof(key, 'client', serverChallenge, challenge),
    challenge,
  ]);
  const answer = await receive(link, 'AUTH_OK');
  if (answer[0] === MessageType.AUTH_FAIL)
    throw new AuthenticationError('server refused the authkey');
  if (
    answer[0] !== MessageType.AUTH_OK ||
    !(await verifyProof(key, answer[1], 'server', challenge, serverChallenge))
  ) {
    throw new AuthenticationError('server could not prove it knows the authkey');
  }
  return opened;
}
