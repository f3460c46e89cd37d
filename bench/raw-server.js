// The raw baseline server, run as a child process by bench/run.js: a `node:net` echo server for
// 4-byte length-prefixed frames on 127.0.0.1, port 0. Every frame gets its own answer frame
// (header + copy of the payload); the answers to all frames found in one socket read leave in
// ONE write (farcall coalesces its writes per turn of the event loop in the same spirit).
// Sends `{ port }` to the parent over IPC once listening, and `{ cpu }` when asked.
import net from 'node:net';
import { frame, frameReader } from './raw-framing.js';

const server = net.createServer((socket) => {
  socket.setNoDelay(true);
  let answers = [];
  socket.on(
    'data',
    frameReader(
      (payload) => answers.push(frame(payload)),
      () => {
        if (answers.length === 0) return;
        socket.write(answers.length === 1 ? answers[0] : Buffer.concat(answers));
        answers = [];
      },
    ),
  );
  socket.on('error', () => socket.destroy());
});

server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
// The parent asks for this process's CPU time around each measurement.
process.on('message', () => process.send({ cpu: process.cpuUsage() }));
process.on('disconnect', () => process.exit(0));
