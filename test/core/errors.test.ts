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
import type { WireError } from '../../src/protocol/protocol.js';
import { bareWireError, remoteError, toWireError } from '../../src/wire-error.js';

class ValidationError extends Error {
  override name = 'ValidationError';
  data = { field: 'age' };
}

/** An error class as users write them: no `name` set, fields of its own. */
class NotFoundError extends Error {
  status = 404;
  resource = 'user';
}

/** An error whose own fields try to pass for what a RemoteError owns. */
function forgedError(): Error {
  const error = Object.assign(new Error('forged'), {
    remoteStack: 'forged stack',
    method: 'forged.method',
    toString: 'not a function',
    constructor: 'not a constructor',
    prototype: 'no prototype',
    valueOf: 1,
    kept: 'kept',
  });
  Object.defineProperty(error, '__proto__', { value: { polluted: true }, enumerable: true });
  return error;
}

/** Errors whose properties throw when read, or that are not what they look like. */
const hostileThrows = {
  fieldGetter: () =>
    Object.defineProperty(new NotFoundError('getter'), 'status', {
      enumerable: true,
      get() {
        throw new Error('no status for you');
      },
    }),
  causeGetter: () =>
    Object.defineProperty(new Error('cause getter'), 'cause', {
      get() {
        throw new Error('no cause for you');
      },
    }),
  nameGetter: () => {
    const error = new NotFoundError('name getter');
    Object.defineProperty(error, 'name', {
      get() {
        throw new Error('no name for you');
      },
    });
    return error;
  },
  proxy: () =>
    new Proxy(new Error('proxy'), {
      get() {
        throw new Error('trap');
      },
      ownKeys() {
        throw new Error('trap');
      },
      getPrototypeOf() {
        throw new Error('trap');
      },
    }),
  revoked: () => {
    const { proxy, revoke } = Proxy.revocable(new Error('revoked'), {});
    revoke();
    return proxy;
  },
  symbol: () => Symbol('thrown'),
  unencodableFields: () =>
    Object.assign(new Error('fields'), { fn: () => 1, sym: Symbol('s'), ok: 'ok' }),
};

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
  notFound: () => {
    throw new NotFoundError('no user 7');
  },
  wrapped: () => {
    throw new Error('lookup failed', { cause: new NotFoundError('no user 7') });
  },
  valueCause: () => {
    throw new Error('write failed', { cause: 'disk full' });
  },
  deepCauses: () => {
    let error = new Error('cause 20');
    for (let i = 19; i >= 0; i--) error = new Error(`cause ${i}`, { cause: error });
    throw error;
  },
  cyclicCause: () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    a.cause = b;
    throw a;
  },
  forged: () => {
    throw forgedError();
  },
  hostile: (kind: keyof typeof hostileThrows) => {
    throw hostileThrows[kind]();
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
      'cyclicCause',
      'deepCauses',
      'forged',
      'hostile',
      'math.deep.add',
      'math.mul',
      'notFound',
      'rejects',
      'throwNull',
      'throwObject',
      'throwString',
      'typeError',
      'valueCause',
      'withCode',
      'wrapped',
    ]);
  });

  it("names an error by its class when it leaves `name` as Error's, and carries its fields", async () => {
    const error = (await remote.notFound().catch((e: unknown) => e)) as RemoteError;
    expect(error).toBeInstanceOf(RemoteError);
    expect(error).toMatchObject({
      name: 'NotFoundError',
      message: 'no user 7',
      code: ErrorCode.APPLICATION_ERROR,
    });
    expect(Object.getOwnPropertyDescriptor(error, 'status')).toMatchObject({
      value: 404,
      enumerable: true,
    });
    expect(
      Object.hasOwn(error, 'resource') && (error as RemoteError & { resource: string }).resource,
    ).toBe('user');
    // A plain Error keeps its own name, and an Error subclass with its own name keeps that one.
    await expect(remote.typeError()).rejects.toMatchObject({ name: 'TypeError' });
    await expect(remote.custom()).rejects.toMatchObject({ name: 'ValidationError' });
  });

  it('carries the cause as a RemoteError of its own, with its name and fields', async () => {
    const error = (await remote.wrapped().catch((e: unknown) => e)) as RemoteError;
    expect(error).toMatchObject({ name: 'Error', message: 'lookup failed' });
    expect(error.cause).toBeInstanceOf(RemoteError);
    expect(error.cause).toMatchObject({ name: 'NotFoundError', message: 'no user 7', status: 404 });
    expect((error.cause as RemoteError).cause).toBeUndefined();
    const value = (await remote.valueCause().catch((e: unknown) => e)) as RemoteError;
    expect(value.cause).toBeInstanceOf(RemoteError);
    expect(value.cause).toMatchObject({ message: 'disk full' });
  });

  it('carries at most 8 causes, and cuts a cycle of causes', async () => {
    const messages = (error: unknown) => {
      const seen: string[] = [];
      for (let e = error; e instanceof RemoteError && seen.length < 50; e = e.cause)
        seen.push(e.message);
      return seen;
    };
    const deep = await remote.deepCauses().catch((e: unknown) => e);
    expect(messages(deep)).toEqual(Array.from({ length: 9 }, (_, i) => `cause ${i}`));
    const cyclic = await remote.cyclicCause().catch((e: unknown) => e);
    expect(messages(cyclic)).toEqual(['a', 'b']);
  });

  it('never lets a field overwrite what a RemoteError owns, nor reach its prototype', async () => {
    const error = (await remote.forged().catch((e: unknown) => e)) as RemoteError &
      Record<string, unknown>;
    expect(error).toBeInstanceOf(RemoteError);
    expect(Object.getPrototypeOf(error)).toBe(RemoteError.prototype);
    expect(error.remoteStack).toBeUndefined();
    expect(error.method).not.toBe('forged.method');
    expect(String(error)).toBe('Error: forged');
    expect(error.valueOf()).toBe(error);
    expect(Object.hasOwn(error, 'constructor') || Object.hasOwn(error, 'prototype')).toBe(false);
    expect(error.polluted).toBeUndefined();
    expect(error.kept).toBe('kept');
  });

  it('answers whatever was thrown, even errors whose properties throw when read', async () => {
    const answers: Record<string, unknown> = {};
    for (const kind of Object.keys(hostileThrows) as (keyof typeof hostileThrows)[]) {
      const error = await remote.hostile(kind).catch((e: unknown) => e);
      expect(error, kind).toBeInstanceOf(RemoteError);
      answers[kind] = error;
    }
    // What could be read still arrives: the class name, the readable fields, the message.
    expect(answers.fieldGetter).toMatchObject({
      name: 'NotFoundError',
      message: 'getter',
      resource: 'user',
    });
    expect(Object.hasOwn(answers.fieldGetter as object, 'status')).toBe(false);
    expect(answers.causeGetter).toMatchObject({ message: 'cause getter' });
    expect((answers.causeGetter as RemoteError).cause).toBeUndefined();
    expect(answers.nameGetter).toMatchObject({ name: 'NotFoundError', message: 'name getter' });
    expect(answers.unencodableFields).toMatchObject({ message: 'fields', ok: 'ok' });
    expect(answers.symbol).toMatchObject({ message: 'non-Error value thrown: Symbol(thrown)' });
  });
});

describe('a RemoteError relayed by a server that called another', () => {
  it("arrives with the name, fields and cause it had, and without the first hop's stack", async () => {
    const inner = await serve(api, {
      listen: 'tcp://127.0.0.1:0',
      logger: false,
      exposeStack: true,
    });
    const upstream = await connect<typeof api>(inner.urls[0]!);
    const relay = await serve(
      { relay: () => upstream.wrapped() },
      { listen: 'tcp://127.0.0.1:0', logger: false },
    );
    const client = await connect<{ relay: () => Promise<void> }>(relay.urls[0]!);
    try {
      const error = (await client.relay().catch((e: unknown) => e)) as RemoteError;
      expect(error).toMatchObject({
        name: 'Error',
        message: 'lookup failed',
        remoteStack: undefined,
      });
      expect(error.cause).toMatchObject({
        name: 'NotFoundError',
        status: 404,
        remoteStack: undefined,
      });
    } finally {
      await close(client);
      await relay.close();
      await close(upstream);
      await inner.close();
    }
  });
});

describe('toWireError and remoteError, in memory', () => {
  it('toWireError never throws, whatever is thrown', () => {
    for (const [kind, make] of Object.entries(hostileThrows)) {
      const wire = toWireError(make(), true);
      expect(typeof wire.name, kind).toBe('string');
      expect(typeof wire.message, kind).toBe('string');
    }
  });

  it('sends fields as a plain object, and stacks of causes only with exposeStack', () => {
    const error = new Error('outer', { cause: new NotFoundError('inner') });
    const hidden = toWireError(error, false);
    expect(hidden).toMatchObject({
      cause: { name: 'NotFoundError', fields: { status: 404, resource: 'user' } },
    });
    expect(hidden.stack).toBeUndefined();
    expect(hidden.cause?.stack).toBeUndefined();
    expect(toWireError(error, true).cause?.stack).toMatch(/^Error: inner\n\s+at /);
    expect(toWireError(new Error('plain'), false).fields).toBeUndefined();
  });

  it('remoteError puts the method on the error when it is given', () => {
    const wire: WireError = { name: 'TypeError', message: 'bad', code: 'APPLICATION_ERROR' };
    expect(remoteError(wire, 'math.mul').method).toBe('math.mul');
    expect(remoteError(wire).method).toBeUndefined();
    expect(new RemoteError({ message: 'x', method: 'add' }).method).toBe('add');
  });

  it('remoteError bounds the causes it builds, whatever the wire holds', () => {
    let wire: WireError = { name: 'Error', message: 'cause 30', code: 'APPLICATION_ERROR' };
    for (let i = 29; i >= 0; i--)
      wire = { name: 'Error', message: `cause ${i}`, code: 'APPLICATION_ERROR', cause: wire };
    let depth = 0;
    for (let e: unknown = remoteError(wire); e instanceof RemoteError; e = e.cause) depth++;
    expect(depth).toBe(9);
  });

  it('bareWireError keeps only what every codec carries, for an error that failed to encode', () => {
    const wire = toWireError(
      Object.assign(new Error('outer', { cause: new Error('inner') }), { data: 1n, extra: 2 }),
      true,
    );
    expect(Object.keys(wire).sort()).toEqual([
      'cause',
      'code',
      'data',
      'fields',
      'message',
      'name',
      'stack',
    ]);
    expect(bareWireError(wire)).toEqual({
      name: 'Error',
      message: 'outer',
      code: 'APPLICATION_ERROR',
      stack: wire.stack,
    });
  });
});
