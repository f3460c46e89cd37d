/** Largest scratch buffer kept between encodes; a bigger one is dropped after its use. */
const MAX_SCRATCH = 1024 * 1024;
/**
 * One scratch buffer shared by the writers, reused from one encode to the next: allocating a
 * fresh ArrayBuffer and DataView per pickle cost about 2 µs, more than encoding a small call.
 * A writer created while another is in use (an encode inside an encode) gets its own.
 */
let scratch: { buffer: Uint8Array; view: DataView } | undefined = fresh(4096);

function fresh(size: number): { buffer: Uint8Array; view: DataView } {
  const buffer = new Uint8Array(size);
  return { buffer, view: new DataView(buffer.buffer) };
}

/** A growable byte buffer for the encoder. */
export class Writer {
  private buffer: Uint8Array;
  private view: DataView;
  private length = 0;

  constructor() {
    const reused = scratch ?? fresh(256);
    scratch = undefined;
    this.buffer = reused.buffer;
    this.view = reused.view;
  }

  private reserve(count: number): void {
    const needed = this.length + count;
    if (needed <= this.buffer.length) {
      return;
    }
    let size = this.buffer.length * 2;
    while (size < needed) {
      size *= 2;
    }
    const next = new Uint8Array(size);
    next.set(this.buffer.subarray(0, this.length));
    this.buffer = next;
    this.view = new DataView(next.buffer);
  }

  u8(value: number): void {
    this.reserve(1);
    this.buffer[this.length++] = value;
  }

  u16(value: number): void {
    this.reserve(2);
    this.view.setUint16(this.length, value, true);
    this.length += 2;
  }

  u32(value: number): void {
    this.reserve(4);
    this.view.setUint32(this.length, value, true);
    this.length += 4;
  }

  i32(value: number): void {
    this.reserve(4);
    this.view.setInt32(this.length, value, true);
    this.length += 4;
  }

  u64(value: number): void {
    this.reserve(8);
    this.view.setBigUint64(this.length, BigInt(value), true);
    this.length += 8;
  }

  f64be(value: number): void {
    this.reserve(8);
    this.view.setFloat64(this.length, value, false);
    this.length += 8;
  }

  bytes(data: Uint8Array): void {
    this.reserve(data.length);
    this.buffer.set(data, this.length);
    this.length += data.length;
  }

  /** ASCII text, for GLOBAL's module and name lines. */
  ascii(text: string): void {
    this.reserve(text.length);
    for (let i = 0; i < text.length; i++) {
      this.buffer[this.length++] = text.charCodeAt(i);
    }
  }

  /**
   * A copy of what was written (a `Buffer`, from Node's pool when small); the writer gives its
   * buffer back for the next encode and must not be used after.
   */
  finish(): Uint8Array {
    const out = Buffer.allocUnsafe(this.length);
    out.set(this.buffer.subarray(0, this.length));
    if (this.buffer.length <= MAX_SCRATCH) scratch = { buffer: this.buffer, view: this.view };
    return out;
  }
}
