import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  close,
  connect,
  ErrorCode,
  invoke,
  listMethods,
  type Remote,
  RemoteError,
  type Server,
  serve,
} from '../../src/index.js';

class ValidationError extends Error {
  override name = 'ValidationError';
  data = { field: 'age' };
}

class Counter {
  private count = 0;
  _secret() {
    return 'hidden';
  }
  increment(by: number) {
    this.count += by;
    return this.count;
  }
}

const api = {
  typeError: () => {
    throw new TypeError('unsupported operand');
  },
  rejects: async () => {
    throw new RangeError('too far');
  },
  custom: () => {
    throw new ValidationError('bad age');
  },
  withCode: () => {
    throw Object.assign(new Error('no file'), { code: 'ENOENT' });
  },
  throwString: () => {
    throw 'plain string';
  },
  throwObject: () => {
    throw { reason: 'object' };
  },
  throwNull: () => {
    throw null;
  },
  counter: new Counter(),
  math: { mul: (x: number, y: number) => x * y, deep: { add: (x: number, y: number) => x + y } },
  label: 'not a function',
};

describe('errors across the wire', () => {
  let server: Server;
  let stackServer: Server;
  let remote: Remote<typeof api>;
  beforeAll(async () => {
    server = await serve(api, { listen: 'tcp://127.0.0.1:0', logger: false });
    stackServer = await serve(api, {
      listen: 'tcp://127.0.0.1:0',
      logger: false,
      exposeStack: true,
    });
    remote = await connect<typeof api>(server.urls[0]!);
  });
  afterAll(async () => {
    await close(remote);
    await server.close();
    await stackServer.close();
  });

  it('keeps the class name, message and code of a thrown error, without the stack', async () => {
    const error = await remote.typeError().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteError);
    expect(error).toMatchObject({
      name: 'TypeError',
      message: 'unsupported operand',
      code: ErrorCode.APPLICATION_ERROR,
    });
    expect((error as RemoteError).remoteStack).toBeUndefined();
    await expect(remote.rejects()).rejects.toMatchObject({
      name: 'RangeError',
      message: 'too far',
    });
  });

  it('carries data of custom errors, and Node-style codes as data', async () => {
    await expect(remote.custom()).rejects.toMatchObject({
      name: 'ValidationError',
      data: { field: 'age' },
    });
    await expect(remote.withCode()).rejects.toMatchObject({
      message: 'no file',
      data: { code: 'ENOENT' },
    });
  });

  it('sends the stack only when the server sets exposeStack', async () => {
    const withStack = await connect<typeof api>(stackServer.urls[0]!);
    const error = (await withStack.typeError().catch((e: unknown) => e)) as RemoteError;
    expect(error.remoteStack).toMatch(/TypeError: unsupported operand\n\s+at /);
    await close(withStack);
  });

  it('turns non-Error throws into RemoteError', async () => {
    await expect(remote.throwString()).rejects.toMatchObject({
      name: 'Error',
      message: 'plain string',
    });
    await expect(remote.throwObject()).rejects.toMatchObject({ data: { reason: 'object' } });
    await expect(remote.throwNull()).rejects.toBeInstanceOf(RemoteError);
  });

  it('answers unknown methods with METHOD_NOT_FOUND and the name asked for', async () => {
    for (const name of [
      'nosuch',
      'label',
      'math',
      'counter._secret',
      'counter.count',
      'math.nosuch',
    ]) {
      const error = (await invoke(remote, name).catch((e: unknown) => e)) as RemoteError;
      expect(error).toBeInstanceOf(RemoteError);
      expect(error.code).toBe('METHOD_NOT_FOUND');
      expect(error.message).toContain(`'${name}'`);
    }
  });

  it('serves nested namespaces and class instances (their methods, with their this)', async () => {
    expect(await remote.math.mul(4, 5)).toBe(20);
    expect(await remote.math.deep.add(1, 2)).toBe(3);
    expect(await remote.counter.increment(2)).toBe(2);
    expect(await remote.counter.increment(3)).toBe(5);
    expect(await listMethods(remote)).toEqual([
      'counter.increment',
      'custom',
      'math.deep.add',
      'math.mul',
      'rejects',
      'throwNull',
      'throwObject',
      'throwString',
      'typeError',
      'withCode',
    ]);
  });
});
