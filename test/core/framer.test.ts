import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LimitError, ProtocolError } from '../../src/errors.js';
import { FrameDecoder, frameHeader } from '../../src/transport/framer.js';

function collect(max = 1 << 20) {
  const frames: string[] = [];
  const decoder = new FrameDecoder(max, (frame) => frames.push(Buffer.from(frame).toString('hex')));
  return { frames, decoder };
}

/** The -1 long form, which the decoder accepts for any length. */
function longHeader(length: number): Buffer {
  const header = Buffer.alloc(12);
  header.writeInt32BE(-1, 0);
  header.writeBigUInt64BE(BigInt(length), 4);
  return header;
}

function framed(...bodies: Buffer[]): Buffer {
  return Buffer.concat(bodies.flatMap((b) => [frameHeader(b.length), b]));
}

/** Pushes `bytes` cut at `points` (sorted, distinct), each piece its own buffer. */
function pushCut(decoder: FrameDecoder, bytes: Buffer, points: number[]): void {
  let start = 0;
  for (const point of [...points, bytes.length]) {
    decoder.push(Buffer.from(bytes.subarray(start, point)));
    start = point;
  }
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('FrameDecoder', () => {
  it('writes the multiprocessing.connection header: 4-byte big-endian signed length', () => {
    expect(frameHeader(5).toString('hex')).toBe('00000005');
    expect(frameHeader(0x7fffffff).toString('hex')).toBe('7fffffff');
    expect(frameHeader(0x80000000).toString('hex')).toBe('ffffffff0000000080000000');
  });

  it('cuts frames fed one byte at a time, short and long headers', () => {
    const { frames, decoder } = collect();
    const bytes = Buffer.concat([
      framed(Buffer.from('abc'), Buffer.alloc(0), Buffer.from('de')),
      longHeader(2),
      Buffer.from('fg'),
      longHeader(0),
    ]);
    for (const byte of bytes) decoder.push(Buffer.from([byte]));
    expect(frames).toEqual(['616263', '', '6465', '6667', '']);
    expect(decoder.bufferedBytes).toBe(0);
    // Every byte arrived in a chunk of its own, so each one was copied, once.
    expect(decoder.copiedBytes).toBe(bytes.length);
  });

  it('cuts frames from any split of the stream, copying each byte at most once', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ body: fc.uint8Array({ maxLength: 300 }), long: fc.boolean() }), {
          maxLength: 8,
        }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (specs, cuts) => {
          const spans: { start: number; headerEnd: number; end: number }[] = [];
          const pieces: Buffer[] = [];
          let at = 0;
          for (const { body, long } of specs) {
            const header = long ? longHeader(body.length) : frameHeader(body.length);
            spans.push({
              start: at,
              headerEnd: at + header.length,
              end: at + header.length + body.length,
            });
            pieces.push(header, Buffer.from(body));
            at += header.length + body.length;
          }
          const bytes = Buffer.concat(pieces);
          const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort(
            (a, b) => a - b,
          );
          const { frames, decoder } = collect();
          pushCut(decoder, bytes, points);
          expect(frames).toEqual(specs.map((s) => Buffer.from(s.body).toString('hex')));
          expect(decoder.bufferedBytes).toBe(0);
          // A header or a body that a cut falls strictly inside is copied once; anything that
          // lies wholly inside one chunk is a view, not copied.
          const cutInside = (from: number, to: number) => points.some((p) => p > from && p < to);
          let expected = 0;
          for (const { start, headerEnd, end } of spans) {
            if (cutInside(start, headerEnd)) expected += headerEnd - start;
            if (cutInside(headerEnd, end)) expected += end - headerEnd;
          }
          expect(decoder.copiedBytes).toBe(expected);
          expect(decoder.copiedBytes).toBeLessThanOrEqual(bytes.length);
        },
      ),
    );
  });

  it('delivers a frame that lies inside one chunk as a plain Uint8Array view of that chunk', () => {
    const views: Uint8Array[] = [];
    const decoder = new FrameDecoder(1024, (frame) => views.push(frame));
    const chunk = framed(Buffer.from('one'), Buffer.from('two'));
    decoder.push(chunk);
    expect(views.map((v) => Buffer.from(v).toString())).toEqual(['one', 'two']);
    for (const view of views) {
      expect(view.buffer).toBe(chunk.buffer);
      expect(view.constructor).toBe(Uint8Array);
    }
    expect(decoder.copiedBytes).toBe(0);
  });

  it('keeps a large split frame as views until it is whole, then joins it once', () => {
    const size = 200 * 1024;
    const body = Buffer.alloc(size);
    for (let i = 0; i < size; i++) body[i] = i % 251;
    const { frames, decoder } = collect(16 * 1024 * 1024);
    const bytes = framed(body);
    decoder.push(Buffer.from(bytes.subarray(0, 1000)));
    decoder.push(Buffer.from(bytes.subarray(1000, 150_000)));
    // Nothing is copied (nor a buffer of the announced size needed) before the frame is whole.
    expect(decoder.copiedBytes).toBe(0);
    expect(decoder.bufferedBytes).toBe(150_000 - 4);
    decoder.push(Buffer.from(bytes.subarray(150_000)));
    expect(frames).toEqual([body.toString('hex')]);
    expect(decoder.copiedBytes).toBe(size);
  });

  it('reads the -1 long form', () => {
    const { frames, decoder } = collect();
    const header = Buffer.from('ffffffff0000000000000002', 'hex');
    decoder.push(Buffer.concat([header, Buffer.from('hi')]));
    expect(frames).toEqual(['6869']);
  });

  it('refuses a length over the limit from the header alone, before any body arrives', () => {
    const { decoder } = collect(1024);
    expect(() => decoder.push(Buffer.from('7fffffff', 'hex'))).toThrow(LimitError);
    const long = collect(1024);
    expect(() => long.decoder.push(Buffer.from('ffffffff0000000100000000', 'hex'))).toThrow(
      /over the limit of 1024 bytes/,
    );
    // The same when the header itself is split over chunks.
    const split = collect(1024);
    split.decoder.push(Buffer.from('ffffffff00', 'hex'));
    expect(() => split.decoder.push(Buffer.from('00000100000000', 'hex'))).toThrow(LimitError);
    const short = collect(1024);
    short.decoder.push(Buffer.from('00', 'hex'));
    expect(() => short.decoder.push(Buffer.from('000401', 'hex'))).toThrow(/1025 bytes/);
  });

  it('refuses negative lengths other than -1, whole or split', () => {
    const { decoder } = collect();
    expect(() => decoder.push(Buffer.from('fffffffe', 'hex'))).toThrow(ProtocolError);
    const split = collect();
    split.decoder.push(Buffer.from('ff', 'hex'));
    expect(() => split.decoder.push(Buffer.from('fffffe', 'hex'))).toThrow(ProtocolError);
  });

  it('applies a new maxFrameBytes from the next header', () => {
    const { frames, decoder } = collect(8);
    expect(decoder.maxFrameBytes).toBe(8);
    decoder.push(framed(Buffer.from('12345678')));
    // A frame whose header was read under the old limit finishes under it.
    decoder.push(framed(Buffer.from('abcdefgh')).subarray(0, 6));
    decoder.maxFrameBytes = 4;
    decoder.push(Buffer.from('cdefgh'));
    expect(frames).toEqual([
      Buffer.from('12345678').toString('hex'),
      Buffer.from('abcdefgh').toString('hex'),
    ]);
    expect(() => decoder.push(framed(Buffer.from('12345')))).toThrow(/over the limit of 4 bytes/);
    const raised = collect(4);
    raised.decoder.maxFrameBytes = 1 << 20;
    raised.decoder.push(framed(Buffer.alloc(1000)));
    expect(raised.frames).toHaveLength(1);
    expect(() => {
      raised.decoder.maxFrameBytes = -1;
    }).toThrow(RangeError);
  });

  it('pause stops delivery mid-chunk; resume delivers the rest on a later turn', async () => {
    const seen: string[] = [];
    let decoder: FrameDecoder;
    decoder = new FrameDecoder(1024, (frame) => {
      seen.push(Buffer.from(frame).toString());
      if (Buffer.from(frame).toString() === 'a') decoder.pause();
    });
    decoder.push(framed(Buffer.from('a'), Buffer.from('b'), Buffer.from('c')));
    expect(seen).toEqual(['a']);
    // Bytes pushed while paused wait behind the rest, in order.
    decoder.push(framed(Buffer.from('d')).subarray(0, 3));
    decoder.push(framed(Buffer.from('d')).subarray(3));
    expect(decoder.bufferedBytes).toBe(2 * 5 + 5);
    decoder.resume();
    expect(seen).toEqual(['a']);
    await nextTurn();
    expect(seen).toEqual(['a', 'b', 'c', 'd']);
    expect(decoder.bufferedBytes).toBe(0);
    // The paused rest was kept as views: only the header of 'd', split over two chunks, was
    // copied; its body lay inside one chunk.
    expect(decoder.copiedBytes).toBe(4);
  });

  it('an onFrame that resumes is not re-entered, and pausing again holds the rest', async () => {
    const seen: string[] = [];
    let depth = 0;
    let maxDepth = 0;
    let decoder: FrameDecoder;
    decoder = new FrameDecoder(1024, (frame) => {
      depth++;
      maxDepth = Math.max(maxDepth, depth);
      seen.push(Buffer.from(frame).toString());
      decoder.pause();
      decoder.resume();
      decoder.pause();
      depth--;
    });
    decoder.push(framed(Buffer.from('x'), Buffer.from('y'), Buffer.from('z')));
    expect(seen).toEqual(['x']);
    for (let turn = 0; turn < 5 && seen.length < 3; turn++) {
      decoder.resume();
      await nextTurn();
    }
    expect(seen).toEqual(['x', 'y', 'z']);
    expect(maxDepth).toBe(1);
  });

  it('an error found after resume goes to onError', async () => {
    const errors: Error[] = [];
    const decoder = new FrameDecoder(
      16,
      () => {},
      (error) => errors.push(error),
    );
    decoder.pause();
    decoder.push(frameHeader(17));
    decoder.resume();
    expect(errors).toEqual([]);
    await nextTurn();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(LimitError);
  });
});
