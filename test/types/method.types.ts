/**
 * Compile-only type tests for functions defined with schemas (`method`) and for typed errors
 * (`defineError`, `isRemoteError`): `tsc --noEmit` checks this file; nothing here runs. A
 * `@ts-expect-error` line fails the build when its error goes away.
 */
import { z } from 'zod';
import {
  type CallContext,
  connect,
  defineError,
  isRemoteError,
  method,
  type RemoteError,
  withContext,
} from '../../src/index.js';

type Equal<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function assertType<T extends true>(): T | undefined {
  return undefined;
}
type Signature<F> = F extends (...args: infer A) => infer R ? [A, R] : never;

class NotFoundError extends Error {
  override name = 'NotFoundError' as const;
  status = 404 as const;
  constructor(readonly id: number) {
    super(`no user ${id}`);
  }
  describe(): string {
    return this.message;
  }
}
class LooseError extends Error {
  retryAfter = 5;
}
const OutOfStock = defineError('OutOfStock', z.object({ sku: z.string(), left: z.number() }));
const Gone = defineError('Gone');

const api = {
  add: method({ input: z.tuple([z.number(), z.number()]) }, (x, y) => {
    // The function's parameters come from the schema's output.
    assertType<Equal<[typeof x, typeof y], [number, number]>>();
    return x + y;
  }),
  /** Input and output differ: defaults, transforms. */
  parse: method(
    {
      input: z.tuple([z.string(), z.number().default(10)]),
      output: z.string().transform((s) => s.length),
    },
    (text, radix) => {
      assertType<Equal<typeof radix, number>>();
      return text + radix;
    },
  ),
  whoami: method(
    { input: z.tuple([z.string()]) },
    withContext((call: CallContext, greeting) => `${greeting} ${call.meta.user}`),
  ),
  get: method(
    { input: z.tuple([z.number()]), errors: [NotFoundError, OutOfStock, Gone] },
    async (id) => ({ id }),
  ),
  legacy: method({ errors: [LooseError] }, () => 'ok'),
  /** Only an output schema: the parameters are the function's own. */
  version: method({ output: z.string() }, (verbose: boolean) => (verbose ? 'v1.0.0' : '1')),
  plain: (x: number) => x,
};

export async function methodTypeTests(): Promise<void> {
  const remote = await connect<typeof api>('tcp://127.0.0.1:1');
  // The client's types come from the schemas: input for arguments, output for the result.
  assertType<Equal<Signature<typeof remote.add>, [[number, number], Promise<number>]>>();
  assertType<
    Equal<Signature<typeof remote.parse>, [[string, (number | undefined)?], Promise<number>]>
  >();
  assertType<Equal<Signature<typeof remote.whoami>, [[string], Promise<string>]>>();
  assertType<Equal<Signature<typeof remote.get>, [[number], Promise<{ id: number }>]>>();
  assertType<Equal<Signature<typeof remote.version>, [[verbose: boolean], Promise<string>]>>();
  await remote.parse('ff');
  // @ts-expect-error the schema wants numbers
  void remote.add('2', 3);
  // @ts-expect-error and two of them
  void remote.add(2);
  // @ts-expect-error the function must return what the output schema takes
  method({ input: z.tuple([]), output: z.number() }, () => 'text');
  // @ts-expect-error the input schema must be of an argument list (a tuple), not one value
  method({ input: z.number() }, (x: number) => x);
  // @ts-expect-error the function's parameters must take the schema's output
  method({ input: z.tuple([z.string()]) }, (x: number) => x);
}

export async function typedErrorTypeTests(): Promise<void> {
  const remote = await connect<typeof api>('tcp://127.0.0.1:1');
  const error: unknown = await remote.get(1).catch((e: unknown) => e);

  if (isRemoteError(error)) assertType<Equal<typeof error, RemoteError>>();

  // By class: name, data and own data fields typed; methods and Error's members left out.
  if (isRemoteError(error, NotFoundError)) {
    assertType<Equal<typeof error.name, 'NotFoundError'>>();
    assertType<Equal<typeof error.status, 404>>();
    assertType<Equal<typeof error.id, number>>();
    assertType<Equal<typeof error.code, RemoteError['code']>>();
    // @ts-expect-error methods do not cross the wire
    void error.describe;
  }
  if (isRemoteError(error, OutOfStock)) {
    assertType<Equal<typeof error.name, 'OutOfStock'>>();
    assertType<Equal<typeof error.data, { sku: string; left: number }>>();
  }
  if (isRemoteError(error, Gone)) assertType<Equal<typeof error.data, undefined>>();

  // By the remote function and a declared name: no class needed at run time.
  if (isRemoteError(error, remote.get, 'OutOfStock')) {
    assertType<Equal<typeof error.data, { sku: string; left: number }>>();
    assertType<Equal<typeof error.name, 'OutOfStock'>>();
  }
  if (isRemoteError(error, remote.get, 'NotFoundError')) {
    assertType<Equal<typeof error.status, 404>>();
  }
  // A class whose name TypeScript only knows as a string matches any name.
  if (isRemoteError(error, remote.legacy, 'LooseError')) {
    assertType<Equal<typeof error.retryAfter, number>>();
    assertType<Equal<typeof error.name, string>>();
  }
  // @ts-expect-error a name the function does not declare
  void isRemoteError(error, remote.get, 'Teapot');
  // @ts-expect-error a function that declares no errors has no names to narrow to
  void isRemoteError(error, remote.plain, 'NotFoundError');

  // The server throws them as it throws any error.
  void new OutOfStock('sold out', { sku: 'A-1', left: 0 });
  void new Gone('gone');
  // @ts-expect-error data of the wrong shape
  void new OutOfStock('sold out', { sku: 1 });
  // @ts-expect-error data is required where the schema has one
  void new OutOfStock('sold out');
}
