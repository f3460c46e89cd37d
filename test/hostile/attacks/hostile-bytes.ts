/**
 * The attacker's payloads, written byte by byte (MessagePack as docs/protocol.md describes it),
 * never with farcall's encoder: the encoder is part of what is under attack. The fuzzers reuse
 * them (test/fuzz/), so the generators know the shapes that froze or killed servers before.
 */
import { arrayHeader, pack } from '../../helpers/msgpack-bytes.js';

/** The byte MessagePack never uses; the old depth pre-check stopped at it, the decoder did not. */
export const NEVER_USED = 0xc1;

/** `d6 69 <id>`: the shared-reference tag written in front of an object's first occurrence. */
function idTag(id: number): Buffer {
  const out = Buffer.from([0xd6, 0x69, 0, 0, 0, 0]);
  out.writeUInt32BE(id, 2);
  return out;
}

/** `d6 70 <id>`: a pointer to the object tagged `id`. */
function pointer(id: number): Buffer {
  const out = Buffer.from([0xd6, 0x70, 0, 0, 0, 0]);
  out.writeUInt32BE(id, 2);
  return out;
}

/**
 * A DAG of `levels` arrays, each holding the level below twice: the first time in full behind an
 * id tag, the second time as a pointer. 13 bytes a level, 2^levels leaves: 60 levels are 776
 * bytes that describe 2^60 zeros, for anything that walks the value as a tree.
 */
export function dagBomb(levels: number): Buffer {
  let bytes = Buffer.concat([idTag(1), Buffer.from([0x92, 0x00, 0x00])]);
  for (let level = 2; level <= levels; level++) {
    bytes = Buffer.concat([idTag(level), Buffer.from([0x92]), bytes, pointer(level - 1)]);
  }
  return bytes;
}

/**
 * The 794-byte HELLO of issue 6, item 1: `[0, "farcall", 1, {c: 0xc1, x: dagBomb(60)}]` and one
 * trailing byte. The 0xc1 sits where the old depth pre-check stopped looking; the trailing byte
 * made msgpackr build its error message with JSON.stringify of the whole decoded value.
 */
export function helloBomb(): Buffer {
  return Buffer.concat([
    Buffer.from([0x94, 0x00]),
    pack('farcall'),
    Buffer.from([0x01, 0x82]),
    pack('c'),
    Buffer.from([NEVER_USED]),
    pack('x'),
    dagBomb(60),
    Buffer.from([0x00]),
  ]);
}

/**
 * A CALL body `[1, id, method, args]`, or `[1, id, method, args, options]` with an encoded
 * options map, from arguments already encoded.
 */
export function callBody(
  id: number,
  method: string,
  args: Uint8Array[],
  options?: Uint8Array,
): Buffer {
  return Buffer.concat([
    Buffer.from([options ? 0x95 : 0x94, 0x01]),
    pack(id),
    pack(method),
    arrayHeader(args.length),
    ...args,
    ...(options ? [options] : []),
  ]);
}

/** A NOTIFY body `[2, method, args]` with encoded args. */
export function notifyBody(method: string, args: Uint8Array[]): Buffer {
  return Buffer.concat([
    Buffer.from([0x93, 0x02]),
    pack(method),
    arrayHeader(args.length),
    ...args,
  ]);
}

/** `unit` repeated `count` times, then `leaf`: a chain of nested values, as bytes. */
export function chain(unit: number[], count: number, leaf: number[] = [0x00]): Buffer {
  const out = Buffer.alloc(unit.length * count + leaf.length);
  for (let i = 0; i < count; i++) out.set(unit, i * unit.length);
  out.set(leaf, unit.length * count);
  return out;
}

/** An array32 of `count` empty maps: one byte each on the wire, an object each once decoded. */
export function emptyMaps(count: number): Buffer {
  const out = Buffer.alloc(5 + count, 0x80);
  out[0] = 0xdd;
  out.writeUInt32BE(count, 1);
  return out;
}
