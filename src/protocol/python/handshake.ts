import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { AuthenticationError, ProtocolError } from '../../errors.js';
import { foreignHint, isPythonChallenge } from '../detect.js';
import type { OpeningLink, Role } from '../protocol.js';

/**
 * The `multiprocessing.connection` authkey handshake, byte for byte as CPython does it
 * (`deliver_challenge` / `answer_challenge` in `Lib/multiprocessing/connection.py`).
 *
 * Two forms exist on the wire:
 * - legacy (Python <= 3.11): the challenge is `#CHALLENGE#` + 20 random bytes and the answer is
 *   the raw 16-byte HMAC-MD5 of those 20 bytes;
 * - negotiated (Python >= 3.12): the challenge is `#CHALLENGE#{sha256}` + 40 random bytes and the
 *   answer is `{sha256}` + HMAC-SHA256 of everything after `#CHALLENGE#`, prefix included.
 *
 * Like 3.12 we always deliver the `{sha256}` form. A 3.11 peer cannot parse the prefix and
 * answers with a raw HMAC-MD5 over the whole message (prefix included), which 3.12 accepts and
 * so do we unless `allowMd5` is false. Refusing MD5 locks out Python <= 3.11; accepting it means
 * a peer may prove its key with HMAC-MD5, still unbroken as a MAC but the weaker of the two.
 */

export const CHALLENGE = Buffer.from('#CHALLENGE#');
export const WELCOME = Buffer.from('#WELCOME#');
export const FAILURE = Buffer.from('#FAILURE#');

/** Random bytes in a challenge we deliver (CPython 3.12's `MESSAGE_LENGTH`). */
const MESSAGE_LENGTH = 40;
/** A challenge body of this length is a legacy (md5-only) one; 16 is a raw md5 answer. */
const LEGACY_LENGTHS: ReadonlySet<number> = new Set([20, 16]);
/** Handshake messages over this are refused, like CPython's `recv_bytes(256)`. */
const MAX_MESSAGE = 256;
/** Digest names CPython accepts in a `{digest}` prefix, with Node's name for each. */
const DIGESTS: ReadonlyMap<string, string> = new Map([
  ['md5', 'md5'],
  ['sha256', 'sha256'],
  ['sha384', 'sha384'],
  ['sha3_256', 'sha3-256'],
  ['sha3_384', 'sha3-384'],
]);
const MAX_DIGEST_NAME = 8;

export interface HandshakeOptions {
  role: Role;
  authkey: Uint8Array;
  /** Accept (and give) HMAC-MD5 answers, for Python <= 3.11 peers. Default true. */
  allowMd5?: boolean | undefined;
}

/**
 * Runs the mutual handshake: a server delivers its challenge then answers the peer's, a client
 * does the reverse (CPython's `Listener.accept` and `Client`). Resolves once both sides proved
 * the key. Rejects with `AuthenticationError` on a wrong key either way (after sending
 * `#FAILURE#` when we were the one checking), `ProtocolError` on an oversized message or a peer
 * that speaks another protocol. The deadline is the session's.
 */
export async function handshake(link: OpeningLink, options: HandshakeOptions): Promise<void> {
  if (options.role === 'server') {
    await deliverChallenge(link, options);
    await answerChallenge(link, options);
  } else {
    await answerChallenge(link, options);
    await deliverChallenge(link, options);
  }
}

async function next(link: OpeningLink, what: string): Promise<Uint8Array> {
  const frame = await link.next(what);
  if (frame.length > MAX_MESSAGE) {
    throw new ProtocolError(
      `handshake message of ${frame.length} bytes from ${link.peer} (limit ${MAX_MESSAGE})`,
    );
  }
  return frame;
}

async function deliverChallenge(link: OpeningLink, options: HandshakeOptions): Promise<void> {
  const message = challengeBody(randomBytes(MESSAGE_LENGTH));
  link.send(Buffer.concat([CHALLENGE, message]));
  const response = await next(link, 'the answer to our authkey challenge');
  try {
    verifyResponse(options.authkey, message, response, options.allowMd5 ?? true);
  } catch (error) {
    link.send(FAILURE);
    throw error;
  }
  link.send(WELCOME);
}

async function answerChallenge(link: OpeningLink, options: HandshakeOptions): Promise<void> {
  const frame = await next(link, 'an authkey challenge');
  if (!startsWith(frame, CHALLENGE)) {
    const hint = isPythonChallenge(frame) ? undefined : foreignHint(frame);
    if (hint) throw new ProtocolError(`${link.peer} does not speak the python protocol: ${hint}`);
    throw new AuthenticationError(
      `${link.peer} did not send a #CHALLENGE# (does it use an authkey?)`,
    );
  }
  const message = frame.subarray(CHALLENGE.length);
  link.send(createResponse(options.authkey, message, options.allowMd5 ?? true));
  const verdict = await next(link, 'the verdict on our authkey answer');
  if (!Buffer.from(verdict).equals(WELCOME)) {
    throw new AuthenticationError('the peer rejected our authkey digest (wrong authkey?)');
  }
}

/** `{sha256}` + `random`: the body of a challenge we deliver (after `#CHALLENGE#`). */
export function challengeBody(random: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from('{sha256}'), random]);
}

/**
 * The answer to a challenge body (CPython 3.12's `_create_response`): a raw HMAC-MD5 for a
 * legacy 20-byte body, else `{digest}` + HMAC-digest of the whole body, prefix included.
 * Throws `AuthenticationError` for a body under 20 bytes, an unknown digest, or a legacy body
 * when `allowMd5` is false.
 */
export function createResponse(authkey: Uint8Array, message: Uint8Array, allowMd5 = true): Buffer {
  if (message.length < 20) {
    throw new AuthenticationError(`challenge too short: ${message.length} bytes`);
  }
  const digest = digestOf(message).name;
  if (digest === '') {
    if (!allowMd5) {
      throw new AuthenticationError('the peer offers only HMAC-MD5 (Python <= 3.11); refused');
    }
    return hmac('md5', authkey, message);
  }
  if (digest === 'md5' && !allowMd5) throw new AuthenticationError('HMAC-MD5 refused');
  return Buffer.concat([Buffer.from(`{${digest}}`), hmac(digest, authkey, message)]);
}

/**
 * Checks a peer's answer to our challenge body (CPython 3.12's `_verify_challenge`), in constant
 * time. An answer without a `{digest}` prefix counts as legacy HMAC-MD5. Throws
 * `AuthenticationError` on a wrong digest, a wrong length, an unknown digest name, or an MD5
 * answer when `allowMd5` is false.
 */
export function verifyResponse(
  authkey: Uint8Array,
  message: Uint8Array,
  response: Uint8Array,
  allowMd5 = true,
): void {
  const { name, payload } = digestOf(response);
  const digest = name || 'md5';
  if (digest === 'md5' && !allowMd5) {
    throw new AuthenticationError('the peer answered with HMAC-MD5 (Python <= 3.11); refused');
  }
  const expected = hmac(digest, authkey, message);
  if (expected.length !== payload.length) {
    throw new AuthenticationError(
      `expected a ${digest} digest of ${expected.length} bytes, got ${payload.length}`,
    );
  }
  if (!timingSafeEqual(expected, payload)) {
    throw new AuthenticationError('the digest received was wrong (wrong authkey?)');
  }
}

/**
 * Splits `{digest}payload` (CPython's `_get_digest_name_and_payload`): name '' for a legacy
 * 16- or 20-byte message. Throws `AuthenticationError` when neither form fits.
 */
function digestOf(message: Uint8Array): { name: string; payload: Uint8Array } {
  if (LEGACY_LENGTHS.has(message.length)) return { name: '', payload: message };
  const bytes = Buffer.from(message.buffer, message.byteOffset, message.length);
  // CPython looks for '}' in message[1:_MAX_DIGEST_LEN + 2], i.e. before index 10.
  const curly = bytes.subarray(0, MAX_DIGEST_NAME + 2).indexOf('}', 1);
  if (bytes[0] === 0x7b && curly > 0) {
    const name = bytes.subarray(1, curly).toString('latin1');
    if (DIGESTS.has(name)) return { name, payload: bytes.subarray(curly + 1) };
  }
  throw new AuthenticationError(
    'unsupported message length, missing digest prefix, or unsupported digest',
  );
}

function hmac(digest: string, key: Uint8Array, message: Uint8Array): Buffer {
  return createHmac(DIGESTS.get(digest)!, key).update(message).digest();
}

function startsWith(frame: Uint8Array, prefix: Uint8Array): boolean {
  return (
    frame.length >= prefix.length && Buffer.from(prefix).equals(frame.subarray(0, prefix.length))
  );
}
