/**
 * Finding Python 3 for the interoperability tests. Tests that need it use `describeWithPython`
 * in place of `describe`: without Python the suite is skipped with a printed reason, except in
 * CI (`CI` set), where a missing Python fails the run instead of silently testing less.
 *
 * The command is `python3`, or `$FARCALL_PYTHON` when set; it must be Python 3.8 or later.
 */
import { execFileSync } from 'node:child_process';
import { describe } from 'vitest';

let cached: { command: string | undefined } | undefined;

/** The Python 3.8+ command, or `undefined` when there is none. Probed once per process. */
export function findPython(): string | undefined {
  if (cached === undefined) {
    const command = process.env.FARCALL_PYTHON || 'python3';
    try {
      execFileSync(command, ['-c', 'import sys; sys.exit(sys.version_info < (3, 8))'], {
        stdio: 'ignore',
        timeout: 10_000,
      });
      cached = { command };
    } catch {
      cached = { command: undefined };
    }
  }
  return cached.command;
}

/**
 * The Python command, for use inside a `describeWithPython` suite (which only runs when
 * Python is there).
 *
 * @throws {Error} when there is no Python 3.8+.
 */
export function pythonCommand(): string {
  const command = findPython();
  if (command === undefined) {
    throw new Error('python3 (3.8 or later) is not available; set FARCALL_PYTHON to point at it');
  }
  return command;
}

function inCi(): boolean {
  const value = process.env.CI;
  return value !== undefined && value !== '' && value !== '0' && value !== 'false';
}

function chooseDescribe(): typeof describe.skip {
  if (findPython() !== undefined) {
    return describe;
  }
  const reason = 'python3 (3.8 or later) was not found (set FARCALL_PYTHON to point at it)';
  if (inCi()) {
    // In CI a missing Python is a broken environment: fail loudly rather than skip.
    throw new Error(`${reason}, and CI is set: the Python interoperability tests must run`);
  }
  console.warn(`skipping Python interoperability tests: ${reason}`);
  return describe.skip;
}

/** `describe` when Python 3.8+ is available, else `describe.skip` (or a throw in CI). */
export const describeWithPython: typeof describe.skip = chooseDescribe();
