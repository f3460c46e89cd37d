// The raw ZeroMQ baseline server, run as a child process by bench/run.js: a ROUTER on
// 127.0.0.1, port 0, that sends every message straight back (routing id, empty delimiter and
// payload, as farcall's ZeroMQ frames are laid out). Sends `{ url }` to the parent over IPC once
// bound, and `{ cpu }` when asked.
import * as zmq from 'zeromq';

const router = new zmq.Router({ linger: 0, sendHighWaterMark: 0, receiveHighWaterMark: 0 });
await router.bind('tcp://127.0.0.1:*');
process.send({ url: `zmq+${router.lastEndpoint}` });
process.on('message', () => process.send({ cpu: process.cpuUsage() }));
process.on('disconnect', () => {
  router.close();
  process.exit(0);
});
for await (const parts of router) await router.send(parts);
