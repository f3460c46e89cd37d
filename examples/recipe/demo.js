// `npm start`: the recipe's example end to end, then the same across languages. Each server
// runs in its own process on a free port; the clients call it over a real socket; everything
// is stopped at the end and the demo exits by itself.
import { execFileSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { callPython } from '../python/client.js';
import { runClient } from './client.js';

const here = (path) => fileURLToPath(new URL(path, import.meta.url));

/** Starts a server process and resolves with its process and the address it printed. */
function start(command, args, pattern) {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
      const match = pattern.exec(output);
      if (match) resolve({ child, address: match[1] });
    });
    child.once('exit', (code) => reject(new Error(`${command} exited early with code ${code}`)));
    setTimeout(() => reject(new Error(`${command} did not start within 10 s`)), 10_000).unref();
  });
}

async function stop(child) {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

function hasPython() {
  try {
    execFileSync('python3', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const listening = /listening on (\S+)/;

console.log('== The recipe in farcall: a farcall server, a farcall client ==\n');
const recipe = await start(process.execPath, [here('./server.js'), 'tcp://127.0.0.1:0'], listening);
console.log(
  `server (pid ${recipe.child.pid}) listening on ${recipe.address}, authkey 'peekaboo'\n`,
);
try {
  await runClient(recipe.address);
} finally {
  await stop(recipe.child);
}

if (hasPython()) {
  console.log('\n== From Python: the recipe-style Python client calling a farcall server ==\n');
  const farcall = await start(
    process.execPath,
    [here('../python/server.js'), 'tcp://127.0.0.1:0'],
    listening,
  );
  try {
    const port = farcall.address.split(':').pop();
    console.log(`$ python3 examples/python/client.py ${port}`);
    console.log(execFileSync('python3', [here('../python/client.py'), port], { encoding: 'utf8' }));
  } finally {
    await stop(farcall.child);
  }

  console.log('== To Python: a farcall client calling a recipe-style Python server ==\n');
  const python = await start('python3', ['-u', here('../python/server.py'), '0'], listening);
  try {
    await callPython(`tcp://127.0.0.1:${python.address}`);
  } finally {
    await stop(python.child);
  }
} else {
  console.log('\n(python3 is not on the PATH: skipping the Python part of the demo)');
}
console.log('\nservers closed; done.');
