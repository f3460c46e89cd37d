// The measuring clients, run inside the bench/run.js process. Each `sequential` / `pipelined`
// function makes calls until `maxCalls` are done or `maxMs` have passed, whichever comes first,
// and resolves `{ calls, ms }`. Raw and farcall clients send the same small payload size.
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { frame, frameReader } from './raw-framing.js';

const now = () => performance.now();
/** The clock is read every this many calls, not on every one. */
const CLOCK_EVERY = 64;

/** The raw payload: 12 bytes, the size of farcall's encoded `[1, id, 'echo', [42]]` call. */
export const RAW_PAYLOAD = Buffer.from('echo:42:....');

/** A raw `node:net` client for bench/raw-server.js. */
export class RawClient {
  static connect(port) {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port }, () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  constructor(socket) {
    this.socket = socket;
    socket.setNoDelay(true);
    this.onAnswer = () => {};
    this.onChunkEnd = () => {};
    socket.on(
      'data',
      frameReader(
        () => this.onAnswer(),
        () => this.onChunkEnd(),
      ),
    );
  }

  /** One frame in flight: each answer's arrival writes the next frame (plain callbacks). */
  sequential(maxCalls, maxMs) {
    return new Promise((resolve) => {
      const start = now();
      const deadline = start + maxMs;
      let calls = 0;
      this.onChunkEnd = () => {};
      this.onAnswer = () => {
        calls++;
        if (calls < maxCalls && (calls % CLOCK_EVERY !== 0 || now() < deadline)) {
          this.socket.write(frame(RAW_PAYLOAD));
        } else {
          resolve({ calls, ms: now() - start });
        }
      };
      this.socket.write(frame(RAW_PAYLOAD));
    });
  }

  /**
   * `window` frames in flight: after each socket read, one new frame per answer read, all of
   * them in one write.
   */
  pipelined(window, maxCalls, maxMs) {
    return new Promise((resolve) => {
      const start = now();
      const deadline = start + maxMs;
      let sent = 0;
      let done = 0;
      let answered = 0;
      let stopping = false;
      const send = (count) => {
        const n = Math.min(count, maxCalls - sent);
        if (n <= 0) return;
        const frames = [];
        for (let i = 0; i < n; i++) frames.push(frame(RAW_PAYLOAD));
        sent += n;
        this.socket.write(n === 1 ? frames[0] : Buffer.concat(frames));
      };
      this.onAnswer = () => {
        done++;
        answered++;
      };
      this.onChunkEnd = () => {
        if (!stopping && now() >= deadline) stopping = true;
        if (!stopping) send(answered);
        answered = 0;
        if (done === sent) resolve({ calls: done, ms: now() - start });
      };
      send(window);
    });
  }

  close() {
    this.socket.destroy();
  }
}

/** `remote.echo(42)` awaited in a loop: one call in flight. */
export async function farcallSequential(remote, maxCalls, maxMs) {
  const start = now();
  const deadline = start + maxMs;
  let calls = 0;
  while (calls < maxCalls) {
    if ((await remote.echo(42)) !== 42) throw new Error('echo answered something else');
    calls++;
    if (calls % CLOCK_EVERY === 0 && now() >= deadline) break;
  }
  return { calls, ms: now() - start };
}

/** `window` calls in flight on one connection: as each answer arrives, the next call goes out. */
export function farcallPipelined(remote, window, maxCalls, maxMs) {
  return new Promise((resolve, reject) => {
    const start = now();
    const deadline = start + maxMs;
    let sent = 0;
    let done = 0;
    let stopping = false;
    const onAnswer = (value) => {
      if (value !== 42) return reject(new Error('echo answered something else'));
      done++;
      if (!stopping && done % CLOCK_EVERY === 0 && now() >= deadline) stopping = true;
      if (!stopping && sent < maxCalls) issue();
      else if (done === sent) resolve({ calls: done, ms: now() - start });
    };
    const issue = () => {
      sent++;
      remote.echo(42).then(onAnswer, reject);
    };
    for (let i = 0; i < Math.min(window, maxCalls); i++) issue();
  });
}
