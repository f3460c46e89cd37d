/**
 * The authkey over HTTP, where there is no connection to run a challenge–response on: every
 * request carries a proof of the key bound to that request, and every response a proof bound to
 * the request it answers. On WebCrypto, so browsers can sign too.
 *
 * Request header `farcall-auth: v1 TIME NONCE MAC`, where TIME is the client's clock in ms,
 * NONCE 16 random bytes (base64url) and MAC the HMAC-SHA256 under the key of
 * `"farcall-http-v1 request\n" TIME "\n" NONCE "\n" PATH "\n"` followed by the SHA-256 of the
 * body. The server accepts a request only when its TIME is within `WINDOW_MS` of its own clock,
 * its NONCE was not seen in that window (a replayed request is refused), and its MAC is right
 * (compared in constant time by `crypto.subtle.verify`). The key itself never crosses the wire,
 * and a proof cannot be reused for another body, path or moment.
 *
 * Response header `farcall-auth: v1 MAC` over `"farcall-http-v1 response\n" NONCE "\n"` and the
 * SHA-256 of the response body: the client learns that the server knows the key and that this
 * body answers this request. The clocks of client and server must agree within `WINDOW_MS`.
 * Like the socket authkey, it authenticates and does not encrypt: use `https://` across machines.
 */

import { type HmacKey, hmac, hmacKey, hmacVerify, randomBytes, sha256 } from './webcrypto.js';

/** How far the client's clock may be from the server's, and how long a nonce is remembered. */
export const WINDOW_MS = 120_000;
/** Nonces remembered at most; past it, requests are refused until old ones expire. */
const MAX_NONCES = 200_000;
export const AUTH_HEADER = 'farcall-auth';
/** Header naming the calling client, so a cancel sent in another request finds its call. */
export const CLIENT_HEADER = 'farcall-client';

const encoder = new TextEncoder();

const key = hmacKey;
const digest = sha256;

function concat(head: string, tail: Uint8Array): Uint8Array {
  const prefix = encoder.encode(head);
  const out = new Uint8Array(prefix.length + tail.length);
  out.set(prefix);
  out.set(tail, prefix.length);
  return out;
}

function base64url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64url(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9_-]{1,100}$/.test(text)) return undefined;
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

async function requestMessage(
  time: string,
  nonce: string,
  path: string,
  body: Uint8Array,
): Promise<Uint8Array> {
  return concat(`farcall-http-v1 request\n${time}\n${nonce}\n${path}\n`, await digest(body));
}

async function responseMessage(nonce: string, body: Uint8Array): Promise<Uint8Array> {
  return concat(`farcall-http-v1 response\n${nonce}\n`, await digest(body));
}

/** The client's header for one request, and the nonce to check the response against. */
export async function signRequest(
  secret: Uint8Array,
  path: string,
  body: Uint8Array,
): Promise<{ header: string; nonce: string }> {
  const time = String(Date.now());
  const nonce = base64url(randomBytes(16));
  const mac = await hmac(await key(secret), await requestMessage(time, nonce, path, body));
  return { header: `v1 ${time} ${nonce} ${base64url(mac)}`, nonce };
}

/** Whether a response's header proves the server knows the key and answers `nonce`. */
export async function verifyResponse(
  secret: Uint8Array,
  nonce: string,
  header: string | undefined,
  body: Uint8Array,
): Promise<boolean> {
  const match = /^v1 (\S+)$/.exec(header ?? '');
  const mac = match ? fromBase64url(match[1]!) : undefined;
  if (!mac) return false;
  return hmacVerify(await key(secret), mac, await responseMessage(nonce, body));
}

/** The server's header for a response to the request that carried `nonce`. */
export async function signResponse(
  secret: Uint8Array,
  nonce: string,
  body: Uint8Array,
): Promise<string> {
  return `v1 ${base64url(await hmac(await key(secret), await responseMessage(nonce, body)))}`;
}

/** Checks requests for one server: their proofs, their clocks, and replays within the window. */
export class RequestVerifier {
  private readonly seen = new Map<string, number>();
  private readonly key: Promise<HmacKey>;

  constructor(secret: Uint8Array) {
    this.key = key(secret);
  }

  /**
   * The request's nonce when it is authentic, else why not (for the 401 and the log). A request
   * that fails is not remembered, so a forger cannot fill the nonce table.
   */
  async verify(
    header: string | undefined,
    path: string,
    body: Uint8Array,
  ): Promise<{ nonce: string } | { refused: string }> {
    const match = /^v1 (\d{1,16}) ([A-Za-z0-9_-]{16,64}) ([A-Za-z0-9_-]{16,100})$/.exec(
      header ?? '',
    );
    if (!match)
      return { refused: `no valid ${AUTH_HEADER} header (the server requires an authkey)` };
    const [, time, nonce, macText] = match as unknown as [string, string, string, string];
    const now = Date.now();
    if (Math.abs(now - Number(time)) > WINDOW_MS) {
      return {
        refused: `the request's time is more than ${WINDOW_MS / 1000} s from the server's clock`,
      };
    }
    const mac = fromBase64url(macText);
    const message = await requestMessage(time, nonce, path, body);
    if (!mac || !(await hmacVerify(await this.key, mac, message))) {
      return { refused: 'wrong authkey proof' };
    }
    this.expire(now);
    if (this.seen.has(nonce)) return { refused: 'a replayed request (its nonce was already used)' };
    if (this.seen.size >= MAX_NONCES)
      return { refused: 'too many requests in the replay window; try again' };
    this.seen.set(nonce, now + 2 * WINDOW_MS);
    return { nonce };
  }

  /** Forgets nonces old enough that their time is outside the window anyway. */
  private expire(now: number): void {
    for (const [nonce, until] of this.seen) {
      if (until > now) break; // inserted in time order
      this.seen.delete(nonce);
    }
  }
}
