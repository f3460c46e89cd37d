/**
 * Functions defined with schemas: `method({ input, output, errors }, fn)`. The input schema
 * (any Standard Schema: zod, valibot, arktype…) is the schema of the argument list, a tuple;
 * the server validates every call's arguments with it before the function runs, and the
 * function gets the schema's output. The client's types come from the same schemas. The
 * registry runs the validation (src/registry.ts), so a function is validated however it is
 * called through farcall, and not when called locally.
 */
import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { DECLARED_ERRORS, ErrorClass } from './declared-errors.js';
import { errorNameOf } from './declared-errors.js';
import { ErrorCode, RemoteError, UsageError } from './errors.js';

/** A schema of an argument list: its input and output are arrays (tuples). */
export type ArgsSchema = StandardSchemaV1<readonly unknown[], readonly unknown[]>;

/** What a function is defined with; every part is optional. */
export interface MethodSchemas {
  /** The schema of the argument list, a tuple schema (`z.tuple([z.number(), z.number()])`). */
  readonly input?: ArgsSchema | undefined;
  /** The schema of the result: checked on the server before it is sent. */
  readonly output?: StandardSchemaV1 | undefined;
  /** The errors it throws, by class (`defineError` makes ones with typed data). */
  readonly errors?: readonly ErrorClass[] | undefined;
}

type Args<I extends ArgsSchema> = Extract<StandardSchemaV1.InferInput<I>, readonly unknown[]>;
type Parsed<I extends ArgsSchema> = Extract<StandardSchemaV1.InferOutput<I>, readonly unknown[]>;

/**
 * A function defined with `method`, as its type says: arguments and result as the schemas
 * take and give them, and the errors it declares (a type-only brand, read by `Remote<T>` and
 * `isRemoteError`).
 */
export type Method<A extends readonly unknown[], R, E extends readonly ErrorClass[]> = ((
  ...args: A
) => Promise<R>) & { readonly [DECLARED_ERRORS]: E };

type Awaitable<T> = T | PromiseLike<T>;

/**
 * Defines a function with schemas. With `input`, every call's arguments are validated on the
 * server first: bad ones are refused with a `RemoteError` named `ValidationError`, code
 * `INVALID_PARAMS`, whose `data` is the list of issues (`{ message, path }`, the path starting
 * with the argument's index), and the function never runs; it receives the schema's output
 * (defaults filled, transforms applied). With `output`, the result is validated before it is
 * sent: a result that does not pass is a bug of the server, answered `INTERNAL`. `errors` lists
 * the errors it may throw, for `$farcall.describe` and the client's `isRemoteError(error,
 * remote.fn, 'Name')`.
 *
 * The function may be a `withContext` or `acceptsKwargs` function (keyword arguments are not
 * validated). Called locally, not through farcall, it runs without validation, as `withContext`
 * leaves out the context. Throws `UsageError` for a schema that is not a Standard Schema.
 */
export function method<
  I extends ArgsSchema,
  O extends StandardSchemaV1,
  const E extends readonly ErrorClass[] = [],
>(
  schemas: { readonly input: I; readonly output: O; readonly errors?: E },
  fn: (...args: Parsed<I>) => Awaitable<StandardSchemaV1.InferInput<O>>,
): Method<Args<I>, StandardSchemaV1.InferOutput<O>, E>;
export function method<I extends ArgsSchema, R, const E extends readonly ErrorClass[] = []>(
  schemas: { readonly input: I; readonly output?: undefined; readonly errors?: E },
  fn: (...args: Parsed<I>) => R,
): Method<Args<I>, Awaited<R>, E>;
export function method<
  A extends unknown[],
  O extends StandardSchemaV1,
  const E extends readonly ErrorClass[] = [],
>(
  schemas: { readonly input?: undefined; readonly output: O; readonly errors?: E },
  fn: (...args: A) => Awaitable<StandardSchemaV1.InferInput<O>>,
): Method<A, StandardSchemaV1.InferOutput<O>, E>;
export function method<A extends unknown[], R, const E extends readonly ErrorClass[] = []>(
  schemas: { readonly input?: undefined; readonly output?: undefined; readonly errors?: E },
  fn: (...args: A) => R,
): Method<A, Awaited<R>, E>;
export function method(schemas: MethodSchemas, fn: (...args: never[]) => unknown): unknown {
  if (typeof fn !== 'function') throw new UsageError('method() needs a function');
  if (typeof schemas !== 'object' || schemas === null) {
    throw new UsageError('method() needs its schemas as an object: { input, output, errors }');
  }
  for (const part of ['input', 'output'] as const) {
    const schema = schemas[part];
    if (schema !== undefined && !isStandardSchema(schema)) {
      throw new UsageError(`method(): ${part} is not a Standard Schema (zod, valibot, arktype…)`);
    }
  }
  const errors = schemas.errors ?? [];
  if (!Array.isArray(errors) || !errors.every((e) => typeof e === 'function')) {
    throw new UsageError('method(): errors must be an array of error classes');
  }
  // A function of its own, so that the same `fn` can be defined twice with other schemas.
  const defined = function (this: unknown, ...args: unknown[]) {
    return (fn as (...a: unknown[]) => unknown).apply(this, args);
  };
  definitions.set(defined, { schemas: { ...schemas, errors }, fn });
  return defined;
}

/** What `method` recorded about a function: its schemas and the function it wraps. */
export interface Definition {
  readonly schemas: MethodSchemas & { readonly errors: readonly ErrorClass[] };
  readonly fn: (...args: never[]) => unknown;
}

const definitions = new WeakMap<object, Definition>();

/** The definition behind a function made by `method`, if it is one. */
export function definitionOf(fn: object): Definition | undefined {
  return definitions.get(fn);
}

function isStandardSchema(value: unknown): value is StandardSchemaV1 {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return false;
  const props = (value as { '~standard'?: { validate?: unknown } })['~standard'];
  return typeof props === 'object' && props !== null && typeof props.validate === 'function';
}

/** One validation problem as it crosses the wire: a message and where, as keys. */
export interface ValidationIssue {
  readonly message: string;
  readonly path: readonly (string | number)[];
}

/** At most this many issues are named in an error's message; `data` has them all. */
const ISSUES_IN_MESSAGE = 5;

/**
 * Runs `call` with the arguments `definition`'s input schema gives for `args`, and checks its
 * result with the output schema: synchronously where the schemas and the function are, else
 * as a promise. `params` names the arguments for messages. Throws (or rejects with) the
 * `ValidationError` described at `method`; lets what `call` throws through.
 */
export function validated(
  definition: Definition,
  method: string,
  params: readonly string[],
  args: unknown[],
  call: (args: unknown[]) => unknown,
): unknown {
  const { input, output } = definition.schemas;
  const run = (parsed: unknown[]) => {
    const result = call(parsed);
    if (!output) return result;
    return then(result, (value) =>
      then(output['~standard'].validate(value), (checked) => resultOf(checked, method)),
    );
  };
  if (!input) return run(args);
  return then(input['~standard'].validate(args), (checked) => {
    if (checked.issues) throw invalidArguments(checked.issues, method, params, args.length);
    if (!Array.isArray(checked.value)) {
      throw new UsageError(`the input schema of '${method}' gave something other than an array`);
    }
    return run(checked.value);
  });
}

/** `f(value)` now for a plain value, after it settles for a promise. */
function then<T>(value: T | PromiseLike<T>, f: (value: T) => unknown): unknown {
  return isThenable(value) ? Promise.resolve(value).then(f) : f(value);
}

function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

function resultOf(checked: StandardSchemaV1.Result<unknown>, method: string): unknown {
  if (!checked.issues) return checked.value;
  const issues = issuesOf(checked.issues);
  throw new RemoteError({
    name: 'ValidationError',
    message: `the result of '${method}' does not match its output schema: ${describeIssues(issues, [])}`,
    code: ErrorCode.INTERNAL,
    data: issues,
  });
}

function invalidArguments(
  raw: readonly StandardSchemaV1.Issue[],
  method: string,
  params: readonly string[],
  count: number,
): RemoteError {
  const issues = issuesOf(raw);
  const signature = `${method}(${params.join(', ')})`;
  const got = `got ${count} argument${count === 1 ? '' : 's'}`;
  return new RemoteError({
    name: 'ValidationError',
    message: `invalid arguments for ${signature}, ${got}: ${describeIssues(issues, params)}`,
    code: ErrorCode.INVALID_PARAMS,
    data: issues,
  });
}

/** The issues as plain data: a message and a path of keys (symbols as their description). */
function issuesOf(raw: readonly StandardSchemaV1.Issue[]): ValidationIssue[] {
  return raw.map((issue) => ({
    message: String(issue.message),
    path: (issue.path ?? []).map((segment) => {
      const key = typeof segment === 'object' && segment !== null ? segment.key : segment;
      return typeof key === 'number' ? key : String(key);
    }),
  }));
}

/** `y: expected number; z.name: required`, the first path key named by its parameter. */
function describeIssues(issues: readonly ValidationIssue[], params: readonly string[]): string {
  const shown = issues.slice(0, ISSUES_IN_MESSAGE).map((issue) => {
    if (issue.path.length === 0) return issue.message;
    const [first, ...rest] = issue.path;
    const head =
      typeof first === 'number' && params[first] !== undefined ? params[first] : `[${first}]`;
    return `${[head, ...rest].join('.')}: ${issue.message}`;
  });
  const more = issues.length - shown.length;
  return shown.join('; ') + (more > 0 ? `; and ${more} more` : '');
}

/** JSON Schema of a Standard Schema where its library gives one (draft 2020-12), else undefined. */
export function jsonSchemaOf(
  schema: StandardSchemaV1,
  which: 'input' | 'output',
): Record<string, unknown> | undefined {
  try {
    const props = schema['~standard'] as {
      jsonSchema?: { input?: unknown; output?: unknown };
    };
    const convert = props.jsonSchema?.[which];
    if (typeof convert === 'function') {
      return convert.call(props.jsonSchema, { target: 'draft-2020-12' }) as Record<string, unknown>;
    }
    // arktype's own method, for versions before the Standard JSON Schema interface.
    const own = (schema as { toJsonSchema?: unknown }).toJsonSchema;
    if (typeof own === 'function') return own.call(schema) as Record<string, unknown>;
  } catch {
    // A schema with parts JSON Schema cannot say (a bigint, a Date) has none.
  }
  return undefined;
}

/** What `$farcall.describe` says of one declared error. */
export interface ErrorInfo {
  readonly name: string;
  /** JSON Schema of its `data`, where it has a data schema and its library gives one. */
  readonly data?: Record<string, unknown>;
}

export function errorInfo(kind: ErrorClass): ErrorInfo {
  const name = errorNameOf(kind);
  const schema = (kind as { dataSchema?: StandardSchemaV1 }).dataSchema;
  const data = schema && isStandardSchema(schema) ? jsonSchemaOf(schema, 'input') : undefined;
  return data ? { name, data } : { name };
}
