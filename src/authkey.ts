import { UsageError } from './errors.js';

/** Turns a string or byte key into bytes; an empty key is a usage error, not "no key". */
export function keyBytes(authkey: string | Uint8Array | undefined): Uint8Array | undefined {
  if (authkey === undefined) return undefined;
  const key = typeof authkey === 'string' ? new TextEncoder().encode(authkey) : authkey;
  if (key.length === 0) throw new UsageError('authkey is empty');
  return key;
}
