/**
 * Errors a function declares (`method({ errors: [NotFoundError] }, fn)`), and the type guard
 * that narrows a `RemoteError` to one of them on the client. An error crosses the wire as its
 * name, message, `data` and fields (src/wire-error.ts); the guard matches the name, and the
 * data against the error's schema where it has one, so the type it gives is checked, not
 * assumed.
 */
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { RemoteError, UsageError } from './errors.js';
import { proxyState } from './proxy.js';

/**
 * Type-only brand that carries a method's declared errors from `method()` to the client's
 * remote type; no value has it at run time.
 */
export declare const DECLARED_ERRORS: unique symbol;

/** Any error class: what `errors` lists and `isRemoteError` takes. */
export type ErrorClass = abstract new (...args: never[]) => Error;

/** The class `defineError` makes: an `Error` with a fixed `name` and typed `data`. */
export interface DefinedError<N extends string, D> {
  new (
    message: string,
    ...data: undefined extends D
      ? [data?: D, options?: ErrorOptions]
      : [data: D, options?: ErrorOptions]
  ): Error & { readonly name: N; readonly data: D };
  /** The name the error has on the wire. */
  readonly errorName: N;
  /** The schema of its `data`, checked by `isRemoteError` on the client. */
  readonly dataSchema: StandardSchemaV1 | undefined;
  readonly prototype: Error & { readonly name: N; readonly data: D };
}

/**
 * Makes an error class with a fixed name (a string literal, so a client can narrow on it) and,
 * optionally, a Standard Schema for its `data`: `const OutOfStock = defineError('OutOfStock',
 * z.object({ sku: z.string() }))`, thrown as `throw new OutOfStock('sold out', { sku })`. The
 * data is not checked when thrown; `isRemoteError(error, OutOfStock)` checks it on arrival.
 * Subclass it freely: `class OutOfStock extends defineError('OutOfStock', schema) {}`.
 */
export function defineError<const N extends string>(name: N): DefinedError<N, undefined>;
export function defineError<const N extends string, S extends StandardSchemaV1>(
  name: N,
  data: S,
): DefinedError<N, StandardSchemaV1.InferInput<S>>;
export function defineError(name: string, data?: StandardSchemaV1): unknown {
  if (typeof name !== 'string' || name === '') {
    throw new UsageError('defineError needs a non-empty name');
  }
  const Defined = class extends Error {
    constructor(message: string, value?: unknown, options?: ErrorOptions) {
      super(message, options);
      if (value !== undefined) {
        Object.defineProperty(this, 'data', {
          value,
          enumerable: false,
          writable: true,
          configurable: true,
        });
      }
    }
  };
  // `name` on the prototype is what the wire sends (src/wire-error.ts `nameOf`).
  Object.defineProperty(Defined.prototype, 'name', { value: name, configurable: true });
  Object.defineProperty(Defined, 'name', { value: name, configurable: true });
  Object.defineProperty(Defined, 'errorName', { value: name, enumerable: true });
  Object.defineProperty(Defined, 'dataSchema', { value: data, enumerable: true });
  return Defined;
}

/** The name an error of class `C` has on the wire: its `errorName`, else the class's name. */
export function errorNameOf(kind: ErrorClass): string {
  const declared = (kind as { errorName?: unknown }).errorName;
  return typeof declared === 'string' ? declared : kind.name;
}

/** The data schema of a class made by `defineError`, if it has one. */
function dataSchemaOf(kind: ErrorClass): StandardSchemaV1 | undefined {
  const schema = (kind as { dataSchema?: unknown }).dataSchema;
  return typeof schema === 'object' && schema !== null && '~standard' in schema
    ? (schema as StandardSchemaV1)
    : undefined;
}

type AnyFunction = (...args: never[]) => unknown;

/** The own data properties of an instance, which travel as the remote error's fields. */
type FieldsOf<T> = {
  readonly [K in keyof T as K extends keyof Error | 'data' | 'code'
    ? never
    : T[K] extends AnyFunction
      ? never
      : K]: T[K];
};

type NameOf<C extends ErrorClass> = C extends { readonly errorName: infer N extends string }
  ? N
  : InstanceType<C>['name'];

/**
 * What `data` holds: the declared data; or, for an error with a string `code` (Node's style),
 * `{ code }`, which is how the wire carries it; else unknown.
 */
type DataOf<C extends ErrorClass> = C extends { readonly errorName: string }
  ? InstanceType<C> extends { readonly data: infer D }
    ? D
    : unknown
  : InstanceType<C> extends { readonly data: infer D }
    ? D
    : InstanceType<C> extends { readonly code: infer K extends string | number }
      ? { readonly code: K }
      : unknown;

/**
 * A `RemoteError` that arrived for an error of class `C` (each class of a union in turn): its
 * name, data and fields typed.
 */
export type RemoteErrorOf<C extends ErrorClass> = C extends ErrorClass
  ? RemoteError & {
      readonly name: NameOf<C>;
      readonly data: DataOf<C>;
    } & FieldsOf<InstanceType<C>>
  : never;

/** The errors a remote function declares (`method({ errors })`), as a union of their classes. */
export type DeclaredErrors<F> = F extends {
  readonly [DECLARED_ERRORS]: infer E extends readonly ErrorClass[];
}
  ? E[number]
  : never;

/** The classes of `E` whose name is the literal `N`. */
type Named<E, N extends string> = E extends ErrorClass
  ? string extends NameOf<E>
    ? never
    : N extends NameOf<E>
      ? E
      : never
  : never;

/**
 * The declared error classes of `F` whose wire name is `N`: those with that literal name, or,
 * when none has it, those whose name TypeScript knows only as a string (a plain class: give it
 * `override name = 'NotFoundError' as const`, or use `defineError`, for an exact match).
 */
type ByName<E, N extends string> = [Named<E, N>] extends [never]
  ? E extends ErrorClass
    ? string extends NameOf<E>
      ? E
      : never
    : never
  : Named<E, N>;

/** The names of the errors `F` declares. */
export type DeclaredErrorName<F> = NameOf<DeclaredErrors<F>> & string;

/**
 * True when `error` is a `RemoteError`; with a class, one whose name is the class's (its
 * `errorName`, else the class name) and, for a class made by `defineError` with a data schema,
 * whose `data` passes that schema; with a remote function and a name, one that a call of that
 * very function got, with a name the function declares, typed from the declaration (so a client
 * that imports only the api's type can narrow). The fields of the narrowed type are those the
 * class declares, as the server sent them.
 *
 * Throws `UsageError` when the class's data schema validates asynchronously (a type guard
 * cannot wait), or when `fn` is not a remote function.
 */
export function isRemoteError(error: unknown): error is RemoteError;
export function isRemoteError<C extends ErrorClass>(
  error: unknown,
  kind: C,
): error is RemoteErrorOf<C>;
export function isRemoteError<F extends AnyFunction, const N extends DeclaredErrorName<F>>(
  error: unknown,
  fn: F,
  name: N,
): error is RemoteErrorOf<ByName<DeclaredErrors<F>, N>>;
export function isRemoteError(error: unknown, kind?: unknown, name?: string): boolean {
  if (!(error instanceof RemoteError)) return false;
  if (kind === undefined) return true;
  if (name !== undefined) {
    // A remote function: the error must answer a call of it, with that name.
    return error.method === proxyState(kind).path && error.name === name;
  }
  const type = kind as ErrorClass;
  if (error.name !== errorNameOf(type)) return false;
  const schema = dataSchemaOf(type);
  if (!schema) return true;
  const result = schema['~standard'].validate(error.data);
  if (typeof (result as { then?: unknown }).then === 'function') {
    throw new UsageError(
      `the data schema of ${errorNameOf(type)} validates asynchronously; isRemoteError needs a synchronous one`,
    );
  }
  return !(result as StandardSchemaV1.Result<unknown>).issues;
}
