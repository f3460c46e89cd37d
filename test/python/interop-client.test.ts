import { afterAll, beforeAll, expect, it } from 'vitest';
import { PyByteArray, PyDecimal, PyFrozenSet } from '../../src/codec/pickle/index.js';
import {
  AuthenticationError,
  ConnectionClosedError,
  callWithKwargs,
  close,
  connect,
  ErrorCode,
  RemoteError,
} from '../../src/index.js';
import { describeWithPython, pythonCommand } from '../helpers/python.js';
import { type PythonPeer, socketDir, startPython } from './support.js';

/**
 * farcall `connect(url, { protocol: 'python' })` calling recipe-style Python servers
 * (peers/rpc_server.py, one Listener per message form, all in one Python process).
 */

const KEY = 'recipe key';
const FORMS = ['pickle', 'single', 'json'] as const;
type Form = (typeof FORMS)[number];

interface PyApi {
  add(x: unknown, y: unknown): number;
  echo(value: unknown): unknown;
  py_type(value: unknown): [string, string];
  table(): unknown[];
  fail_value(message: string): never;
  fail_many(): never;
  fail_key(): never;
  fail_os(): never;
  kw(a: unknown): unknown;
  nope(): never;
}

const tuple = (...items: unknown[]) => Object.freeze(items);
const big = 2n ** 70n;

/** JS values sent to Python, with the type and repr Python must see. */
const VALUES: [unknown, string, string][] = [
  [1, 'int', '1'],
  [-7, 'int', '-7'],
  [1.5, 'float', '1.5'],
  [Number.NaN, 'float', 'nan'],
  [Number.NEGATIVE_INFINITY, 'float', '-inf'],
  [big, 'int', '1180591620717411303424'],
  [-big, 'int', '-1180591620717411303424'],
  ['héllo ✓', 'str', "'héllo ✓'"],
  ['', 'str', "''"],
  [new Uint8Array([0, 255]), 'bytes', "b'\\x00\\xff'"],
  [PyByteArray.from([1]), 'bytearray', "bytearray(b'\\x01')"],
  [tuple(1, 'a'), 'tuple', "(1, 'a')"],
  [tuple(), 'tuple', '()'],
  [[1, [2, tuple(3)]], 'list', '[1, [2, (3,)]]'],
  [{ k: null, n: [true] }, 'dict', "{'k': None, 'n': [True]}"],
  [new Map([[1, 'one']]), 'dict', "{1: 'one'}"],
  [new Set([1]), 'set', '{1}'],
  [new PyFrozenSet([2]), 'frozenset', 'frozenset({2})'],
  [new PyDecimal('1.10'), 'Decimal', "Decimal('1.10')"],
  [null, 'NoneType', 'None'],
  [true, 'bool', 'True'],
];
/** The JSON form carries only these. */
const JSON_VALUES: [unknown, string, string][] = [
  [1, 'int', '1'],
  [1.5, 'float', '1.5'],
  [big, 'int', '1180591620717411303424'],
  [Number.POSITIVE_INFINITY, 'float', 'inf'],
  ['héllo ✓', 'str', "'héllo ✓'"],
  [[1, ['x']], 'list', "[1, ['x']]"],
  [{ k: null }, 'dict', "{'k': None}"],
  [null, 'NoneType', 'None'],
  [false, 'bool', 'False'],
];

function kind(value: unknown): string {
  if (Array.isArray(value)) return Object.isFrozen(value) ? 'tuple' : 'array';
  if (value !== null && typeof value === 'object') return value.constructor?.name ?? 'object';
  return typeof value;
}

describeWithPython('farcall connect to recipe-style Python servers', () => {
  let python: PythonPeer;
  let addresses: Record<Form, number>;
  let unix: Record<Form, string>;
  const sockets = socketDir();
  const open = (form: Form, key: string | null = KEY) =>
    connect<PyApi>(`tcp://127.0.0.1:${addresses[form]}`, {
      protocol: 'python',
      authkey: key ?? undefined,
      python: { form },
      logger: false,
    });

  beforeAll(async () => {
    python = startPython(pythonCommand(), 'peers/rpc_server.py', {
      authkey: Buffer.from(KEY).toString('hex'),
      unix: sockets.dir,
    });
    ({ addresses, unix } = await python.next<{
      addresses: Record<Form, number>;
      unix: Record<Form, string>;
    }>());
  });
  afterAll(() => {
    python?.kill();
    sockets.remove();
  });

  for (const form of FORMS) {
    it(`${form}: calls, pipelined calls and kwargs`, async () => {
      const remote = await open(form);
      try {
        expect(await remote.add(2, 3)).toBe(5);
        const sums = await Promise.all(Array.from({ length: 20 }, (_, i) => remote.add(i, 100)));
        expect(sums).toEqual(Array.from({ length: 20 }, (_, i) => i + 100));
        expect(await callWithKwargs(remote, 'kw', [1], { b: 5, c: 6 })).toEqual({
          a: 1,
          b: 5,
          extra: { c: 6 },
        });
        expect(await remote.kw(1)).toEqual({ a: 1, b: 2, extra: {} });
      } finally {
        await close(remote);
      }
    });

    it(`${form}: the value table arrives in Python with the right types and comes back equal`, async () => {
      const remote = await open(form);
      try {
        for (const [value, type, repr] of form === 'json' ? JSON_VALUES : VALUES) {
          expect(await remote.py_type(value), repr).toEqual([type, repr]);
          const back = await remote.echo(value);
          expect(back, repr).toEqual(value);
          expect(kind(back), repr).toBe(kind(value));
        }
      } finally {
        await close(remote);
      }
    });
  }

  it('decodes values built in Python to their JS counterparts', async () => {
    const remote = await open('pickle');
    try {
      const values = await remote.table();
      const expected = [
        ...[1, -7, big, 1.5, Number.POSITIVE_INFINITY, 'héllo', new Uint8Array([0, 255])],
        ...[
          PyByteArray.from([97, 98]),
          tuple(1, 'a'),
          [1, 2],
          { k: [null, true] },
          new Set([1, 2]),
        ],
        ...[new PyFrozenSet([3]), new PyDecimal('1.10'), null, tuple(), new Map([[1, 'one']])],
      ];
      expect(values).toEqual(expected);
      expect(values.map(kind)).toEqual(expected.map(kind));
    } finally {
      await close(remote);
    }
  });

  for (const form of ['pickle', 'single'] as const) {
    it(`${form}: Python exceptions reject with RemoteError named after the class`, async () => {
      const remote = await open(form);
      const failure = (promise: Promise<unknown>) =>
        promise.then(
          () => undefined,
          (e: unknown) => e,
        );
      try {
        const value = await failure(remote.fail_value('bad'));
        expect(value).toBeInstanceOf(RemoteError);
        expect(value).toMatchObject({
          name: 'ValueError',
          message: 'bad',
          code: ErrorCode.APPLICATION_ERROR,
          data: { args: ['bad'] },
        });
        expect(await failure(remote.fail_many())).toMatchObject({
          name: 'ValueError',
          message: "('several', 2)",
        });
        expect(await failure(remote.fail_key())).toMatchObject({
          name: 'KeyError',
          message: "'missing'",
        });
        expect(await failure(remote.fail_os())).toMatchObject({
          name: 'FileNotFoundError',
          message: "[Errno 2] No such file or directory: 'x.txt'",
        });
        expect(await failure(remote.nope())).toMatchObject({ name: 'KeyError', message: "'nope'" });
        expect(await remote.add(1, 1)).toBe(2);
      } finally {
        await close(remote);
      }
    });
  }

  it('json: errors come back as str(e), like the recipe JSON client', async () => {
    const remote = await open('json');
    try {
      expect(await remote.fail_value('bad')).toBe('bad');
      expect(await remote.fail_key()).toBe("'missing'");
    } finally {
      await close(remote);
    }
  });

  it('reaches the servers over Unix sockets too', async () => {
    const remote = await connect<PyApi>(`unix:${unix.single}`, {
      protocol: 'python',
      authkey: KEY,
      python: { form: 'single' },
      logger: false,
    });
    expect(await remote.add('a', 'b')).toBe('ab');
    await close(remote);
  });

  it('a wrong key fails on both sides', async () => {
    await expect(open('pickle', 'wrong key')).rejects.toBeInstanceOf(AuthenticationError);
    expect(await python.next()).toEqual({ auth_error: 'pickle', type: 'AuthenticationError' });
  });

  it('no key against a keyed server: the call fails, blaming the missing authkey', async () => {
    const remote = await open('single', null);
    const error = await remote.add(1, 2).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConnectionClosedError);
    expect((error as Error).cause).toBeInstanceOf(AuthenticationError);
    expect(await python.next()).toEqual({ auth_error: 'single', type: 'AuthenticationError' });
  });
});
