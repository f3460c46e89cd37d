import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LimitError, ProtocolError } from '../../src/errors.js';
import { FrameDecoder, frameHeader } from '../../src/transport/framer.js';

function collect(max = 1 << 20) {
  const frames: string[] = [];
  const decoder = new FrameDecoder(max, (frame) => frames.push(Buffer.from(frame).toString('hex')));
  return { frames, decoder };
}

function framed(...bodies: Buffer[]): Buffer {
  return Buffer.concat(bodies.flatMap((b) => [frameHeader(b.length), b]));
}

describe('FrameDecoder', () => {
  it('writes the multiprocessing.connection header: 4-byte big-endian signed length', () => {
    expect(frameHeader(5).toString('hex')).toBe('00000005');
    expect(frameHeader(0x7fffffff).toString('hex')).toBe('7fffffff');
    expect(frameHeader(0x80000000).toString('hex')).toBe('ffffffff0000000080000000');
  });

  it('cuts frames fed one byte at a time', () => {
    const { frames, decoder } = collect();
    const bytes = framed(Buffer.from('abc'), Buffer.alloc(0), Buffer.from('de'));
    for (const byte of bytes) decoder.push(Buffer.from([byte]));
    expect(frames).toEqual(['616263', '', '6465']);
    expect(decoder.bufferedBytes).toBe(0);
  });

  it('cuts frames from any split of the stream', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (bodies, cuts) => {
          const bytes = framed(...bodies.map((b) => Buffer.from(b)));
          const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort(
            (a, b) => a - b,
          );
          const { frames, decoder } = collect();
          let start = 0;
          for (const point of [...points, bytes.length]) {
            decoder.push(bytes.subarray(start, point));
            start = point;
          }
          expect(frames).toEqual(bodies.map((b) => Buffer.from(b).toString('hex')));
        },
      ),
    );
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
  });

  it('refuses negative lengths other than -1', () => {
    const { decoder } = collect();
    expect(() => decoder.push(Buffer.from('fffffffe', 'hex'))).toThrow(ProtocolError);
  });
});
