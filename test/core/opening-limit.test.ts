/**
 * The handshake frame limit (limits.maxHandshakeBytes) covers the peer's opening messages only.
 * A client may call as soon as its own opening is done, so its first call can arrive in the same
 * read as its last opening message, before the server's opening has settled; that call gets the
 * full frame limit. (It did not: a first call over 1 KiB right after `connect` sometimes closed
 * the connection with "over the limit of 1024 bytes (limits.maxHandshakeBytes)".) A frame over
 * the handshake limit in place of an opening message is still refused from its header.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { decodeMsgpack } from '../../src/codec/msgpack.js';
import { type Server, serve } from '../../src/index.js';
import { callOfSize, encode, fateOf, frame, proof, rawConnect } from '../helpers/raw-client.js';

const KEY = 'opening key';
const api = { echo: (...values: unknown[]) => values.length };
let keyless: Server;
let keyed: Server;
let overWs: Server;
beforeAll(async () => {
  [keyless, keyed, overWs] = await Promise.all([
    serve(api, { listen: 'tcp://127.0.0.1:0', logger: false }),
    serve(api, { listen: 'tcp://127.0.0.1:0', authkey: KEY, logger: false }),
    serve(api, { listen: 'ws://127.0.0.1:0/rpc', logger: false }),
  ]);
});
afterAll(async () => {
  await Promise.all([keyless.close(), keyed.close(), overWs.close()]);
});

describe('a call in the same write as the last opening message', () => {
  it('without an authkey: HELLO and a 4 KiB call in one write; the call is answered', async () => {
    const raw = await rawConnect(keyless.url);
    await raw.next(); // the server's HELLO
    const hello = frame(encode([0, 'farcall', 1, {}]));
    await raw.write(Buffer.concat([hello, frame(callOfSize(1, 'echo', [], 4096))]));
    expect(await fateOf(raw, 1)).toEqual({ kind: 'result', value: 1 });
    raw.destroy();
  });

  it('with an authkey: AUTH and a 4 KiB call in one write; the call is answered', async () => {
    const raw = await rawConnect(keyed.url);
    const hello = (await raw.next()) as [number, string, number, { challenge: Uint8Array }];
    await raw.send([0, 'farcall', 1, {}]);
    const challenge = randomBytes(32);
    const key = Buffer.from(KEY, 'utf8');
    const auth = frame(encode([8, proof(key, 'client', hello[3].challenge, challenge), challenge]));
    await raw.write(Buffer.concat([auth, frame(callOfSize(1, 'echo', [], 4096))]));
    const answer = (await raw.next()) as unknown[];
    expect(answer[0]).toBe(9); // AUTH_OK
    expect(await fateOf(raw, 1)).toEqual({ kind: 'result', value: 1 });
    raw.destroy();
  });

  it('a 4 KiB frame in place of the HELLO is still refused from its header', async () => {
    const raw = await rawConnect(keyless.url);
    await raw.next();
    await raw.write(frame(callOfSize(1, 'echo', [], 4096)));
    expect(await raw.closesWithin(2000)).toBe(true);
  });

  it('with an authkey, a 4 KiB frame in place of the AUTH is still refused', async () => {
    const raw = await rawConnect(keyed.url);
    await raw.next();
    await raw.send([0, 'farcall', 1, {}]);
    await raw.write(frame(callOfSize(1, 'echo', [], 4096)));
    expect(await raw.closesWithin(2000)).toBe(true);
  });

  it('over ws://: HELLO and a 4 KiB call as two messages in one write; the call is answered', async () => {
    const ws = new WebSocket(overWs.url);
    ws.binaryType = 'nodebuffer';
    const messages: unknown[] = [];
    let heard: () => void = () => {};
    ws.on('message', (data: Buffer) => {
      messages.push(decodeMsgpack(new Uint8Array(data), { maxDepth: 64, maxItems: 1_000_000 }));
      heard();
    });
    let closed = false;
    ws.on('close', () => {
      closed = true;
      heard();
    });
    // The next message, or 'closed' once the server has closed the connection.
    const next = () =>
      new Promise<unknown>((resolve) => {
        const take = () => {
          if (messages.length > 0) resolve(messages.shift());
          else if (closed) resolve('closed');
          else heard = take;
        };
        take();
      });
    await new Promise((resolve) => ws.once('open', resolve));
    await next(); // the server's HELLO
    // Both messages leave in one write of the socket under them.
    const socket = (ws as unknown as { _socket: { cork(): void; uncork(): void } })._socket;
    socket.cork();
    ws.send(encode([0, 'farcall', 1, {}]));
    ws.send(callOfSize(1, 'echo', [], 4096));
    socket.uncork();
    const answer = await next();
    expect(Array.isArray(answer) ? answer.slice(0, 3) : answer).toEqual([3, 1, 1]);
    ws.close();
  });
});
