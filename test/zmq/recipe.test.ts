/**
 * The Cookbook recipe over ZeroMQ, as its text says ("replace the connection objects with an
 * appropriate ZeroMQ socket object"), against real pyzmq peers written in the recipe's style:
 * a farcall client calls a Python REP socket running `RPCHandler`, and Python REQ sockets
 * running `RPCProxy` call farcall servers, directly and through a device. One pickled
 * `(name, args, kwargs)` per message, one pickled answer; no handshake, no authkey.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  acceptsKwargs,
  callWithKwargs,
  close,
  connect,
  RemoteError,
  type Server,
  serve,
} from '../../src/index.js';
import { device } from '../../src/zeromq.js';
import { describeWithPyzmq, pyzmqCommand } from '../helpers/pyzmq.js';
import { type PythonPeer, runPython, startPython } from '../python/support.js';

const PEERS = '../python/peers/';

describeWithPyzmq('a farcall client calling the recipe’s RPCHandler on a REP socket', () => {
  let peer: PythonPeer;
  let url: string;
  type PyApi = {
    add(x: unknown, y: unknown): unknown;
    echo(value: unknown): unknown;
    py_type(value: unknown): [string, string];
    table(): unknown[];
    fail_value(message: string): never;
  };

  beforeAll(async () => {
    peer = startPython(pyzmqCommand(), `${PEERS}zmq_rpc_server.py`, {});
    const { port } = await peer.next<{ port: number }>();
    url = `zmq+tcp://127.0.0.1:${port}`;
  });
  afterAll(() => peer.kill());

  it('calls, with values both ways in Python’s types', async () => {
    const remote = await connect<PyApi>(url, { protocol: 'python', logger: false, timeout: 5000 });
    try {
      expect(await remote.add(2, 3)).toBe(5);
      expect(await remote.add('far', 'call')).toBe('farcall');
      expect(await remote.py_type(1.5)).toEqual(['float', '1.5']);
      expect(await remote.py_type(7)).toEqual(['int', '7']);
      expect(await remote.py_type(new Uint8Array([0, 255]))).toEqual(['bytes', "b'\\x00\\xff'"]);
      expect(await remote.py_type(new Set([1]))).toEqual(['set', '{1}']);
      expect(await remote.py_type([1, 'a'])).toEqual(['list', "[1, 'a']"]);
      for (const value of [0, -7, 2 ** 40, 'héllo ✓', null, true, [1, [2]], { k: [null] }]) {
        expect(await remote.echo(value)).toStrictEqual(value);
      }
      const table = await remote.table();
      expect(table.slice(0, 5)).toEqual([1, -7, 2n ** 70n, 1.5, 'héllo']);
      expect(table[5]).toEqual(new Uint8Array([0, 255]));
      expect(table[9]).toEqual(new Set([1, 2]));
    } finally {
      await close(remote);
    }
  });

  it('gets Python’s exceptions as RemoteError, keyword arguments, and calls in flight in order', async () => {
    const remote = await connect<PyApi>(url, { protocol: 'python', logger: false, timeout: 5000 });
    try {
      const error = await remote.fail_value('no good').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RemoteError);
      expect(error).toMatchObject({ name: 'ValueError', message: 'no good' });
      const missing = await (remote as unknown as { nosuch(): Promise<unknown> })
        .nosuch()
        .catch((e: unknown) => e);
      expect(missing).toMatchObject({ name: 'KeyError' });
      expect(await callWithKwargs(remote, 'kw', [1], { b: 'two', c: [3] })).toEqual({
        a: 1,
        b: 'two',
        extra: { c: [3] },
      });
      // The REP socket answers one at a time, in order: a DEALER may still have many in flight.
      const sums = await Promise.all(Array.from({ length: 25 }, (_, i) => remote.add(i, i)));
      expect(sums).toEqual(Array.from({ length: 25 }, (_, i) => 2 * i));
    } finally {
      await close(remote);
    }
    // Clients come and go: none sends the REP socket a goodbye (libzmq's REP can lose the next
    // client's request to a message without a delimiter), so each next one is served.
    for (let i = 0; i < 20; i++) {
      const next = await connect<PyApi>(url, { protocol: 'python', logger: false, timeout: 5000 });
      expect(await Promise.all([next.add(40, i), next.add(i, 2)])).toEqual([40 + i, i + 2]);
      await close(next);
    }
  });
});

const api = {
  add: (x: number, y: number) => x + y,
  echo: (value: unknown) => value,
  throw_type: (message: string) => {
    throw new TypeError(message);
  },
  throw_range: (message: string) => {
    throw new RangeError(message);
  },
  greet: acceptsKwargs(
    (name: string, kw: { punctuation?: string } = {}) => `hello ${name}${kw.punctuation ?? '!'}`,
  ),
};

describeWithPyzmq('the recipe’s RPCProxy on a REQ socket calling farcall', () => {
  let server: Server;
  let lines: Record<string, unknown>[];

  beforeAll(async () => {
    server = await serve(api, {
      listen: 'zmq+tcp://127.0.0.1:0',
      protocol: 'python',
      logger: false,
    });
    const address = server.url.replace(/^zmq\+/, '');
    const suites = ['basic', 'values', 'errors', 'kwargs'];
    lines = await runPython(pyzmqCommand(), `${PEERS}zmq_rpc_client.py`, { address, suites }, 4);
  });
  afterAll(() => server.close());

  it('calls and gets the results', () => {
    expect(lines[0]).toEqual({ add: 5, concat: 'ab' });
  });

  it('round-trips values in their Python types', () => {
    expect(lines[1]).toEqual({ mismatches: [] });
  });

  it('raises the JavaScript errors as Python exceptions, and goes on', () => {
    expect(lines[2]).toMatchObject({
      type: { type: 'TypeError', str: 'bad type' },
      range: { type: 'ValueError' },
      after: 2,
    });
    expect((lines[2]!.missing as { str: string }).str).toContain('no_such_function');
  });

  it('passes keyword arguments', () => {
    expect(lines[3]).toEqual({ greet: 'hello bob?' });
  });
});

describeWithPyzmq('RPCProxy clients through a device, to two farcall servers', () => {
  it('are answered, every call, by both servers', async () => {
    const front = await device({
      frontend: 'zmq+tcp://127.0.0.1:0',
      backend: 'zmq+tcp://127.0.0.1:0',
    });
    const servers: Server[] = [];
    try {
      for (const name of ['p', 'q']) {
        servers.push(
          await serve(
            { whoami: (i: number) => [name, i] },
            { listen: `${front.backend}?connect`, protocol: 'python', logger: false },
          ),
        );
      }
      const address = front.frontend.replace(/^zmq\+/, '');
      const [out] = await runPython(
        pyzmqCommand(),
        `${PEERS}zmq_rpc_client.py`,
        { address, suites: ['many'] },
        1,
      );
      const answered = (out as { answered: [string, number][] }).answered;
      const expected = Array.from({ length: 10 }, (_, n) =>
        Array.from({ length: 30 }, (_, i) => n * 100 + i),
      ).flat();
      expect(answered.map(([, i]) => i).sort((x, y) => x - y)).toEqual(expected);
      expect(new Set(answered.map(([name]) => name))).toEqual(new Set(['p', 'q']));
    } finally {
      await Promise.all(servers.map((s) => s.close()));
      await front.close();
    }
  });
});
