/**
 * Well-framed messages that are wrong: shapes the protocol does not have, method names that
 * reach for JavaScript internals, nesting deep enough to blow a recursive decoder's stack.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ConnectionClosedError,
  close,
  connect,
  invoke,
  LimitError,
  RemoteError,
} from '../../src/index.js';
import {
  about,
  deepCallBytes,
  encode,
  frame,
  startTarget,
  type Target,
} from '../helpers/raw-client.js';

let target: Target;
let echoes = 0;

beforeAll(async () => {
  target = await startTarget({
    math: { mul: (x: number, y: number) => x * y },
    deep: (depth: number) => nest(depth),
    echo: (value: unknown) => {
      echoes++;
      return value;
    },
  });
});
afterAll(() => target.close());

describe('messages of the wrong shape after the handshake', () => {
  it.each([
    ['not an array', { type: 1, id: 1 }, /message is not an array/],
    ['a bare number', 42, /message is not an array/],
    ['an unknown type 99', [99, 1, 'add', [1, 2]], /unexpected message type 99/],
    [
      'a call with a string id',
      [1, '1', 'add', [1, 2]],
      /message id is not an unsigned 32-bit integer/,
    ],
    [
      'a call with a negative id',
      [1, -1, 'add', [1, 2]],
      /message id is not an unsigned 32-bit integer/,
    ],
    [
      'a result with a fractional id',
      [3, 1.5, 'x'],
      /message id is not an unsigned 32-bit integer/,
    ],
    [
      'AUTH after the handshake',
      [8, Buffer.alloc(32), Buffer.alloc(32)],
      /unexpected message type 8/,
    ],
  ])('%s: connection closed, reason logged, others served', async (_, message, reason) => {
    const raw = await target.raw();
    await raw.send(message);
    expect(await raw.closesWithin(500)).toBe(true);
    // None of these is answered: the connection is simply gone.
    expect(raw.inbox).toEqual([]);
    await target.log.waitFor(about(raw, new RegExp(`: farcall: ${reason.source}`)));
    await target.victimWorks();
  });

  // A call whose id can be read is answered, so the caller learns what was wrong with it; the
  // connection goes on.
  it.each([
    ['a method that is not a string', [1, 1, 7, [1, 2]], /method is not a string/],
    ['args not an array', [1, 1, 'add', { 0: 1, 1: 2 }], /arguments are not an array/],
    ['args a string', [1, 1, 'add', '1,2'], /arguments are not an array/],
    [
      'meta holding a number',
      [1, 1, 'add', [1, 2], { meta: { trace: 7 } }],
      /call metadata is not a map of strings/,
    ],
    ['options that are an array', [1, 1, 'add', [1, 2], ['meta']], /call options are not a map/],
    [
      'a negative timeout',
      [1, 1, 'add', [1, 2], { timeout: -5 }],
      /call timeout is not a positive number/,
    ],
  ])(
    'a call with %s: answered INVALID_REQUEST, the connection goes on',
    async (_, message, reason) => {
      const raw = await target.raw();
      await raw.send(message);
      const answer = (await raw.next()) as [number, number, { code: string; message: string }];
      expect(answer[0]).toBe(4);
      expect(answer[1]).toBe(1);
      expect(answer[2].code).toBe('INVALID_REQUEST');
      expect(answer[2].message).toMatch(reason);
      await raw.send([1, 2, 'add', [1, 2]]);
      expect(await raw.next()).toEqual([3, 2, 3]);
      raw.destroy();
      await target.victimWorks();
    },
  );

  // Answers are read header first: one nobody waits for is dropped without decoding the rest.
  it('a result or error for an id nobody is waiting for is ignored, whatever its body', async () => {
    const raw = await target.raw();
    await raw.send([3, 12345, 'unsolicited']);
    await raw.send([4, 12346, { name: 'Error', message: 'unsolicited', code: 'INTERNAL' }]);
    await raw.send([4, 1, 'oops: not an error map']);
    await raw.send([6, 77]);
    expect(await raw.next()).toEqual([7, 77]);
    expect(raw.isClosed).toBe(false);
    raw.destroy();
  });
});

describe('method names that reach for JavaScript internals', () => {
  const names = [
    'constructor',
    '__proto__',
    'toString',
    'hasOwnProperty',
    'valueOf',
    '__defineGetter__',
    'prototype',
    'math.constructor',
    'add.call',
    'add.apply',
    'add.bind',
    'math.__proto__',
    'math',
    '',
    '.',
    'add.',
    '$farcall',
  ];

  it.each(names)('%j is METHOD_NOT_FOUND naming it; the connection stays usable', async (name) => {
    const error = await invoke(target.victim, name, [1, 2]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RemoteError);
    expect(error).toMatchObject({ code: 'METHOD_NOT_FOUND', data: { method: name } });
    expect((error as RemoteError).message).toContain(`'${name}'`);
    await target.victimWorks();
    expect(await invoke(target.victim, 'math.mul', [6, 7])).toBe(42);
  });

  it('the same names sent raw are answered as errors, not run', async () => {
    const raw = await target.raw();
    for (const [i, name] of names.entries()) await raw.send([1, i + 1, name, []]);
    const answers = new Map<number, unknown>();
    for (let i = 0; i < names.length; i++) {
      const answer = (await raw.next()) as [number, number, { code: string }];
      expect(answer[0]).toBe(4);
      answers.set(answer[1], answer[2].code);
    }
    expect([...answers.values()].every((code) => code === 'METHOD_NOT_FOUND')).toBe(true);
    expect(answers.size).toBe(names.length);
    raw.destroy();
  });

  it('Object.prototype is untouched by a call named __proto__ with an object argument', async () => {
    await invoke(target.victim, '__proto__', [{ polluted: true }]).catch(() => {});
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('deep nesting', () => {
  it('a call with args nested 100k arrays deep: closed with a maxDepth log line, no crash', async () => {
    const raw = await target.raw();
    const before = echoes;
    await raw.write(frame(deepCallBytes(1, 'echo', 100_000)));
    expect(await raw.closesWithin(1000)).toBe(true);
    await target.log.waitFor(about(raw, /value nests deeper than 64 levels \(limits\.maxDepth\)/));
    expect(echoes).toBe(before);
    await target.victimWorks();
  });

  it('a call with args nested 100k maps deep: closed with a maxDepth log line', async () => {
    const raw = await target.raw();
    const head = Buffer.from(encode([1, 1, 'echo', [0]]));
    // `{ '': { '': ... } }`: fixmap of one entry (0x81), empty-string key (0xa0).
    const maps = Buffer.alloc(200_000);
    for (let i = 0; i < maps.length; i += 2) maps.set([0x81, 0xa0], i);
    await raw.write(frame(Buffer.concat([head.subarray(0, -1), maps, Buffer.from([0])])));
    expect(await raw.closesWithin(1000)).toBe(true);
    await target.log.waitFor(about(raw, /value nests deeper than 64 levels \(limits\.maxDepth\)/));
    await target.victimWorks();
  });

  it('an argument nested 64 levels from a raw client is served', async () => {
    const raw = await target.raw();
    await raw.write(frame(deepCallBytes(5, 'echo', 64)));
    const answer = (await raw.next()) as unknown[];
    expect(answer.slice(0, 2)).toEqual([3, 5]);
    expect(depthOf(answer[2])).toBe(64);
    raw.destroy();
  });

  it('an argument nested 65 levels from a raw client: closed with a maxDepth log line', async () => {
    const raw = await target.raw();
    await raw.write(frame(deepCallBytes(6, 'echo', 65)));
    expect(await raw.closesWithin(1000)).toBe(true);
    await target.log.waitFor(about(raw, /nests deeper than 64 levels/));
  });

  it('an argument nested 65 levels from a normal client is a LimitError before sending', async () => {
    const before = echoes;
    // The client's encoder checks depth: nothing leaves, the connection is untouched.
    await expect(invoke(target.victim, 'echo', [nest(65)])).rejects.toBeInstanceOf(LimitError);
    await expect(invoke(target.victim, 'echo', [nest(65)])).rejects.toThrow(
      /nests deeper than 64 levels/,
    );
    expect(echoes).toBe(before);
    expect(depthOf(await invoke(target.victim, 'echo', [nest(64)]))).toBe(64);
    expect(echoes).toBe(before + 1);
    await target.victimWorks();
  });

  it('an answer nested past the client limit closes that client, with the cause', async () => {
    const strict = await connect(target.url, { logger: false, limits: { maxDepth: 8 } });
    try {
      // Answers sit one level lower than arguments: [3, id, value] against [1, id, m, [value]].
      expect(depthOf(await invoke(strict, 'deep', [9]))).toBe(9);
      const error = await invoke(strict, 'deep', [10]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConnectionClosedError);
      expect((error as ConnectionClosedError).cause).toBeInstanceOf(LimitError);
    } finally {
      await close(strict);
    }
    await target.victimWorks();
  });
});

/** `depth` arrays, each holding the next, the innermost holding 0. */
function nest(depth: number): unknown {
  let value: unknown = 0;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

function depthOf(value: unknown): number {
  let depth = 0;
  while (Array.isArray(value)) {
    depth++;
    value = value[0];
  }
  return depth;
}
