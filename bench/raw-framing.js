// Minimal 4-byte big-endian length-prefixed framing for the raw `node:net` baseline: the same
// frame format farcall uses, with none of its features (no limits, no codec, no ids).

/** Returns `payload` with its 4-byte length header in front, as one buffer. */
export function frame(payload) {
  const out = Buffer.allocUnsafe(4 + payload.length);
  out.writeUInt32BE(payload.length, 0);
  payload.copy(out, 4);
  return out;
}

/**
 * Returns a `'data'` handler that calls `onFrame(payload)` for every whole frame and then
 * `onChunkEnd()` once per chunk (where callers flush the answers they collected). A frame
 * split across chunks is kept until it is whole.
 */
export function frameReader(onFrame, onChunkEnd = () => {}) {
  let rest;
  return (chunk) => {
    const buf = rest ? Buffer.concat([rest, chunk]) : chunk;
    rest = undefined;
    let offset = 0;
    while (buf.length - offset >= 4) {
      const length = buf.readUInt32BE(offset);
      if (buf.length - offset - 4 < length) break;
      onFrame(buf.subarray(offset + 4, offset + 4 + length));
      offset += 4 + length;
    }
    if (offset < buf.length) rest = Buffer.from(buf.subarray(offset));
    onChunkEnd();
  };
}
