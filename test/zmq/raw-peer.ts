/**
 * A plain `zeromq` socket as a hand-written peer: what it sends is built part by part, and what
 * it reads is handed back as the parts ZeroMQ delivered, so the tests check the wire format of
 * docs/protocol.md ("ZeroMQ") without farcall's transport on the peer's side.
 */
import { Dealer, Request } from 'zeromq';

export type RawParts = Buffer[];

export interface RawPeer {
  send(...parts: (Uint8Array | string)[]): Promise<void>;
  /** The next message; rejects when none comes within `ms` (a bounded wait, never a hang). */
  next(ms?: number): Promise<RawParts>;
  /** Resolves with no message if none comes within `ms`, else with the message. */
  quiet(ms: number): Promise<RawParts | undefined>;
  close(): void;
}

/** The libzmq endpoint of a farcall `zmq+tcp://` URL. */
export function endpoint(url: string): string {
  return url.replace(/^zmq\+/, '').replace(/\?.*$/, '');
}

function wrap(socket: Dealer | Request): RawPeer {
  const inbox: RawParts[] = [];
  const waiters: ((parts: RawParts) => void)[] = [];
  void (async () => {
    try {
      for (;;) {
        const parts = await socket.receive();
        const waiter = waiters.shift();
        if (waiter) waiter(parts);
        else inbox.push(parts);
      }
    } catch {
      // closed
    }
  })();
  const next = (ms = 5000) =>
    new Promise<RawParts>((resolve, reject) => {
      const ready = inbox.shift();
      if (ready) {
        resolve(ready);
        return;
      }
      const timer = setTimeout(() => {
        waiters.splice(waiters.indexOf(take), 1);
        reject(new Error(`no ZeroMQ message within ${ms} ms`));
      }, ms);
      const take = (parts: RawParts) => {
        clearTimeout(timer);
        resolve(parts);
      };
      waiters.push(take);
    });
  return {
    send: (...parts) => socket.send(parts),
    next,
    quiet: (ms) => next(ms).catch(() => undefined),
    close: () => socket.close(),
  };
}

/** A DEALER connected to `url`. */
export function rawDealer(url: string): RawPeer {
  const socket = new Dealer({ linger: 0 });
  socket.connect(endpoint(url));
  return wrap(socket);
}

/** A REQ socket connected to `url`: it adds the empty delimiter itself, and alternates strictly. */
export function rawRequest(url: string): RawPeer {
  const socket = new Request({ linger: 0 });
  socket.connect(endpoint(url));
  return wrap(socket);
}

/** The parts as text, for messages that hold text (a close and its reason). */
export function texts(parts: RawParts): string[] {
  return parts.map((part) => part.toString('utf8'));
}
