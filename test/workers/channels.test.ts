/**
 * The channels between threads and processes, on their own: a `PortChannel` over a real
 * `MessageChannel` in this thread, a `StreamChannel` over a pair of real streams. Child processes
 * and worker threads are in `threads.test.ts` and `processes.test.ts`.
 */
import { PassThrough } from 'node:stream';
import { MessageChannel } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { LimitError, ProtocolError } from '../../src/errors.js';
import { frameHeader } from '../../src/transport/framer.js';
import type { PeerWatch } from '../../src/transport/peer-watch.js';
import { PortChannel } from '../../src/transport/port-channel.js';
import { StreamChannel } from '../../src/transport/stream-channel.js';
import type { Channel } from '../../src/transport/transport.js';

/** Attaches a receiver that records frames (as text) and the close. */
function record(channel: Channel) {
  const frames: string[] = [];
  let closed: { error: Error | undefined } | undefined;
  channel.attach({
    frame: (frame) => frames.push(Buffer.from(frame).toString()),
    closed: (error) => {
      closed = { error };
    },
  });
  return {
    frames,
    get closed() {
      return closed;
    },
  };
}

const bytes = (text: string) => new Uint8Array(Buffer.from(text));

function portPair(watch?: PeerWatch) {
  const { port1, port2 } = new MessageChannel();
  const a = new PortChannel(port1, { peer: 'a', maxFrameBytes: 1024 });
  const b = new PortChannel(port2, { peer: 'b', maxFrameBytes: 1024, watch });
  return { a, b, port1, port2 };
}

describe('PortChannel', () => {
  it('carries frames in order both ways, and queues those that come before attach', async () => {
    const { a, b } = portPair();
    for (const text of ['one', 'two', 'three']) a.send(bytes(text));
    b.send(bytes('back'));
    // Nothing is attached on b yet: the frames wait for it.
    await new Promise((resolve) => setTimeout(resolve, 20));
    const atB = record(b);
    const atA = record(a);
    await expect.poll(() => atB.frames).toEqual(['one', 'two', 'three']);
    await expect.poll(() => atA.frames).toEqual(['back']);
    await a.close();
    expect(await b.done).toBeUndefined();
  });

  it('transfers a frame that owns its buffer and copies a view, leaving the view intact', async () => {
    const { a, b } = portPair();
    const atB = record(b);
    const owned = bytes('owned');
    a.send(owned);
    expect(owned.byteLength).toBe(0); // transferred: the sender gave it up
    const pool = Buffer.from('....view....');
    const view = pool.subarray(4, 8);
    a.send(view);
    expect(Buffer.from(view).toString()).toBe('view');
    await expect.poll(() => atB.frames).toEqual(['owned', 'view']);
    await a.close();
  });

  it('closes cleanly after what was sent before the goodbye has arrived', async () => {
    const { a, b } = portPair();
    const atB = record(b);
    record(a);
    for (let i = 0; i < 100; i++) a.send(bytes(`f${i}`));
    await a.close();
    expect(await b.done).toBeUndefined();
    expect(atB.frames).toHaveLength(100);
    expect(atB.frames.at(-1)).toBe('f99');
    expect(atB.closed).toEqual({ error: undefined });
  });

  it('tells a cut from a close: a port closed without a goodbye ends with an error', async () => {
    const { b, port1 } = portPair();
    const atB = record(b);
    port1.close();
    const error = await b.done;
    expect(error?.message).toContain('without a goodbye');
    expect(atB.closed?.error).toBe(error);
  });

  it("says why a cut happened when the peer's watch knows", async () => {
    const gone = Promise.resolve(new Error('the worker exited with code 7'));
    const { b, port1 } = portPair({ gone, stop: () => {} });
    record(b);
    port1.close();
    expect((await b.done)?.message).toBe('the worker exited with code 7');
  });

  it('close(error) is a cut for the peer', async () => {
    const { a, b } = portPair();
    record(a);
    record(b);
    await a.close(new Error('broken'));
    expect((await b.done)?.message).toContain('without a goodbye');
  });

  it('closes with ProtocolError on a message that is not a frame', async () => {
    const { b, port1 } = portPair();
    record(b);
    port1.postMessage({ not: 'a frame' });
    const error = await b.done;
    expect(error).toBeInstanceOf(ProtocolError);
    expect(error?.message).toContain('sent a Object where a frame was expected');
  });

  it('closes with LimitError on a frame over the limit, naming the limit', async () => {
    const { b, port1 } = portPair();
    record(b);
    b.setFrameLimit(8, 'limits.maxHandshakeBytes');
    port1.postMessage(new Uint8Array(9));
    const error = await b.done;
    expect(error).toBeInstanceOf(LimitError);
    expect(error?.message).toContain('9 bytes');
    expect(error?.message).toContain('limits.maxHandshakeBytes');
  });

  it('holds frames while paused and delivers them, in order, on resume', async () => {
    const { a, b } = portPair();
    const atB = record(b);
    b.pause();
    a.send(bytes('x'));
    a.send(bytes('y'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(atB.frames).toEqual([]);
    b.resume();
    await expect.poll(() => atB.frames).toEqual(['x', 'y']);
    await a.close();
  });
});

/** Two stream channels wired to each other through two real streams. */
function streamPair(options: { watch?: PeerWatch } = {}) {
  const toB = new PassThrough();
  const toA = new PassThrough();
  const a = new StreamChannel(toA, toB, { peer: 'a', maxFrameBytes: 1024, endWritable: true });
  const b = new StreamChannel(toB, toA, {
    peer: 'b',
    maxFrameBytes: 1024,
    endWritable: true,
    watch: options.watch,
  });
  return { a, b, toA, toB };
}

describe('StreamChannel', () => {
  it('frames what it sends, and delivers it in order', async () => {
    const { a, b } = streamPair();
    const atB = record(b);
    record(a);
    for (const text of ['one', 'two', 'three']) a.send(bytes(text));
    await expect.poll(() => atB.frames).toEqual(['one', 'two', 'three']);
    await a.close();
    expect(await b.done).toBeUndefined();
  });

  it('a zero-length frame is the goodbye: a clean close, after the frames before it', async () => {
    const { a, b } = streamPair();
    const atB = record(b);
    record(a);
    a.send(bytes('last'));
    await a.close();
    expect(await b.done).toBeUndefined();
    expect(atB.frames).toEqual(['last']);
  });

  it('input that ends without a goodbye is a cut, explained by the watch', async () => {
    const gone = Promise.resolve(new Error('the process was killed by SIGKILL'));
    const { b, toB } = streamPair({ watch: { gone, stop: () => {} } });
    record(b);
    toB.end();
    expect((await b.done)?.message).toBe('the process was killed by SIGKILL');
  });

  it('input that ends in the middle of a frame is a ProtocolError', async () => {
    const { b, toB } = streamPair();
    record(b);
    toB.end(Buffer.concat([frameHeader(10), Buffer.from('abc')]));
    const error = await b.done;
    expect(error).toBeInstanceOf(ProtocolError);
    expect(error?.message).toContain('middle of a frame (3 bytes buffered)');
  });

  it('text on the stream (a child printing to its stdout) fails the frame limit', async () => {
    const { b, toB } = streamPair();
    record(b);
    toB.write('hello from console.log\n');
    expect(await b.done).toBeInstanceOf(LimitError);
  });
});
