// `npm start`: the recipe's example end to end. Starts the server in its own process on a free
// port, runs the client against it over a real socket, then stops the server and exits.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runClient } from './client.js';

const serverPath = fileURLToPath(new URL('./server.js', import.meta.url));
const server = fork(serverPath, ['tcp://127.0.0.1:0'], {
  stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
});

const url = await new Promise((resolve, reject) => {
  let output = '';
  server.stdout.on('data', (chunk) => {
    output += chunk;
    const match = /listening on (\S+)/.exec(output);
    if (match) resolve(match[1]);
  });
  server.once('exit', (code) => reject(new Error(`server exited early with code ${code}`)));
  setTimeout(() => reject(new Error('server did not start within 10 s')), 10_000).unref();
});

console.log(`server (pid ${server.pid}) listening on ${url}, authkey 'peekaboo'\n`);
try {
  await runClient(url);
} finally {
  server.kill('SIGTERM');
}
await new Promise((resolve) => server.once('exit', resolve));
console.log('\nserver closed; done.');
