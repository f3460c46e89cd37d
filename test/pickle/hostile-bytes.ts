/** Building hostile pickles by hand, and asserting that they are refused. */
import { expect } from 'vitest';
import { type DecodeOptions, decodePickle } from '../../src/codec/pickle/index.js';
import { CodecError, LimitError } from '../../src/errors.js';

export type Part = string | number | Uint8Array;

/** Bytes from parts: a string is Latin-1 text (opcodes and payloads), a number one byte. */
export function p(...parts: Part[]): Uint8Array {
  const chunks = parts.map((part) =>
    typeof part === 'string'
      ? Buffer.from(part, 'latin1')
      : typeof part === 'number'
        ? Uint8Array.of(part)
        : part,
  );
  return new Uint8Array(Buffer.concat(chunks));
}

export function u32(value: number): Uint8Array {
  const out = Buffer.alloc(4);
  out.writeUInt32LE(value);
  return out;
}

export function u64(value: bigint): Uint8Array {
  const out = Buffer.alloc(8);
  out.writeBigUInt64LE(value);
  return out;
}

/** SHORT_BINUNICODE of an ASCII string. */
export function sbu(text: string): Uint8Array {
  return p(0x8c, text.length, text);
}

function refusal<E extends Error>(
  kind: new (...args: never[]) => E,
  bytes: Uint8Array,
  fragment: string,
  options?: DecodeOptions,
): E {
  let error: unknown;
  try {
    decodePickle(bytes, options);
  } catch (caught) {
    error = caught;
  }
  expect(error, `expected a refusal containing "${fragment}"`).toBeInstanceOf(kind);
  expect((error as E).message).toContain(fragment);
  expect((error as E).message.startsWith('farcall: ')).toBe(true);
  return error as E;
}

/** Asserts that decoding throws a `CodecError` (malformed input) whose message holds `fragment`. */
export function refused(bytes: Uint8Array, fragment: string, options?: DecodeOptions): CodecError {
  return refusal(CodecError, bytes, fragment, options);
}

/** Asserts that decoding throws a `LimitError` (a limit passed) whose message holds `fragment`. */
export function limited(bytes: Uint8Array, fragment: string, options?: DecodeOptions): LimitError {
  return refusal(LimitError, bytes, fragment, options);
}
