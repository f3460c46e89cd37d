/**
 * XML-RPC against CPython's own `xmlrpc.client` and `xmlrpc.server`, both ways, on 127.0.0.1:
 * every type (int, i8, boolean, string, double, dateTime.iso8601, base64, array, struct, nil),
 * faults with the class name, `allow_none`, multicall, and the introspection methods.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  close,
  connect,
  ErrorCode,
  invoke,
  notify,
  ProtocolError,
  RemoteError,
  type Server,
  serve,
} from '../../src/index.js';
import { describeWithPython, pythonCommand } from '../helpers/python.js';
import { type PythonPeer, runPython, startPython } from '../python/support.js';

const DATE = new Date(Date.UTC(1998, 6, 17, 14, 8, 55));
const PY_DATE = 'datetime.datetime(1998, 7, 17, 14, 8, 55)';

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'Array';
  if (value instanceof Date) return 'Date';
  if (value instanceof Uint8Array) return 'Uint8Array';
  return typeof value === 'object' ? 'Object' : typeof value;
}

describeWithPython('a Python xmlrpc.client calling a farcall server', () => {
  let server: Server;
  let out: Record<string, unknown>;
  beforeAll(async () => {
    server = await serve(
      {
        echo: (value: unknown) => value,
        kind: kindOf,
        values: () => [
          7,
          2 ** 40,
          2n ** 62n,
          1.5,
          true,
          'héllo',
          null,
          DATE,
          new Uint8Array([0, 255]),
          [1, 'x'],
          { k: 'v' },
          Number.NEGATIVE_INFINITY,
        ],
        add: (x: number, y: number) => x + y,
        fail: () => {
          throw new TypeError('unsupported operand');
        },
      },
      { listen: 'http://127.0.0.1:0/RPC2', protocol: 'xmlrpc', logger: false },
    );
    [out] = await runPython(pythonCommand(), 'peers/xmlrpc_client.py', { url: server.url }, 1);
  });
  afterAll(() => server.close());

  it('gets back every type it sends, as the type it sent, and JavaScript sees its own types', () => {
    const seen = (type: string, repr: string, js: string) => ({ back: { type, repr }, js });
    expect(out.echo).toStrictEqual([
      { sent: '7', ...seen('int', '7', 'number') },
      { sent: '-7', ...seen('int', '-7', 'number') },
      { sent: '1099511627776', ...seen('int', '1099511627776', 'number') },
      { sent: '-4611686018427387904', ...seen('int', '-4611686018427387904', 'bigint') },
      { sent: 'True', ...seen('bool', 'True', 'boolean') },
      { sent: 'False', ...seen('bool', 'False', 'boolean') },
      { sent: '1.5', ...seen('float', '1.5', 'number') },
      { sent: 'inf', ...seen('float', 'inf', 'number') },
      { sent: "'héllo ✓ <&>'", ...seen('str', "'héllo ✓ <&>'", 'string') },
      { sent: "''", ...seen('str', "''", 'string') },
      { sent: 'None', ...seen('NoneType', 'None', 'null') },
      { sent: PY_DATE, ...seen('datetime', PY_DATE, 'Date') },
      { sent: "b'\\x00\\xff'", ...seen('bytes', "b'\\x00\\xff'", 'Uint8Array') },
      { sent: "[1, 'x', [None]]", ...seen('list', "[1, 'x', [None]]", 'Array') },
      {
        sent: "{'k': [None, False], 'n': {'deep': 1}}",
        ...seen('dict', "{'k': [None, False], 'n': {'deep': 1}}", 'Object'),
      },
    ]);
  });

  it('reads every type farcall writes', () => {
    expect(out.values).toStrictEqual([
      { type: 'int', repr: '7' },
      { type: 'int', repr: '1099511627776' },
      { type: 'int', repr: '4611686018427387904' },
      { type: 'float', repr: '1.5' },
      { type: 'bool', repr: 'True' },
      { type: 'str', repr: "'héllo'" },
      { type: 'NoneType', repr: 'None' },
      { type: 'datetime', repr: PY_DATE },
      { type: 'bytes', repr: "b'\\x00\\xff'" },
      { type: 'list', repr: "[1, 'x']" },
      { type: 'dict', repr: "{'k': 'v'}" },
      { type: 'float', repr: '-inf' },
    ]);
    expect(out.add).toBe(5);
  });

  it("sees the JavaScript error's class in its Fault", () => {
    expect(out.fault).toStrictEqual({ code: -32500, string: 'TypeError: unsupported operand' });
    expect(out.missing).toStrictEqual({
      code: -32601,
      string: "MethodNotFoundError: no method named 'nosuch'",
    });
  });

  it('reads nil without allow_none, which only stops Python from sending None', () => {
    expect(out.strict_send).toBe('cannot marshal None unless allow_none is enabled');
    expect(out.strict_receive).toStrictEqual([
      { type: 'list', repr: '[1, 2]' },
      { type: 'NoneType', repr: 'None' },
    ]);
  });

  it('gets the answers of a multicall in order, a fault in its place', () => {
    expect(out.multicall).toStrictEqual([
      3,
      { code: -32500, string: 'TypeError: unsupported operand' },
      'z',
    ]);
  });

  it('lists, describes and signs the methods', () => {
    expect(out.listMethods).toStrictEqual([
      'add',
      'echo',
      'fail',
      'kind',
      'system.listMethods',
      'system.methodHelp',
      'system.methodSignature',
      'system.multicall',
      'values',
    ]);
    expect(out.methodHelp).toBe('add(x, y)');
    expect(out.methodSignature).toBe('signatures not supported');
    expect(out.helpMissing).toStrictEqual({
      code: -32601,
      string: "MethodNotFoundError: no method named 'nosuch'",
    });
  });
});

interface PyApi {
  echo(value: unknown): unknown;
  py_type(value: unknown): [string, string];
  add(x: number, y: number): number;
  fail_value(message: string): never;
}

describeWithPython('a farcall client calling a Python SimpleXMLRPCServer', () => {
  let peer: PythonPeer;
  let strictPeer: PythonPeer;
  let remote: Awaited<ReturnType<typeof connect<PyApi>>>;
  let strict: Awaited<ReturnType<typeof connect<PyApi>>>;
  beforeAll(async () => {
    peer = startPython(pythonCommand(), 'peers/xmlrpc_server.py', { allow_none: true });
    strictPeer = startPython(pythonCommand(), 'peers/xmlrpc_server.py', { allow_none: false });
    const url = async (p: PythonPeer) =>
      `http://127.0.0.1:${(await p.next<{ port: number }>()).port}/RPC2`;
    const options = { protocol: 'xmlrpc' as const, logger: false as const, timeout: 10_000 };
    remote = await connect<PyApi>(await url(peer), options);
    strict = await connect<PyApi>(await url(strictPeer), options);
  });
  afterAll(async () => {
    await close(remote);
    await close(strict);
    peer.kill();
    strictPeer.kill();
  });

  it.each([
    [7, 'int', '7', 7],
    [2 ** 40, 'int', '1099511627776', 2 ** 40],
    [2n ** 62n, 'int', '4611686018427387904', 2n ** 62n],
    [-1.5, 'float', '-1.5', -1.5],
    [Number.NaN, 'float', 'nan', Number.NaN],
    [true, 'bool', 'True', true],
    // Python writes a carriage return as it is, and XML reads a line end as \n (so does Python).
    ['héllo ✓ <&>\r\n', 'str', "'héllo ✓ <&>\\r\\n'", 'héllo ✓ <&>\n'],
    ['', 'str', "''", ''],
    [null, 'NoneType', 'None', null],
    [DATE, 'datetime', PY_DATE, DATE],
    [new Uint8Array([0, 255]), 'bytes', "b'\\x00\\xff'", new Uint8Array([0, 255])],
    [[1, ['x']], 'list', "[1, ['x']]", [1, ['x']]],
    [
      { k: null, n: { deep: true } },
      'dict',
      "{'k': None, 'n': {'deep': True}}",
      { k: null, n: { deep: true } },
    ],
  ])('%o reaches Python as its %s and comes back', async (value, type, repr, back) => {
    expect(await remote.py_type(value)).toStrictEqual([type, repr]);
    expect(await remote.echo(value)).toStrictEqual(back);
  });

  it("reads a Python exception's class from its Fault", async () => {
    const error = (await remote.fail_value('bad value').catch((e: unknown) => e)) as RemoteError;
    expect(error).toBeInstanceOf(RemoteError);
    expect(error).toMatchObject({
      name: 'ValueError',
      message: 'bad value',
      code: ErrorCode.APPLICATION_ERROR,
      faultCode: 1,
      method: 'fail_value',
    });
  });

  it('reads an unknown method as the fault Python sends for it', async () => {
    const error = (await invoke(remote, 'nosuch').catch((e: unknown) => e)) as RemoteError;
    expect(error).toMatchObject({
      name: 'Exception',
      message: 'method "nosuch" is not supported',
    });
  });

  it('gets the fault of a server without allow_none that is asked to return None', async () => {
    const error = (await strict.echo(null).catch((e: unknown) => e)) as RemoteError;
    expect(error).toBeInstanceOf(RemoteError);
    expect(error.name).toBe('TypeError');
    expect(error.message).toContain('allow_none');
    expect(await strict.add(2, 3)).toBe(5);
  });

  it("calls Python's introspection and multicall functions", async () => {
    expect(await invoke(remote, 'system.listMethods')).toStrictEqual([
      'add',
      'echo',
      'fail_value',
      'py_type',
      'system.listMethods',
      'system.methodHelp',
      'system.methodSignature',
      'system.multicall',
    ]);
    expect(await invoke(remote, 'system.methodHelp', ['echo'])).toBe('Returns its argument.');
    expect(await invoke(remote, 'system.methodSignature', ['echo'])).toBe(
      'signatures not supported',
    );
    expect(
      await invoke(remote, 'system.multicall', [
        [
          { methodName: 'add', params: [1, 2] },
          { methodName: 'fail_value', params: ['x'] },
        ],
      ]),
    ).toStrictEqual([[3], { faultCode: 1, faultString: "<class 'ValueError'>:x" }]);
  });

  it('refuses a notification locally, with ProtocolError', () => {
    expect(() => notify(remote, 'echo', 1)).toThrow(ProtocolError);
  });
});
