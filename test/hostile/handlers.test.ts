/**
 * Handlers that misbehave: they throw anything at all, sync or async, or return what cannot be
 * encoded. The caller gets a `RemoteError`, the connection stays usable, the server stays up.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { close, connect, ErrorCode, invoke, RemoteError, release } from '../../src/index.js';
import { startTarget, type Target } from '../helpers/raw-client.js';

/** An Error whose `name` is a symbol: `toWireError` copies it and the encoder refuses it. */
function symbolNamed(): Error {
  const error = new Error('odd name');
  Object.defineProperty(error, 'name', { value: Symbol('odd') });
  return error;
}

/** A thrown value that neither `JSON.stringify` (a BigInt) nor `String` (no prototype) takes. */
function unprintable(): object {
  return Object.assign(Object.create(null) as object, { n: 1n });
}

class CustomError extends Error {
  override name = 'CustomError';
  readonly data = { retry: false };
}

const cyclic: Record<string, unknown> = {};
cyclic.self = cyclic;

const api = {
  syncThrow: () => {
    throw new TypeError('bad input');
  },
  asyncReject: async () => {
    throw new RangeError('too far');
  },
  throwString: () => {
    throw 'a plain string';
  },
  throwObject: () => {
    throw { reason: 'quota', left: 0 };
  },
  throwNull: () => {
    throw null;
  },
  rejectUndefined: () => Promise.reject(undefined),
  throwCustom: () => {
    throw new CustomError('custom');
  },
  throwUnencodableData: () => {
    throw Object.assign(new Error('has a function in data'), { data: { callback: () => {} } });
  },
  throwSymbolNamed: () => {
    throw symbolNamed();
  },
  throwUnprintable: () => {
    throw unprintable();
  },
  returnFunction: () => () => 1,
  returnSymbol: () => Symbol('s'),
  returnCyclic: () => cyclic,
  returnNestedFunction: async () => ({ ok: [1, 2, { later: () => {} }] }),
  returnTooDeep: () => {
    let value: unknown = 0;
    for (let i = 0; i < 200; i++) value = [value];
    return value;
  },
};

let target: Target;
beforeAll(async () => {
  target = await startTarget(api);
});
afterAll(() => target.close());

async function failure(method: string): Promise<RemoteError> {
  const error = await invoke(target.victim, method).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RemoteError);
  return error as RemoteError;
}

describe('a throwing handler', () => {
  it.each([
    ['syncThrow', { name: 'TypeError', message: 'bad input' }],
    ['asyncReject', { name: 'RangeError', message: 'too far' }],
    ['throwString', { name: 'Error', message: 'a plain string' }],
    [
      'throwObject',
      {
        message: 'non-Error value thrown: {"reason":"quota","left":0}',
        data: { reason: 'quota', left: 0 },
      },
    ],
    ['throwNull', { message: 'non-Error value thrown: null', data: null }],
    ['rejectUndefined', { message: 'non-Error value thrown: undefined', data: undefined }],
    ['throwCustom', { name: 'CustomError', message: 'custom', data: { retry: false } }],
    ['throwUnencodableData', { name: 'Error', message: 'has a function in data', data: undefined }],
  ])('%s: RemoteError APPLICATION_ERROR, connection usable', async (method, expected) => {
    const error = await failure(method);
    expect(error).toMatchObject({ ...expected, code: ErrorCode.APPLICATION_ERROR });
    // Stacks stay on the server unless `exposeStack` is set.
    expect(error.remoteStack).toBeUndefined();
    await target.victimWorks();
  });

  it('a hundred failures in parallel leave the server serving', async () => {
    const methods = [
      'syncThrow',
      'asyncReject',
      'throwString',
      'throwObject',
      'throwNull',
      'throwCustom',
    ];
    const results = await Promise.allSettled(
      Array.from({ length: 100 }, (_, i) => invoke(target.victim, methods[i % methods.length]!)),
    );
    expect(results.every((r) => r.status === 'rejected' && r.reason instanceof RemoteError)).toBe(
      true,
    );
    await target.victimWorks();
    expect(target.log.lines).toEqual([]);
  });
});

describe('a handler returning what cannot be encoded', () => {
  it.each([
    ['returnSymbol', /cannot send a symbol/],
    ['returnCyclic', /cycle/],
    ['returnTooDeep', /nests deeper/],
  ])('%s: RemoteError INTERNAL, connection usable', async (method, reason) => {
    const error = await failure(method);
    expect(error.code).toBe(ErrorCode.INTERNAL);
    expect(error.name).toBe('CodecError');
    expect(error.message).toMatch(/the result could not be encoded/);
    expect(error.message).toMatch(reason);
    await target.victimWorks();
  });
});

describe('a handler returning a function', () => {
  it('gives the caller a callback (a function in a result lives until released), connection usable', async () => {
    const fn = (await invoke(target.victim, 'returnFunction')) as () => Promise<number>;
    expect(await fn()).toBe(1);
    const nested = (await invoke(target.victim, 'returnNestedFunction')) as {
      ok: [number, number, { later: () => Promise<void> }];
    };
    expect(await nested.ok[2].later()).toBeUndefined();
    release(fn);
    release(nested.ok[2].later);
    await target.victimWorks();
  });
});

describe('a handler throwing what the error path cannot describe', () => {
  // Turning these into a wire error must not throw: if it did, a sync handler's exception would
  // escape into the socket's data handler and destroy the connection, and an async handler's
  // would become an unhandled rejection that kills the process (see the next test).
  it.each(['throwSymbolNamed', 'throwUnprintable'])(
    '%s (sync): RemoteError, connection usable',
    async (method) => {
      const own = await connect(target.url, { logger: false, timeout: 1000 });
      try {
        await expect(invoke(own, method)).rejects.toBeInstanceOf(RemoteError);
        expect(await invoke(own, 'add', [1, 2])).toBe(3);
      } finally {
        await close(own);
      }
    },
  );

  // Same bug, async: the rejection handler in `runCall` throws, the promise it returns is never
  // handled, the call is never answered nor counted out of `inFlight`, and under Node's default
  // `--unhandled-rejections=throw` the server process dies. Run in a child process for that.
  it('an async handler rejecting with one: RemoteError, server process alive', async () => {
    const script = `
      import { serve } from ${JSON.stringify(new URL('../../src/index.ts', import.meta.url).pathname)};
      const e = new Error('odd name');
      Object.defineProperty(e, 'name', { value: Symbol('odd') });
      const s = await serve({ boom: async () => { throw e; }, add: (x, y) => x + y },
        { listen: 'tcp://127.0.0.1:0', logger: false });
      console.log(s.urls[0]);`;
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      {
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
    try {
      const [url] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
      const own = await connect(url, { logger: false, timeout: 1000 });
      try {
        await expect(invoke(own, 'boom')).rejects.toBeInstanceOf(RemoteError);
        expect(await invoke(own, 'add', [1, 2])).toBe(3);
      } finally {
        await close(own);
      }
      expect(child.exitCode).toBeNull();
    } finally {
      child.kill();
    }
  }, 10_000);
});
