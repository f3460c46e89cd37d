/**
 * Functions defined with Standard Schemas (`method`), through the registry as the server runs
 * them, and over a real connection: arguments validated before the function runs, results
 * checked, the schemas in `$farcall.describe`, declared errors narrowed on the client.
 */

import type { StandardSchemaV1 } from '@standard-schema/spec';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  acceptsKwargs,
  type CallContext,
  callWithKwargs,
  close,
  connect,
  DESCRIBE_METHODS,
  defineError,
  ErrorCode,
  invoke,
  isRemoteError,
  method,
  type Remote,
  RemoteError,
  type Server,
  serve,
  UsageError,
  withContext,
  withOptions,
} from '../../src/index.js';
import { type MethodInfo, Registry } from '../../src/registry.js';

const noContext = () => {
  throw new Error('no context here');
};

class NotFoundError extends Error {
  status = 404;
}
const OutOfStock = defineError('OutOfStock', z.object({ sku: z.string() }));

let calls = 0;
const api = {
  add: method({ input: z.tuple([z.number(), z.number()]), output: z.number() }, (x, y) => {
    calls++;
    return x + y;
  }),
  /** Defaults and transforms: the function gets the schema's output. */
  greet: method(
    { input: z.tuple([z.string().trim(), z.string().default('!')]) },
    (name, punctuation) => `hello ${name}${punctuation}`,
  ),
  /** A result that breaks its own output schema: the server's bug. */
  broken: method({ input: z.tuple([]), output: z.string() }, () => 42 as unknown as string),
  whoami: method(
    { input: z.tuple([z.string()]) },
    withContext((call: CallContext, greeting: string) => `${greeting} ${call.meta.user ?? '?'}`),
  ),
  scale: method(
    { input: z.tuple([z.number()]) },
    acceptsKwargs((x: number, kw: { factor?: number } = {}) => x * (kw.factor ?? 1)),
  ),
  slowCheck: method(
    {
      input: z.tuple([z.string()]).refine(async ([s]) => s !== 'taken', 'that name is taken'),
    },
    async (name) => `ok ${name}`,
  ),
  get: method({ input: z.tuple([z.number()]), errors: [NotFoundError, OutOfStock] }, (id) => {
    if (id === 1) throw new OutOfStock('sold out', { sku: 'A-1' });
    throw Object.assign(new NotFoundError(`no item ${id}`), {});
  }),
  plain: (x: number) => x + 1,
};

describe('method(): validation on the server, through the registry', () => {
  const registry = new Registry(api);

  it('runs the function with valid arguments, synchronously where the schemas are', () => {
    expect(registry.invoke('add', [2, 3], undefined, noContext)).toBe(5);
    expect(registry.invoke('greet', ['  bob '], undefined, noContext)).toBe('hello bob!');
  });

  it('refuses bad arguments with INVALID_PARAMS and the issues as data, before the function runs', () => {
    const before = calls;
    let error: unknown;
    try {
      registry.invoke('add', [2], undefined, noContext);
    } catch (e) {
      error = e;
    }
    expect(calls).toBe(before);
    expect(error).toBeInstanceOf(RemoteError);
    const remote = error as RemoteError;
    expect(remote.name).toBe('ValidationError');
    expect(remote.code).toBe(ErrorCode.INVALID_PARAMS);
    expect(remote.message).toBe(
      'invalid arguments for add(x, y), got 1 argument: Too small: expected array to have >=2 items',
    );
    expect(remote.data).toEqual([
      { message: 'Too small: expected array to have >=2 items', path: [] },
    ]);
  });

  it('names the argument an issue is about by its parameter name', () => {
    let error: RemoteError | undefined;
    try {
      registry.invoke('add', [2, 'three'], undefined, noContext);
    } catch (e) {
      error = e as RemoteError;
    }
    expect(error?.message).toBe(
      'invalid arguments for add(x, y), got 2 arguments: y: Invalid input: expected number, received string',
    );
    expect(error?.data).toEqual([
      { message: 'Invalid input: expected number, received string', path: [1] },
    ]);
  });

  it('answers a result that breaks its output schema with INTERNAL', () => {
    let error: RemoteError | undefined;
    try {
      registry.invoke('broken', [], undefined, noContext);
    } catch (e) {
      error = e as RemoteError;
    }
    expect(error?.code).toBe(ErrorCode.INTERNAL);
    expect(error?.message).toContain("the result of 'broken' does not match its output schema");
  });

  it('validates asynchronously where the schema does', async () => {
    await expect(registry.invoke('slowCheck', ['free'], undefined, noContext)).resolves.toBe(
      'ok free',
    );
    await expect(
      registry.invoke('slowCheck', ['taken'], undefined, noContext) as Promise<unknown>,
    ).rejects.toMatchObject({ code: 'INVALID_PARAMS', message: expect.stringContaining('taken') });
  });

  it('describes schemas as JSON Schema, with the validator and the declared errors, keeping the old fields', () => {
    const described = new Map(
      (registry.invoke(DESCRIBE_METHODS, [], undefined, noContext) as MethodInfo[]).map((m) => [
        m.name,
        m,
      ]),
    );
    expect(described.get('plain')).toEqual({ name: 'plain', params: ['x'], kwargs: false });
    const add = described.get('add')!;
    expect(add).toMatchObject({ name: 'add', params: ['x', 'y'], kwargs: false, validator: 'zod' });
    expect(add.input).toMatchObject({
      type: 'array',
      prefixItems: [{ type: 'number' }, { type: 'number' }],
      minItems: 2,
    });
    expect(add.output).toMatchObject({ type: 'number' });
    expect(described.get('whoami')!.params).toEqual(['greeting']);
    expect(described.get('scale')!.kwargs).toBe(true);
    expect(described.get('get')!.errors).toEqual([
      { name: 'NotFoundError' },
      {
        name: 'OutOfStock',
        data: expect.objectContaining({ type: 'object', required: ['sku'] }),
      },
    ]);
  });

  it('leaves out a JSON Schema the library cannot give, and says which library validates', () => {
    const registry = new Registry({
      big: method({ input: z.tuple([z.bigint()]) }, (n) => n * 2n),
    });
    const [big] = registry.describe();
    expect(big).toEqual({ name: 'big', params: ['n'], kwargs: false, validator: 'zod' });
    expect(registry.invoke('big', [2n], undefined, noContext)).toBe(4n);
  });

  it('takes any Standard Schema, not only zod', () => {
    // A hand-written Standard Schema: one positive number.
    const positive: StandardSchemaV1<[number], [number]> = {
      '~standard': {
        version: 1,
        vendor: 'handmade',
        validate: (value) =>
          Array.isArray(value) && value.length === 1 && typeof value[0] === 'number' && value[0] > 0
            ? { value: value as [number] }
            : { issues: [{ message: 'expected one positive number', path: [0] }] },
      },
    };
    const registry = new Registry({ sqrt: method({ input: positive }, (x) => Math.sqrt(x)) });
    expect(registry.invoke('sqrt', [9], undefined, noContext)).toBe(3);
    expect(() => registry.invoke('sqrt', [-1], undefined, noContext)).toThrow(
      'invalid arguments for sqrt(x), got 1 argument: x: expected one positive number',
    );
    expect(registry.describe()[0]).toEqual({
      name: 'sqrt',
      params: ['x'],
      kwargs: false,
      validator: 'handmade',
    });
  });

  it('refuses what is not a Standard Schema with UsageError', () => {
    expect(() => method({ input: { parse: () => [] } as never }, () => 1)).toThrow(UsageError);
    expect(() => method({ errors: ['NotFound'] as never }, () => 1)).toThrow(UsageError);
  });
});

describe('defineError and isRemoteError', () => {
  it('makes an error class with a fixed name and data', () => {
    const error = new OutOfStock('sold out', { sku: 'A-1' });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('OutOfStock');
    expect(error.data).toEqual({ sku: 'A-1' });
    expect(OutOfStock.errorName).toBe('OutOfStock');
    class Sub extends defineError('Sub') {}
    expect(new Sub('x').name).toBe('Sub');
  });

  it('matches a RemoteError by name, and checks the data against the schema', () => {
    const arrived = new RemoteError({
      name: 'OutOfStock',
      message: 'sold out',
      data: { sku: 'A' },
    });
    const forged = new RemoteError({ name: 'OutOfStock', message: 'sold out', data: { sku: 7 } });
    expect(isRemoteError(arrived)).toBe(true);
    expect(isRemoteError(new Error('local'))).toBe(false);
    expect(isRemoteError(arrived, OutOfStock)).toBe(true);
    expect(isRemoteError(forged, OutOfStock)).toBe(false);
    expect(isRemoteError(arrived, NotFoundError)).toBe(false);
    expect(isRemoteError(new OutOfStock('local', { sku: 'A' }), OutOfStock)).toBe(false);
  });

  it('refuses a data schema that validates asynchronously, with UsageError', () => {
    const Async = defineError(
      'Async',
      z.object({}).refine(async () => true),
    );
    const arrived = new RemoteError({ name: 'Async', message: '', data: {} });
    expect(() => isRemoteError(arrived, Async)).toThrow(UsageError);
  });
});

describe('method() over a connection', () => {
  let server: Server;
  let remote: Remote<typeof api>;
  beforeAll(async () => {
    server = await serve(api, { listen: 'tcp://127.0.0.1:0', logger: false });
    remote = await connect<typeof api>(server.url);
  });
  afterAll(async () => {
    await close(remote);
    await server.close();
  });

  it('calls with valid arguments and refuses bad ones with a RemoteError the caller can read', async () => {
    expect(await remote.add(2, 3)).toBe(5);
    const error = await invoke(remote, 'add', [2]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteError);
    expect(error).toMatchObject({
      name: 'ValidationError',
      code: 'INVALID_PARAMS',
      method: 'add',
      data: [{ message: 'Too small: expected array to have >=2 items', path: [] }],
    });
    expect(await remote.plain(1)).toBe(2);
  });

  it('gives a context function its context and a kwargs function its keyword arguments', async () => {
    expect(await withOptions(remote, { meta: { user: 'ada' } }).whoami('hi')).toBe('hi ada');
    expect(await callWithKwargs(remote, 'scale', [2], { factor: 3 })).toBe(6);
    await expect(callWithKwargs(remote, 'scale', ['2'], { factor: 3 })).rejects.toMatchObject({
      code: 'INVALID_PARAMS',
    });
  });

  it('lets the client narrow declared errors by class and by the remote function', async () => {
    const outOfStock = await remote.get(1).catch((e: unknown) => e);
    expect(isRemoteError(outOfStock, OutOfStock)).toBe(true);
    if (isRemoteError(outOfStock, remote.get, 'OutOfStock')) {
      expect(outOfStock.data.sku).toBe('A-1');
    } else {
      expect.fail('OutOfStock was not narrowed by the remote function');
    }
    const notFound = await remote.get(2).catch((e: unknown) => e);
    expect(isRemoteError(notFound, NotFoundError)).toBe(true);
    expect(isRemoteError(notFound, remote.get, 'NotFoundError')).toBe(true);
    expect(isRemoteError(notFound, remote.add, 'NotFoundError' as never)).toBe(false);
    if (isRemoteError(notFound, NotFoundError)) expect(notFound.status).toBe(404);
  });
});
