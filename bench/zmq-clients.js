// The raw ZeroMQ measuring client, beside bench/clients.js: a DEALER that keeps `window`
// messages of the same 12 bytes in flight to bench/raw-zmq-server.js, each answer sending the
// next, as farcall's pipelined client does with calls.
import { performance } from 'node:perf_hooks';
import * as zmq from 'zeromq';
import { RAW_PAYLOAD } from './clients.js';

const now = () => performance.now();
const CLOCK_EVERY = 64;
const EMPTY = Buffer.alloc(0);

export class RawZmqClient {
  static async connect(url) {
    const socket = new zmq.Dealer({ linger: 0, sendHighWaterMark: 0, receiveHighWaterMark: 0 });
    socket.connect(url.replace(/^zmq\+/, ''));
    return new RawZmqClient(socket);
  }

  constructor(socket) {
    this.socket = socket;
  }

  async pipelined(window, maxCalls, maxMs) {
    const start = now();
    const deadline = start + maxMs;
    let sent = 0;
    let done = 0;
    let stopping = false;
    const first = Math.min(window, maxCalls);
    for (; sent < first; sent++) await this.socket.send([EMPTY, RAW_PAYLOAD]);
    while (done < sent) {
      await this.socket.receive();
      done++;
      if (!stopping && done % CLOCK_EVERY === 0 && now() >= deadline) stopping = true;
      if (!stopping && sent < maxCalls) {
        sent++;
        await this.socket.send([EMPTY, RAW_PAYLOAD]);
      }
    }
    return { calls: done, ms: now() - start };
  }

  close() {
    this.socket.close();
  }
}
