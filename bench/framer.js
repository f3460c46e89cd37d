// Micro-benchmark of `FrameDecoder`: `node bench/framer.js [MODULE]` (after `npm run build`).
//
// A stream of frames of one size is cut into 64 KiB chunks, as a socket delivers it, and pushed
// through the decoder; the figure is MB/s of stream bytes per second of CPU time (so that other
// work on a loaded machine counts less), best of seven runs, and the bytes the decoder copied per
// byte received. MODULE is the framer to measure (default: the built one),
// so an older framer built elsewhere can be measured beside it. When the module has no
// `copiedBytes` counter, copies are counted by wrapping `Buffer.concat` and `Buffer.from`.
import { pathToFileURL } from 'node:url';

const modulePath = process.argv[2];
const url = modulePath
  ? pathToFileURL(modulePath).href
  : new URL('../dist/transport/framer.js', import.meta.url).href;
const { FrameDecoder, frameHeader } = await import(url);

const CHUNK = 64 * 1024;
const STREAM_BYTES = 64 * 1024 * 1024;
const RUNS = 7;

/** The stream of frames of `size` bytes, cut into CHUNK-byte chunks (each its own buffer). */
function chunks(size) {
  const frame = Buffer.concat([frameHeader(size), Buffer.alloc(size, 7)]);
  const count = Math.max(1, Math.floor(STREAM_BYTES / frame.length));
  const stream = Buffer.alloc(count * frame.length);
  for (let i = 0; i < count; i++) frame.copy(stream, i * frame.length);
  const out = [];
  for (let at = 0; at < stream.length; at += CHUNK) {
    out.push(Buffer.from(stream.subarray(at, Math.min(at + CHUNK, stream.length))));
  }
  return { out, bytes: stream.length, frames: count };
}

let counted = 0;
function countCopies() {
  const { concat, from } = Buffer;
  Buffer.concat = (list, length) => {
    const result = concat.call(Buffer, list, length);
    counted += result.length;
    return result;
  };
  Buffer.from = (value, ...rest) => {
    const result = from.call(Buffer, value, ...rest);
    if (value instanceof Uint8Array) counted += result.length;
    return result;
  };
  return () => {
    Buffer.concat = concat;
    Buffer.from = from;
  };
}

function run(size) {
  const { out, bytes, frames } = chunks(size);
  let best = 0;
  let copied = 0;
  for (let run = 0; run < RUNS; run++) {
    let seen = 0;
    const decoder = new FrameDecoder(1 << 30, () => {
      seen++;
    });
    const restore = 'copiedBytes' in decoder ? () => {} : countCopies();
    counted = 0;
    const start = process.cpuUsage();
    for (const chunk of out) decoder.push(chunk);
    const used = process.cpuUsage(start);
    const ns = (used.user + used.system) * 1000;
    restore();
    if (seen !== frames) throw new Error(`decoded ${seen} frames of ${frames}`);
    best = Math.max(best, bytes / 1e6 / (ns / 1e9));
    copied = 'copiedBytes' in decoder ? decoder.copiedBytes : counted;
  }
  return { size, mbPerS: Math.round(best), copiesPerByte: (copied / bytes).toFixed(2) };
}

console.log(`FrameDecoder from ${modulePath ?? 'dist/transport/framer.js'}`);
for (const size of [12, 1024, 100 * 1024]) {
  const { mbPerS, copiesPerByte } = run(size);
  console.log(
    `frames of ${String(size).padStart(6)} B, 64 KiB chunks: ${String(mbPerS).padStart(6)} MB/s, ${copiesPerByte} bytes copied per byte`,
  );
}
