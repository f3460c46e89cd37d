// The JSON-RPC and XML-RPC servers of bench/run.js, one per child process, chosen by
// FARCALL_BENCH_RPC: each serves `echo` on 127.0.0.1, port 0, and sends `{ url }` to the parent
// over IPC once listening, and `{ cpu }` when asked.
//
//   http-echo             a bare node:http server that answers JSON-RPC requests by hand
//   farcall-jsonrpc-http  farcall, protocol 'jsonrpc', on http://
//   json-rpc-2.0-ws       the json-rpc-2.0 package's JSONRPCServer on a `ws` WebSocketServer
//   farcall-jsonrpc-ws    farcall, protocol 'jsonrpc', on ws://
//   farcall-xmlrpc        farcall, protocol 'xmlrpc', on http://…/RPC2
import http from 'node:http';

const mode = process.env.FARCALL_BENCH_RPC;

/** The least a JSON-RPC server over HTTP does: parse the body, answer each request by its id. */
function httpEcho() {
  const answer = (request) => ({
    jsonrpc: '2.0',
    result: request.params?.[0] ?? null,
    id: request.id,
  });
  const server = http.createServer((request, response) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString());
      const text = JSON.stringify(Array.isArray(body) ? body.map(answer) : answer(body));
      response.writeHead(200, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(text),
      });
      response.end(text);
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${server.address().port}/rpc`,
        close: () => server.close(),
      }),
    ),
  );
}

/** json-rpc-2.0 over `ws`, as its README wires it. */
async function jsonRpc2Ws() {
  const { JSONRPCServer } = await import('json-rpc-2.0');
  const { WebSocketServer } = await import('ws');
  const rpc = new JSONRPCServer();
  rpc.addMethod('echo', ([x]) => x);
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  wss.on('connection', (socket) => {
    socket.on('message', async (data) => {
      const response = await rpc.receive(JSON.parse(data.toString()));
      if (response) socket.send(JSON.stringify(response));
    });
  });
  await new Promise((resolve) => wss.once('listening', resolve));
  return { url: `ws://127.0.0.1:${wss.address().port}/`, close: () => wss.close() };
}

/** farcall, as a user serves it (the built package, imported by its name). */
async function farcall(protocol, listen) {
  const { serve } = await import('farcall');
  const server = await serve({ echo: (x) => x }, { listen, protocol, logger: false });
  return { url: server.urls[0], close: () => server.close(0) };
}

const servers = {
  'http-echo': httpEcho,
  'farcall-jsonrpc-http': () => farcall('jsonrpc', 'http://127.0.0.1:0/rpc'),
  'json-rpc-2.0-ws': jsonRpc2Ws,
  'farcall-jsonrpc-ws': () => farcall('jsonrpc', 'ws://127.0.0.1:0/rpc'),
  'farcall-xmlrpc': () => farcall('xmlrpc', 'http://127.0.0.1:0/RPC2'),
};

const server = await servers[mode]();
process.send({ url: server.url });
// The parent asks for this process's CPU time around each measurement.
process.on('message', () => process.send({ cpu: process.cpuUsage() }));
process.on('disconnect', () => {
  void Promise.resolve(server.close()).then(() => process.exit(0));
});
