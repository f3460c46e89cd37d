/**
 * The native codec: MessagePack, written for farcall, carrying what structured clone carries
 * and JSON does not: `undefined`, `NaN`, `±Infinity`, `-0`, `BigInt` of any size, `Date`,
 * `Map`, `Set`, `RegExp`, errors (with their own fields), bytes and typed arrays, and, when the
 * protocol turns them on, shared references and cycles. The wire format is docs/protocol.md,
 * "Values (MessagePack)", and stays byte-compatible with what msgpackr wrote for farcall.
 *
 * Why our own and not msgpackr: every byte here comes from a peer that may be hostile, and
 * msgpackr decodes in ways that cannot be bounded or turned off from outside. It accepts record
 * definitions (ext 0x72) from the wire whatever `useRecords` says, compiles a reader for each
 * with `new Function` and keeps it on an instance shared by every connection; it reads string
 * bundles (ext 0x62) with positions from the wire; it resolves error names on a plain object
 * (`constructor`, `__proto__`, … reachable); it follows shared references with no budget (780
 * bytes describe 2^60 values) and builds error messages with `JSON.stringify` of what it
 * decoded; and it has no per-instance extension registry, so registering farcall's extensions
 * changed msgpackr for everyone else in the process. This codec has no process-wide state that
 * a caller can change, builds nothing from a name on the wire, and counts every value against
 * a budget, so decoding is linear in the bytes and bounded by the limits.
 *
 * Errors: `encodeMsgpack` throws `CodecError` (a value it cannot carry; a cycle with references
 * off) or `LimitError` (deeper than `maxDepth`, more than `maxItems`). `decodeMsgpack` and
 * `MsgpackReader` throw `CodecError` (not valid MessagePack, an extension farcall does not
 * accept, a truncated value, bytes after the value) or `LimitError` (depth, items). Nothing else
 * escapes: an exception from user code (a getter, a `toJSON`, a hook) arrives as the `cause` of
 * a CodecError. Messages name a type, an offset or a count, never decoded content.
 *
 * Choices a user may notice: a class instance arrives as a plain object of its own enumerable
 * properties (or as what its `toJSON` returns); symbol-keyed properties are not carried; an
 * error whose `cause` is undefined arrives without one; a decoded error has the remote name,
 * message, cause and fields but no stack frames (they would be the decoder's); an invalid Date
 * arrives as an invalid Date; a lone surrogate in a string arrives as U+FFFD, as UTF-8 forces.
 *
 * Concurrency: both functions are synchronous and reentrant (a hook may encode or decode).
 * `encodeMsgpack` reuses one output buffer between calls and returns a copy, never a view of it.
 */
import type { CodecOptions } from './codec.js';
import { Decoder } from './msgpack-decode.js';
import { Encoder } from './msgpack-encode.js';
import { decodingFailure } from './msgpack-reader.js';

export type { CodecOptions, ValueHooks } from './codec.js';
export { MsgpackReader } from './msgpack-reader.js';

/** The encoder whose buffer is reused; a nested call (from a hook) gets one of its own. */
const shared = new Encoder();

/**
 * Encodes one value. Values are written as docs/protocol.md describes; class instances as maps
 * of their own enumerable properties (or what their `toJSON` returns); functions, streams,
 * async iterables and promises through `options.hooks.replace`, else CodecError naming them.
 * With `references` off, an object met twice is written twice (the copies count against
 * `maxItems`) and a cycle is a CodecError.
 */
export function encodeMsgpack(value: unknown, options: CodecOptions): Uint8Array {
  const encoder = shared.busy ? new Encoder() : shared;
  return encoder.encode(value, options);
}

/**
 * Decodes exactly one value: bytes after it are a CodecError. Maps decode to plain objects
 * (keys that are numbers become strings), `bin` to a Uint8Array of its own, int64/uint64 to
 * BigInt, the reference tag through `options.hooks.revive` (else CodecError).
 */
export function decodeMsgpack(bytes: Uint8Array, options: CodecOptions): unknown {
  const decoder = new Decoder(bytes, options);
  let value: unknown;
  try {
    value = decoder.value(1);
  } catch (error) {
    throw decodingFailure(error);
  }
  if (decoder.pos !== decoder.end) {
    throw decoder.invalid(`${decoder.end - decoder.pos} bytes after the value`);
  }
  return value;
}
