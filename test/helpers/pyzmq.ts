/**
 * Finding a Python with pyzmq, for the tests whose peers are the recipe over ZeroMQ. Debian's
 * `python3-zmq` installs it for `/usr/bin/python3` (`.ci/run` installs it when missing), which
 * need not be the `python3` on the PATH; `$FARCALL_PYZMQ_PYTHON` names another. Without one the
 * suite is skipped with a printed reason, except in CI (`CI` set), where it fails instead.
 */
import { execFileSync } from 'node:child_process';
import { describe } from 'vitest';

let cached: { command: string | undefined } | undefined;

/** A Python 3 command that imports `zmq`, or undefined. Probed once per process. */
export function findPyzmq(): string | undefined {
  if (cached === undefined) {
    const candidates = [process.env.FARCALL_PYZMQ_PYTHON, '/usr/bin/python3', 'python3'];
    cached = { command: undefined };
    for (const command of candidates) {
      if (!command) continue;
      try {
        execFileSync(command, ['-c', 'import sys, zmq; sys.exit(sys.version_info < (3, 8))'], {
          stdio: 'ignore',
          timeout: 10_000,
        });
        cached = { command };
        break;
      } catch {
        // not this one
      }
    }
  }
  return cached.command;
}

function inCi(): boolean {
  const value = process.env.CI;
  return value !== undefined && value !== '' && value !== '0' && value !== 'false';
}

function chooseDescribe(): typeof describe.skip {
  if (findPyzmq() !== undefined) return describe;
  const reason =
    'no Python 3.8+ with pyzmq was found (apt-get install python3-zmq, or set FARCALL_PYZMQ_PYTHON)';
  if (inCi()) {
    throw new Error(`${reason}, and CI is set: the ZeroMQ recipe tests must run`);
  }
  console.warn(`skipping the ZeroMQ recipe tests: ${reason}`);
  return describe.skip;
}

/** `describe` when pyzmq is available, else `describe.skip` (or a throw in CI). */
export const describeWithPyzmq: typeof describe.skip = chooseDescribe();

/** The pyzmq Python, inside a `describeWithPyzmq` suite. */
export function pyzmqCommand(): string {
  const command = findPyzmq();
  if (command === undefined) throw new Error('no Python with pyzmq');
  return command;
}
