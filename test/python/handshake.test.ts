import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AuthenticationError, ProtocolError, TimeoutError } from '../../src/errors.js';
import {
  CHALLENGE,
  challengeBody,
  createResponse,
  FAILURE,
  handshake,
  verifyResponse,
  WELCOME,
} from '../../src/protocol/python/handshake.js';
import { memoryPair } from '../../src/transport/memory.js';
import { channelLink, type TestLink } from '../helpers/link.js';

const key = Buffer.from('secret');
const run = (
  link: TestLink,
  role: 'client' | 'server',
  authkey: Uint8Array = key,
  extra: { allowMd5?: boolean } = {},
) => handshake(link, { role, authkey, allowMd5: extra.allowMd5 });

/** Two links over a memory pair: `a` runs the handshake, `b` is the peer (scripted or not). */
function links(timeoutMs?: number): [TestLink, TestLink] {
  const [a, b] = memoryPair();
  return [channelLink(a, timeoutMs), channelLink(b, timeoutMs)];
}
const frameOf = (link: TestLink) => link.frame();

describe('python handshake between two farcall ends', () => {
  it('succeeds both ways with the same key', async () => {
    const [a, b] = links();
    await expect(Promise.all([run(a, 'server'), run(b, 'client')])).resolves.toBeDefined();
  });

  it('fails both ends with AuthenticationError on different keys', async () => {
    const [a, b] = links();
    const results = await Promise.allSettled([
      run(a, 'server'),
      run(b, 'client', Buffer.from('other')),
    ]);
    for (const result of results) {
      expect(result.status).toBe('rejected');
      expect((result as PromiseRejectedResult).reason).toBeInstanceOf(AuthenticationError);
    }
  });

  it('times out with TimeoutError when the peer says nothing (the deadline is the link’s)', async () => {
    const [a] = links(50);
    await expect(run(a, 'client', key)).rejects.toBeInstanceOf(TimeoutError);
  });

  it('delivers a {sha256} challenge of 40 random bytes and answers #FAILURE# to a bad digest', async () => {
    const [a, b] = links();
    const server = run(a, 'server');
    const challenge = await frameOf(b);
    expect(challenge.subarray(0, 19).toString()).toBe('#CHALLENGE#{sha256}');
    expect(challenge.length).toBe(11 + 8 + 40);
    const verdict = frameOf(b);
    b.send(Buffer.alloc(16));
    expect((await verdict).equals(FAILURE)).toBe(true);
    await expect(server).rejects.toBeInstanceOf(AuthenticationError);
  });

  it('accepts the raw md5 answer a Python 3.11 client gives, unless allowMd5 is false', async () => {
    for (const allowMd5 of [true, false]) {
      const [a, b] = links();
      const server = run(a, 'server', key, { allowMd5 });
      const body = (await frameOf(b)).subarray(CHALLENGE.length);
      const verdict = frameOf(b);
      b.send(createHmac('md5', key).update(body).digest());
      expect((await verdict).equals(allowMd5 ? WELCOME : FAILURE)).toBe(true);
      if (!allowMd5) await expect(server).rejects.toThrow(/MD5/);
      else server.catch(() => {}); // it now waits for our challenge; the test ends here
    }
  });

  it('refuses a handshake message over 256 bytes with ProtocolError', async () => {
    const [a, b] = links();
    const client = run(a, 'client');
    b.send(Buffer.concat([CHALLENGE, Buffer.alloc(300)]));
    await expect(client).rejects.toBeInstanceOf(ProtocolError);
  });

  it('refuses to answer a peer that sends no challenge, and names a farcall peer', async () => {
    const [a, b] = links();
    const client = run(a, 'client');
    b.send(Buffer.from('hello'));
    await expect(client).rejects.toBeInstanceOf(AuthenticationError);
    const [c, d] = links();
    const other = run(c, 'client');
    d.send(Buffer.from('9400a766617263616c6c', 'hex')); // a native HELLO's first bytes
    await expect(other).rejects.toThrow(/speaks the farcall protocol/);
  });

  it('leaves a frame that arrived right behind the last handshake message for the session', async () => {
    const [a, b] = links();
    const server = run(a, 'server');
    // A scripted client whose first call follows its #WELCOME# in the same turn, as when both
    // arrive in one TCP read.
    const body = (await frameOf(b)).subarray(CHALLENGE.length);
    const verdict = frameOf(b);
    b.send(createResponse(key, body));
    expect((await verdict).equals(WELCOME)).toBe(true);
    const answer = frameOf(b);
    const ours = challengeBody(Buffer.alloc(40, 9));
    b.send(Buffer.concat([CHALLENGE, ours]));
    verifyResponse(key, ours, await answer);
    b.send(WELCOME);
    b.send(Buffer.from('first call'));
    await server;
    const frame = await frameOf(a);
    expect(frame.toString()).toBe('first call');
  });
});

describe('python handshake digests', () => {
  it('answers a legacy 20-byte challenge with the raw HMAC-MD5', () => {
    const body = Buffer.alloc(20, 7);
    const expected = createHmac('md5', key).update(body).digest();
    expect(createResponse(key, body).equals(expected)).toBe(true);
    expect(() => createResponse(key, body, false)).toThrow(AuthenticationError);
  });

  it('answers a {sha256} challenge with {sha256} + HMAC-SHA256 of the whole body', () => {
    const body = challengeBody(Buffer.alloc(40, 1));
    const mac = createHmac('sha256', key).update(body).digest();
    expect(createResponse(key, body).equals(Buffer.concat([Buffer.from('{sha256}'), mac]))).toBe(
      true,
    );
  });

  it('refuses short challenges, unknown digests and wrong-length answers', () => {
    expect(() => createResponse(key, Buffer.alloc(19))).toThrow(AuthenticationError);
    expect(() => createResponse(key, Buffer.from('{sha1}0123456789012345678901234'))).toThrow(
      AuthenticationError,
    );
    const body = challengeBody(Buffer.alloc(40));
    const good = createResponse(key, body);
    expect(() => verifyResponse(key, body, good)).not.toThrow();
    expect(() => verifyResponse(key, body, good.subarray(0, -1))).toThrow(/32 bytes, got 31/);
    expect(() => verifyResponse(Buffer.from('x'), body, good)).toThrow(AuthenticationError);
  });
});
