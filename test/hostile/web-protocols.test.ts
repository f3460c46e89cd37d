/**
 * Bad input to JSON-RPC and XML-RPC servers, one case a test: each gets a clear error (an
 * answer where the protocol has one, else the connection closed with a log line) and the
 * server goes on serving everyone else, which each test checks with an honest call.
 */
import { once } from 'node:events';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { decodeXmlRpc } from '../../src/codec/xmlrpc/decode.js';
import { close, connect, type Server, serve } from '../../src/index.js';
import { captureLogger } from '../helpers/log.js';

const LIMIT = 64 * 1024;
const limits = { maxFrameBytes: LIMIT, maxDepth: 16, maxItems: 10_000 };
const api = { add: (x: number, y: number) => x + y, echo: (value: unknown) => value };

let jsonHttp: Server;
let jsonWs: Server;
let xmlHttp: Server;
let nativeWs: Server;
const log = captureLogger();

beforeAll(async () => {
  const options = { limits, logger: log };
  [jsonHttp, jsonWs, xmlHttp, nativeWs] = await Promise.all([
    serve(api, { ...options, listen: 'http://127.0.0.1:0/rpc', protocol: 'jsonrpc' }),
    serve(api, { ...options, listen: 'ws://127.0.0.1:0/rpc', protocol: 'jsonrpc' }),
    serve(api, { ...options, listen: 'http://127.0.0.1:0/RPC2', protocol: 'xmlrpc' }),
    serve(api, { ...options, listen: 'ws://127.0.0.1:0/rpc' }),
  ]);
});
afterAll(() => Promise.all([jsonHttp, jsonWs, xmlHttp, nativeWs].map((s) => s.close())));

/** An honest farcall client gets its answer: the server serves others after the bad input. */
async function stillServes(server: Server, protocol: 'jsonrpc' | 'xmlrpc' | 'farcall') {
  const remote = await connect<typeof api>(server.url, { protocol, logger: false });
  try {
    expect(await remote.add(2, 3)).toBe(5);
  } finally {
    await close(remote);
  }
}

async function post(url: string, body: string | Uint8Array, type: string) {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': type }, body });
  return { status: response.status, text: await response.text() };
}

/** A WebSocket to `url`, with its messages in order. */
async function socketTo(url: string) {
  const socket = new WebSocket(url);
  const messages: string[] = [];
  const waiters: (() => void)[] = [];
  socket.on('message', (data) => {
    messages.push(String(data));
    waiters.shift()?.();
  });
  const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
  await once(socket, 'open');
  const next = async () => {
    while (messages.length === 0) await new Promise<void>((resolve) => waiters.push(resolve));
    return JSON.parse(messages.shift()!) as Record<string, unknown>;
  };
  return { socket, next, closed };
}

const PARSE_ERROR = { jsonrpc: '2.0', error: { code: -32700, message: 'Parse error' }, id: null };

describe('HTTP bodies over the frame limit', () => {
  it('are refused with 413 from the declared length, before the body is read', async () => {
    const request = http.request(jsonHttp.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': 1024 * 1024 * 1024 },
    });
    // A kilobyte of a declared gigabyte: the answer comes without the rest.
    request.write('['.repeat(1024));
    const [response] = (await once(request, 'response')) as [http.IncomingMessage];
    expect(response.statusCode).toBe(413);
    let text = '';
    for await (const chunk of response) text += String(chunk);
    expect(text).toContain('limits.maxFrameBytes');
    request.destroy();
    await stillServes(jsonHttp, 'jsonrpc');
  });

  it('are refused with 413 once a body without a declared length passes the limit', async () => {
    const request = http.request(xmlHttp.url, {
      method: 'POST',
      headers: { 'content-type': 'text/xml', 'transfer-encoding': 'chunked' },
    });
    request.on('error', () => {});
    const responded = once(request, 'response') as Promise<[http.IncomingMessage]>;
    for (let sent = 0; sent <= LIMIT; sent += 8192) request.write(' '.repeat(8192));
    const [response] = await responded;
    expect(response.statusCode).toBe(413);
    expect(response.headers.connection).toBe('close');
    request.destroy();
    await stillServes(xmlHttp, 'xmlrpc');
  });
});

describe('JSON-RPC', () => {
  it('answers invalid JSON over HTTP with -32700 and id null', async () => {
    const { status, text } = await post(
      jsonHttp.url,
      '{"jsonrpc": "2.0", "method": ',
      'application/json',
    );
    expect(status).toBe(200);
    expect(JSON.parse(text)).toStrictEqual(PARSE_ERROR);
    await stillServes(jsonHttp, 'jsonrpc');
  });

  it('answers invalid UTF-8 over HTTP with -32700, never decoding it loosely', async () => {
    const body = new Uint8Array([
      ...new TextEncoder().encode('{"jsonrpc":"2.0","method":"echo","params":["'),
      0xff,
      0xfe,
      ...new TextEncoder().encode('"],"id":1}'),
    ]);
    const { status, text } = await post(jsonHttp.url, body, 'application/json');
    expect(status).toBe(200);
    expect(JSON.parse(text)).toStrictEqual(PARSE_ERROR);
    await stillServes(jsonHttp, 'jsonrpc');
  });

  it('answers invalid JSON and invalid UTF-8 over WebSocket, and the connection goes on', async () => {
    const { socket, next } = await socketTo(jsonWs.url);
    socket.send('[{"jsonrpc": "2.0", "method"');
    expect(await next()).toStrictEqual(PARSE_ERROR);
    socket.send(new Uint8Array([0x22, 0xc0, 0xaf, 0x22]), { binary: true });
    expect(await next()).toStrictEqual(PARSE_ERROR);
    socket.send('{"jsonrpc":"2.0","method":"add","params":[1,2],"id":7}');
    expect(await next()).toStrictEqual({ jsonrpc: '2.0', result: 3, id: 7 });
    socket.close();
    await stillServes(jsonWs, 'jsonrpc');
  });

  it('refuses nesting past maxDepth before parsing, with -32600 naming the limit', async () => {
    const deep = `{"jsonrpc":"2.0","method":"echo","params":[${'['.repeat(5_000)}${']'.repeat(5_000)}],"id":1}`;
    const { text } = await post(jsonHttp.url, deep, 'application/json');
    const answer = JSON.parse(text);
    expect(answer).toMatchObject({ error: { code: -32600, message: 'Invalid Request' }, id: null });
    expect(answer.error.data).toStrictEqual({
      name: 'LimitError',
      message: expect.stringContaining('limits.maxDepth'),
    });
    await stillServes(jsonHttp, 'jsonrpc');
  });

  it('closes a WebSocket whose text message is over the frame limit, saying why in the log', async () => {
    const { socket, closed } = await socketTo(jsonWs.url);
    socket.send(`"${'x'.repeat(LIMIT + 1)}"`);
    expect(await closed).toBe(1009);
    await expect
      .poll(() =>
        log.lines.some((line) =>
          /closing connection from .*over the limit of 65536 bytes \(limits.maxFrameBytes\)/.test(
            line,
          ),
        ),
      )
      .toBe(true);
    await stillServes(jsonWs, 'jsonrpc');
  });
});

describe('XML-RPC', () => {
  const fault = async (body: string) => {
    const { status, text } = await post(xmlHttp.url, body, 'text/xml');
    expect(status).toBe(200);
    const answer = decodeXmlRpc(new TextEncoder().encode(text), { maxDepth: 4, maxItems: 100 });
    if (answer.kind !== 'fault') throw new Error(`not a fault: ${text}`);
    const { faultCode, faultString } = answer.fault as { faultCode: number; faultString: string };
    return { code: faultCode, string: faultString };
  };

  it('answers a document with a DTD and an external entity with a fault, reading no file', async () => {
    const answer = await fault(
      '<?xml version="1.0"?><!DOCTYPE m [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><methodCall><methodName>echo</methodName><params><param><value>&xxe;</value></param></params></methodCall>',
    );
    expect(answer.code).toBe(-32700);
    expect(answer.string).toContain('DOCTYPE');
    expect(answer.string).not.toContain('root:');
    await stillServes(xmlHttp, 'xmlrpc');
  });

  it('answers a billion-laughs document with a fault at its DOCTYPE', async () => {
    const entities = Array.from(
      { length: 9 },
      (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i};`.repeat(10)}">`,
    ).join('');
    const answer = await fault(
      `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol0 "lol">${entities}]><methodCall><methodName>echo</methodName><params><param><value>&lol9;</value></param></params></methodCall>`,
    );
    expect(answer.code).toBe(-32700);
    expect(answer.string).toContain('DOCTYPE');
    await stillServes(xmlHttp, 'xmlrpc');
  });

  it('answers an entity XML does not define with a fault', async () => {
    const answer = await fault(
      '<methodCall><methodName>echo</methodName><params><param><value>&undefined;</value></param></params></methodCall>',
    );
    expect(answer.code).toBe(-32700);
    expect(answer.string).toContain('undefined entity');
    await stillServes(xmlHttp, 'xmlrpc');
  });

  it('answers nesting past maxDepth with a fault naming the limit', async () => {
    const deep = `${'<value><array><data>'.repeat(1_000)}${'</data></array></value>'.repeat(1_000)}`;
    const answer = await fault(
      `<methodCall><methodName>echo</methodName><params><param>${deep}</param></params></methodCall>`,
    );
    expect(answer.code).toBe(-32600);
    expect(answer.string).toMatch(/^LimitError: .*limits\.maxDepth/);
    await stillServes(xmlHttp, 'xmlrpc');
  });

  it('answers XML that is not well formed, and a document that is not a call, with faults', async () => {
    expect(await fault('<methodCall><methodName>echo</methodCall>')).toMatchObject({
      code: -32700,
    });
    expect(await fault('<html><body/></html>')).toMatchObject({ code: -32600 });
    await stillServes(xmlHttp, 'xmlrpc');
  });
});

describe('the native protocol on a WebSocket', () => {
  it('closes a connection that sends text messages, saying why in the log', async () => {
    const { socket, closed } = await socketTo(nativeWs.url);
    socket.send('{"not": "msgpack"}');
    expect(await closed).toBe(1008);
    await expect
      .poll(() => log.lines.some((line) => line.includes('a text WebSocket message')))
      .toBe(true);
    await stillServes(nativeWs, 'farcall');
  });
});
