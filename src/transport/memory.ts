import type { Transport } from './transport.js';

/**
 * Two in-memory transports wired to each other, for tests. Frames are copied and delivered
 * asynchronously, in order, like a socket would; `pause` holds frames back until `resume`.
 */
export function memoryPair(): [MemoryTransport, MemoryTransport] {
  const a = new MemoryTransport('memory:a');
  const b = new MemoryTransport('memory:b');
  a.other = b;
  b.other = a;
  return [a, b];
}

export class MemoryTransport implements Transport {
  onFrame: (frame: Uint8Array) => void = () => {};
  onClose: (error?: Error) => void = () => {};
  other: MemoryTransport | undefined;
  private queue: Uint8Array[] = [];
  private pauses = 0;
  private closedFlag = false;

  constructor(readonly peer: string) {}

  get closed(): boolean {
    return this.closedFlag;
  }

  send(frame: Uint8Array): void {
    if (this.closedFlag) return;
    const copy = frame.slice();
    const other = this.other;
    queueMicrotask(() => other?.deliver(copy));
  }

  private deliver(frame: Uint8Array): void {
    if (this.closedFlag) return;
    this.queue.push(frame);
    this.drain();
  }

  private drain(): void {
    while (this.pauses === 0 && this.queue.length > 0 && !this.closedFlag) {
      this.onFrame(this.queue.shift()!);
    }
  }

  pause(): void {
    this.pauses++;
  }

  resume(): void {
    if (this.pauses > 0 && --this.pauses === 0) queueMicrotask(() => this.drain());
  }

  close(error?: Error): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    this.onClose(error);
    const other = this.other;
    queueMicrotask(() => other?.close());
  }
}
