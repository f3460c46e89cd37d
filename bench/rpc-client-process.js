// The client process of the JSON-RPC scenarios (see bench/client-process.js for the protocol
// over IPC). argv[2] is JSON `{ mode, server, window }`:
//
//   farcall-jsonrpc-sequential / -pipelined      connect(url, { protocol: 'jsonrpc' }), echo(42)
//   json-rpc-2.0-ws-sequential / -pipelined      json-rpc-2.0's JSONRPCClient over `ws`
import { farcallPipelined, farcallSequential } from './clients.js';

const { mode, server, window } = JSON.parse(process.argv[2]);

/** json-rpc-2.0's client over a `ws` WebSocket, as its README wires it, shaped as a remote. */
async function jsonRpc2Remote(url) {
  const { JSONRPCClient } = await import('json-rpc-2.0');
  const { WebSocket } = await import('ws');
  const socket = new WebSocket(url);
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  const client = new JSONRPCClient((request) => socket.send(JSON.stringify(request)));
  socket.on('message', (data) => client.receive(JSON.parse(data.toString())));
  return { remote: { echo: (x) => client.request('echo', [x]) }, close: () => socket.close() };
}

async function farcallRemote(url) {
  const { connect, close } = await import('farcall');
  const remote = await connect(url, { protocol: 'jsonrpc' });
  return { remote, close: () => close(remote) };
}

const { remote, close } = mode.startsWith('json-rpc-2.0')
  ? await jsonRpc2Remote(server.url)
  : await farcallRemote(server.url);
const run = mode.endsWith('-sequential')
  ? (n, ms) => farcallSequential(remote, n, ms)
  : (n, ms) => farcallPipelined(remote, window, n, ms);

process.on('message', async ({ maxCalls, maxMs }) => {
  const cpu0 = process.cpuUsage();
  const { calls, ms } = await run(maxCalls, maxMs);
  const cpu = process.cpuUsage(cpu0);
  process.send({ calls, ms, cpuUs: cpu.user + cpu.system });
});
process.on('disconnect', async () => {
  await close();
  process.exit(0);
});
process.send({ ready: true });
