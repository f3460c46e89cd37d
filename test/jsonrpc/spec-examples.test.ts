/**
 * Every example of section 7 of the JSON-RPC 2.0 specification (jsonrpc.org/specification),
 * sent as the specification writes it to a farcall server with the specification's functions,
 * over HTTP and over WebSocket text messages; each response is compared with the
 * specification's, as JSON values, exactly (a batch's answers in order).
 *
 * The specification's `foobar` is its example of a method that does not exist, so the api has
 * none (its notification to `foobar` gets no response either way), nor `foo.get`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { type Server, serve } from '../../src/index.js';

const calls: [string, unknown[]][] = [];
const api = {
  subtract: (a: number | { minuend: number; subtrahend: number }, b?: number) =>
    typeof a === 'object' ? a.minuend - a.subtrahend : a - b!,
  sum: (...xs: number[]) => xs.reduce((x, y) => x + y, 0),
  update: (...args: unknown[]) => {
    calls.push(['update', args]);
  },
  get_data: () => ['hello', 5],
  notify_hello: (...args: unknown[]) => {
    calls.push(['notify_hello', args]);
  },
  notify_sum: (...args: unknown[]) => {
    calls.push(['notify_sum', args]);
  },
};

interface Example {
  name: string;
  /** What the client sends, as the specification writes it. */
  request: string;
  /** The specification's response; undefined where nothing is returned. */
  response: string | undefined;
  /** The calls the server's functions saw, for the notifications. */
  ran?: [string, unknown[]][];
}

const examples: Example[] = [
  {
    name: 'rpc call with positional parameters (1)',
    request: '{"jsonrpc": "2.0", "method": "subtract", "params": [42, 23], "id": 1}',
    response: '{"jsonrpc": "2.0", "result": 19, "id": 1}',
  },
  {
    name: 'rpc call with positional parameters (2)',
    request: '{"jsonrpc": "2.0", "method": "subtract", "params": [23, 42], "id": 2}',
    response: '{"jsonrpc": "2.0", "result": -19, "id": 2}',
  },
  {
    name: 'rpc call with named parameters (1)',
    request:
      '{"jsonrpc": "2.0", "method": "subtract", "params": {"subtrahend": 23, "minuend": 42}, "id": 3}',
    response: '{"jsonrpc": "2.0", "result": 19, "id": 3}',
  },
  {
    name: 'rpc call with named parameters (2)',
    request:
      '{"jsonrpc": "2.0", "method": "subtract", "params": {"minuend": 42, "subtrahend": 23}, "id": 4}',
    response: '{"jsonrpc": "2.0", "result": 19, "id": 4}',
  },
  {
    name: 'a Notification (1)',
    request: '{"jsonrpc": "2.0", "method": "update", "params": [1,2,3,4,5]}',
    response: undefined,
    ran: [['update', [1, 2, 3, 4, 5]]],
  },
  {
    name: 'a Notification (2)',
    request: '{"jsonrpc": "2.0", "method": "foobar"}',
    response: undefined,
    ran: [],
  },
  {
    name: 'rpc call of non-existent method',
    request: '{"jsonrpc": "2.0", "method": "foobar", "id": "1"}',
    response:
      '{"jsonrpc": "2.0", "error": {"code": -32601, "message": "Method not found"}, "id": "1"}',
  },
  {
    name: 'rpc call with invalid JSON',
    request: '{"jsonrpc": "2.0", "method": "foobar, "params": "bar", "baz]',
    response: '{"jsonrpc": "2.0", "error": {"code": -32700, "message": "Parse error"}, "id": null}',
  },
  {
    name: 'rpc call with invalid Request object',
    request: '{"jsonrpc": "2.0", "method": 1, "params": "bar"}',
    response:
      '{"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": null}',
  },
  {
    name: 'rpc call Batch, invalid JSON',
    request: `[
  {"jsonrpc": "2.0", "method": "sum", "params": [1,2,4], "id": "1"},
  {"jsonrpc": "2.0", "method"
]`,
    response: '{"jsonrpc": "2.0", "error": {"code": -32700, "message": "Parse error"}, "id": null}',
  },
  {
    name: 'rpc call with an empty Array',
    request: '[]',
    response:
      '{"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": null}',
  },
  {
    name: 'rpc call with an invalid Batch (but not empty)',
    request: '[1]',
    response: `[
  {"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": null}
]`,
  },
  {
    name: 'rpc call with invalid Batch',
    request: '[1,2,3]',
    response: `[
  {"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": null},
  {"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": null},
  {"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": null}
]`,
  },
  {
    name: 'rpc call Batch',
    request: `[
        {"jsonrpc": "2.0", "method": "sum", "params": [1,2,4], "id": "1"},
        {"jsonrpc": "2.0", "method": "notify_hello", "params": [7]},
        {"jsonrpc": "2.0", "method": "subtract", "params": [42,23], "id": "2"},
        {"foo": "boo"},
        {"jsonrpc": "2.0", "method": "foo.get", "params": {"name": "myself"}, "id": "5"},
        {"jsonrpc": "2.0", "method": "get_data", "id": "9"}
    ]`,
    response: `[
        {"jsonrpc": "2.0", "result": 7, "id": "1"},
        {"jsonrpc": "2.0", "result": 19, "id": "2"},
        {"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": null},
        {"jsonrpc": "2.0", "error": {"code": -32601, "message": "Method not found"}, "id": "5"},
        {"jsonrpc": "2.0", "result": ["hello", 5], "id": "9"}
    ]`,
    ran: [['notify_hello', [7]]],
  },
  {
    name: 'rpc call Batch (all notifications)',
    request: `[
        {"jsonrpc": "2.0", "method": "notify_sum", "params": [1,2,4]},
        {"jsonrpc": "2.0", "method": "notify_hello", "params": [7]}
    ]`,
    response: undefined,
    ran: [
      ['notify_sum', [1, 2, 4]],
      ['notify_hello', [7]],
    ],
  },
];

/** A request the api answers at once, sent after a notification to show nothing came before it. */
const MARKER = '{"jsonrpc": "2.0", "method": "sum", "params": [20, 3], "id": "marker"}';

describe('JSON-RPC 2.0 specification, section 7, over HTTP', () => {
  let server: Server;
  beforeAll(async () => {
    server = await serve(api, {
      listen: 'http://127.0.0.1:0/rpc',
      protocol: 'jsonrpc',
      logger: false,
    });
  });
  afterAll(() => server.close());

  for (const example of examples) {
    it(example.name, async () => {
      calls.length = 0;
      const response = await fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: example.request,
      });
      const body = await response.text();
      if (example.response === undefined) {
        expect(response.status).toBe(204);
        expect(body).toBe('');
      } else {
        expect(response.status).toBe(200);
        expect(response.headers.get('content-type')).toBe('application/json');
        expect(JSON.parse(body)).toStrictEqual(JSON.parse(example.response));
      }
      if (example.ran) expect(calls).toStrictEqual(example.ran);
    });
  }
});

describe('JSON-RPC 2.0 specification, section 7, over WebSocket text messages', () => {
  let server: Server;
  let socket: WebSocket;
  const received: { text: string; binary: boolean }[] = [];
  const waiters: (() => void)[] = [];

  /** The next message, in order. */
  const next = async (): Promise<{ text: string; binary: boolean }> => {
    while (received.length === 0) await new Promise<void>((resolve) => waiters.push(resolve));
    return received.shift()!;
  };

  beforeAll(async () => {
    server = await serve(api, {
      listen: 'ws://127.0.0.1:0/rpc',
      protocol: 'jsonrpc',
      logger: false,
    });
    socket = new WebSocket(server.url);
    socket.on('message', (data, binary) => {
      received.push({ text: String(data), binary });
      waiters.shift()?.();
    });
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  });
  afterAll(async () => {
    socket.close();
    await server.close();
  });

  for (const example of examples) {
    it(example.name, async () => {
      calls.length = 0;
      socket.send(example.request);
      if (example.response === undefined) {
        // Messages arrive in order: an answer to the notification would come before the marker's.
        socket.send(MARKER);
        const message = await next();
        expect(JSON.parse(message.text)).toStrictEqual({
          jsonrpc: '2.0',
          result: 23,
          id: 'marker',
        });
      } else {
        const message = await next();
        expect(message.binary).toBe(false);
        expect(JSON.parse(message.text)).toStrictEqual(JSON.parse(example.response));
      }
      if (example.ran) expect(calls).toStrictEqual(example.ran);
      // The connection goes on after every example, the malformed ones included.
      expect(socket.readyState).toBe(WebSocket.OPEN);
    });
  }
});
