import { afterAll, beforeAll, expect, it } from 'vitest';
import { acceptsKwargs, type Server, serve } from '../../src/index.js';
import { describeWithPython, pythonCommand } from '../helpers/python.js';
import { runPython, socketDir } from './support.js';

/**
 * A farcall server with `protocol: 'python'` called by recipe-style Python clients
 * (peers/rpc_client.py) in all three message forms, over TCP and a Unix socket. All runs go
 * through one Python process; each test checks its part of the output.
 */

const KEY = 'recipe key';
const hex = (key: string) => Buffer.from(key).toString('hex');
const FORMS = ['pickle', 'single', 'json'] as const;
const SUITES = ['basic', 'values', 'types', 'errors', 'kwargs'] as const;

/** What kind of JS value a call received: the test compares these with the Python values sent. */
function jsType(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return Object.isFrozen(value) ? 'tuple' : 'array';
  if (typeof value === 'object') return value.constructor?.name ?? 'object';
  return typeof value;
}

function throwNamed(name: string, message: string): never {
  const error = new Error(message);
  error.name = name;
  throw error;
}

const api = {
  add: (x: number, y: number) => x + y,
  echo: (value: unknown) => value,
  js_type: jsType,
  throw_type: (message: string) => {
    throw new TypeError(message);
  },
  throw_range: (message: string) => {
    throw new RangeError(message);
  },
  throw_reference: (message: string) => {
    throw new ReferenceError(message);
  },
  throw_plain: (message: string) => {
    throw new Error(message);
  },
  throw_named: throwNamed,
  kw: acceptsKwargs((...all: unknown[]) => {
    const last = all.at(-1);
    const kwargs = jsType(last) === 'Object' ? all.pop() : {};
    return { args: all, kwargs };
  }),
};

describeWithPython('farcall serve with recipe-style Python clients', () => {
  let server: Server;
  const sockets = socketDir();
  const results = new Map<string, Record<string, unknown>>();

  beforeAll(async () => {
    server = await serve(api, {
      protocol: 'python',
      listen: ['tcp://127.0.0.1:0', `unix:${sockets.dir}/farcall.sock`],
      authkey: KEY,
      logger: false,
    });
    const port = Number(new URL(server.urls[0]!).port);
    const path = server.urls[1]!.slice('unix:'.length);
    const runs: { key: string; spec: Record<string, unknown> }[] = [];
    const add = (key: string, spec: Record<string, unknown>) => runs.push({ key, spec });
    for (const form of FORMS) {
      for (const suite of SUITES)
        add(`${form}:${suite}`, { address: port, authkey: hex(KEY), form, suite });
    }
    add('unix', { address: path, authkey: hex(KEY), form: 'pickle', suite: 'basic' });
    add('wrong key', { address: port, authkey: hex('wrong'), suite: 'auth' });
    add('many', { address: port, authkey: hex(KEY), form: 'single', suite: 'many' });
    const out = await runPython(
      pythonCommand(),
      'peers/rpc_client.py',
      runs.map((r) => r.spec),
      runs.length,
    );
    for (const [i, run] of runs.entries()) results.set(run.key, out[i]!);
  }, 60_000);

  afterAll(async () => {
    await server?.close(0);
    sockets.remove();
  });

  it('answers calls in every form, over TCP and Unix sockets', () => {
    for (const form of FORMS)
      expect(results.get(`${form}:basic`), form).toEqual({ add: 5, concat: 'ab' });
    expect(results.get('unix')).toEqual({ add: 5, concat: 'ab' });
  });

  it('round-trips the value table exactly, type included', () => {
    for (const form of FORMS)
      expect(results.get(`${form}:values`), form).toEqual({ mismatches: [] });
  });

  it('hands JS functions the JS counterpart of each Python type', () => {
    const pickled = [
      ...['number', 'number', 'number', 'bigint', 'bigint', 'bigint', 'number', 'number', 'number'],
      ...['string', 'string', 'Uint8Array', 'Uint8Array', 'PyByteArray', 'tuple', 'tuple', 'tuple'],
      ...['array', 'Object', 'Object', 'Map', 'Set', 'Set', 'PyFrozenSet', 'PyDecimal', 'null'],
      ...['boolean', 'boolean'],
    ];
    expect(results.get('pickle:types')).toEqual({ types: pickled });
    expect(results.get('single:types')).toEqual({ types: pickled });
    const json = ['number', 'number', 'bigint', 'number', 'number', 'string', 'string', 'array'];
    expect(results.get('json:types')).toEqual({
      types: [...json, 'Object', 'Object', 'null', 'boolean'],
    });
  });

  it('raises the mapped Python exception in the recipe proxy, and the connection lives on', () => {
    const raised = (type: string, str: string) =>
      expect.objectContaining({ type, module: 'builtins', str });
    for (const form of ['pickle', 'single']) {
      expect(results.get(`${form}:errors`), form).toEqual({
        type: raised('TypeError', 'bad type'),
        range: raised('ValueError', 'too big'),
        reference: raised('NameError', 'x is not defined'),
        plain: raised('Exception', 'Error: boom'),
        named: raised('ZeroDivisionError', 'by zero'),
        exit: raised('Exception', 'SystemExit: no'),
        missing: raised('KeyError', "'no_such_function'"),
        kwargs: raised('TypeError', 'add() got unexpected keyword arguments: z'),
        after: 2,
      });
    }
  });

  it('answers errors as str(e) in the JSON form, which the JSON client returns', () => {
    expect(results.get('json:errors')).toMatchObject({
      type: { returned: 'bad type' },
      plain: { returned: 'Error: boom' },
      missing: { returned: "'no_such_function'" },
      after: 2,
    });
  });

  it('passes kwargs to functions registered with acceptsKwargs', () => {
    for (const form of FORMS) {
      expect(results.get(`${form}:kwargs`), form).toEqual({
        both: { args: [1, 'two'], kwargs: { b: 2, c: [3] } },
        none: { args: [1], kwargs: {} },
      });
    }
  });

  it('refuses a wrong key: the Python client gets multiprocessing.AuthenticationError', () => {
    expect(results.get('wrong key')).toEqual({
      refused: expect.objectContaining({
        type: 'AuthenticationError',
        module: 'multiprocessing.context',
      }),
    });
  });

  it('serves 20 Python clients at once', () => {
    expect(results.get('many')).toEqual({ clients: 20, all_ok: true });
  });
});
