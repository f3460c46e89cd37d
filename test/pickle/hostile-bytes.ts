/** Building hostile pickles by hand, and asserting that they are refused. */
import { expect } from 'vitest';
import { type DecodeOptions, decodePickle } from '../../src/codec/pickle/index.js';
import { CodecError } from '../../src/errors.js';

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

/** Asserts that decoding throws a `CodecError` whose message holds `fragment`. */
export function refused(bytes: Uint8Array, fragment: string, options?: DecodeOptions): CodecError {
  let error: unknown;
  try {
    decodePickle(bytes, options);
  } catch (caught) {
    error = caught;
  }
  expect(error, `expected a refusal containing "${fragment}"`).toBeInstanceOf(CodecError);
  expect((error as CodecError).message).toContain(fragment);
  expect((error as CodecError).message.startsWith('farcall: ')).toBe(true);
  return error as CodecError;
}
