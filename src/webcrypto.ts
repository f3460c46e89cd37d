/**
 * The few WebCrypto operations farcall needs, on the platform's `crypto` (Node 20 and browsers
 * alike), so the handshake and the HTTP proofs run in a browser bundle too. HMAC checks use
 * `crypto.subtle.verify`, which compares in constant time.
 */

/** WebCrypto takes views of plain ArrayBuffers: copy a view of anything else. */
function plain(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer
    ? (bytes as Uint8Array<ArrayBuffer>)
    : new Uint8Array(bytes);
}

/** An HMAC-SHA256 key, for `hmac` and `hmacVerify`. */
export function hmacKey(secret: Uint8Array) {
  return crypto.subtle.importKey('raw', plain(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
    'verify',
  ]);
}

export type HmacKey = Awaited<ReturnType<typeof hmacKey>>;

export async function hmac(key: HmacKey, data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.sign('HMAC', key, plain(data)));
}

/** Whether `mac` is the HMAC of `data` under `key`, compared in constant time. */
export function hmacVerify(key: HmacKey, mac: Uint8Array, data: Uint8Array): Promise<boolean> {
  return crypto.subtle.verify('HMAC', key, plain(mac), plain(data));
}

export async function sha256(data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', plain(data)));
}

export function randomBytes(length: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(length));
}
