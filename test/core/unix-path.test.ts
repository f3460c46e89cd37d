/**
 * `unix:` listen paths: only a stale socket file is ever replaced, never a regular file, a
 * directory or a symbolic link; servers racing for one path (in one process, and in two) end
 * with exactly one winner whose socket answers; a closing server removes its socket file only
 * while it is still its own.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { close, connect, type Server, serve, UsageError } from '../../src/index.js';

const api = { whoami: () => process.pid, add: (x: number, y: number) => x + y };
const ROUNDS = 20;

let dir: string;
let counter = 0;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'farcall-unix-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A fresh path in the test directory. */
const freshPath = () => join(dir, `s${++counter}.sock`);

/** Makes a socket file at `path` that nobody accepts on, the way a crashed server leaves one. */
async function staleSocket(path: string): Promise<void> {
  const temp = `${path}.making`;
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(temp, resolve));
  renameSync(temp, path);
  // libuv unlinks the name it bound (`temp`, gone), so the file at `path` stays, unanswered.
  await new Promise<void>((resolve) => server.close(() => resolve()));
  expect(lstatSync(path).isSocket()).toBe(true);
}

/** Files beside `path` that a claim could have left: temporary names and the lock. */
function leftovers(path: string): string[] {
  return readdirSync(dirname(path)).filter((name) => name.startsWith(`${basename(path)}.`));
}

async function whoAnswers(path: string): Promise<number> {
  const remote = await connect<typeof api>(`unix:${path}`, { timeout: 5000 });
  try {
    return await remote.whoami();
  } finally {
    await close(remote);
  }
}

async function refusal(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  if (!error) throw new Error('expected a refusal, but the server started');
  return error;
}

describe('unix: listen paths', () => {
  it('binds a free path, serves it, and removes its socket file on close', async () => {
    const path = freshPath();
    const server = await serve(api, { listen: `unix:${path}`, logger: false });
    expect(server.urls).toEqual([`unix:${path}`]);
    expect(lstatSync(path).isSocket()).toBe(true);
    expect(await whoAnswers(path)).toBe(process.pid);
    expect(leftovers(path)).toEqual([]);
    await server.close();
    expect(() => lstatSync(path)).toThrow(/ENOENT/);
  });

  it('replaces a stale socket file', async () => {
    const path = freshPath();
    await staleSocket(path);
    const before = lstatSync(path).ino;
    const server = await serve(api, { listen: `unix:${path}`, logger: false });
    try {
      expect(lstatSync(path).ino).not.toBe(before);
      expect(await whoAnswers(path)).toBe(process.pid);
      expect(leftovers(path)).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it('refuses a live socket, which serves on', async () => {
    const path = freshPath();
    const server = await serve(api, { listen: `unix:${path}`, logger: false });
    try {
      const error = await refusal(serve(api, { listen: `unix:${path}`, logger: false }));
      expect(error).toBeInstanceOf(UsageError);
      expect(error.message).toContain(path);
      expect(error.message).toMatch(/in use by another server/);
      expect(await whoAnswers(path)).toBe(process.pid);
      expect(leftovers(path)).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it('never replaces a regular file, a directory or a symbolic link, and says what is there', async () => {
    const file = freshPath();
    writeFileSync(file, 'precious');
    const folder = freshPath();
    mkdirSync(folder);
    writeFileSync(join(folder, 'inside'), 'also precious');
    const stale = freshPath();
    await staleSocket(stale);
    const toSocket = freshPath();
    symlinkSync(stale, toSocket);
    const toFile = freshPath();
    symlinkSync(file, toFile);
    const cases: [string, RegExp][] = [
      [file, /a regular file is at that path/],
      [folder, /a directory is at that path/],
      [toSocket, /a symbolic link is at that path/],
      [toFile, /a symbolic link is at that path/],
    ];
    for (const [path, what] of cases) {
      const error = await refusal(serve(api, { listen: `unix:${path}`, logger: false }));
      expect(error).toBeInstanceOf(UsageError);
      expect(error.message).toContain(`unix:${path}`);
      expect(error.message).toMatch(what);
      expect(leftovers(path)).toEqual([]);
    }
    expect(readFileSync(file, 'utf8')).toBe('precious');
    expect(readFileSync(join(folder, 'inside'), 'utf8')).toBe('also precious');
    expect(lstatSync(toSocket).isSymbolicLink()).toBe(true);
    expect(lstatSync(toFile).isSymbolicLink()).toBe(true);
    expect(lstatSync(stale).isSocket()).toBe(true);
  });

  it('on close, leaves a path that is no longer its own socket', async () => {
    const path = freshPath();
    const server = await serve(api, { listen: `unix:${path}`, logger: false });
    // Someone moves our socket aside and puts a file of theirs at the path.
    renameSync(path, `${path}.moved`);
    writeFileSync(path, 'theirs');
    await server.close();
    expect(readFileSync(path, 'utf8')).toBe('theirs');
    unlinkSync(`${path}.moved`);
  });

  it('refuses a path too long for a unix socket, rather than binding a truncated one', async () => {
    const path = join(dir, 'x'.repeat(120));
    const error = await refusal(serve(api, { listen: `unix:${path}`, logger: false }));
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toMatch(/longer than \d+ bytes/);
  });

  it('breaks a lock left by a process that died holding it', async () => {
    const path = freshPath();
    await staleSocket(path);
    const dead = spawn(process.execPath, ['-e', '']);
    await once(dead, 'exit');
    writeFileSync(`${path}.lock`, String(dead.pid));
    const server = await serve(api, { listen: `unix:${path}`, logger: false });
    try {
      expect(await whoAnswers(path)).toBe(process.pid);
      expect(leftovers(path)).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it('waits for a lock held by a live process; past the wait, names the lock file', async () => {
    const path = freshPath();
    writeFileSync(`${path}.lock`, String(process.pid));
    const waiting = serve(api, { listen: `unix:${path}`, logger: false });
    // The holder finishes: the waiting server takes the path.
    setTimeout(() => unlinkSync(`${path}.lock`), 50);
    const server = await waiting;
    await server.close();

    writeFileSync(`${path}.lock`, String(process.pid));
    const error = await refusal(serve(api, { listen: `unix:${path}`, logger: false }));
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toContain(`${path}.lock is held by process ${process.pid}`);
    expect(() => lstatSync(path)).toThrow(/ENOENT/);
    unlinkSync(`${path}.lock`);
  });

  it(`two servers racing in one process: exactly one wins, ${ROUNDS} rounds`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const path = freshPath();
      // Half the rounds race for a stale socket, half for a free path.
      if (round % 2 === 0) await staleSocket(path);
      const results = await Promise.allSettled([
        serve(api, { listen: `unix:${path}`, logger: false }),
        serve(api, { listen: `unix:${path}`, logger: false }),
      ]);
      const winners = results.filter((r) => r.status === 'fulfilled');
      const losers = results.filter((r) => r.status === 'rejected');
      expect(winners).toHaveLength(1);
      expect(losers).toHaveLength(1);
      const reason = (losers[0] as PromiseRejectedResult).reason as Error;
      expect(reason).toBeInstanceOf(UsageError);
      expect(reason.message).toMatch(/in use by another server/);
      const winner = (winners[0] as PromiseFulfilledResult<Server>).value;
      expect(await whoAnswers(path)).toBe(process.pid);
      expect(leftovers(path)).toEqual([]);
      await winner.close();
      expect(() => lstatSync(path)).toThrow(/ENOENT/);
    }
  }, 60_000);

  describe('two servers racing in two processes', () => {
    const children: ChildProcess[] = [];
    afterAll(() => {
      for (const child of children) child.kill();
    });

    /** A process that, told a path, tries to serve it and says how it went. */
    function racer(): { child: ChildProcess; ask(message: object): Promise<RacerReply> } {
      const script = `
        import { serve } from ${JSON.stringify(new URL('../../src/index.ts', import.meta.url).pathname)};
        let server;
        process.on('message', async (message) => {
          if (message.listen) {
            try {
              server = await serve({ whoami: () => process.pid },
                { listen: 'unix:' + message.listen, logger: false });
              process.send({ won: true });
            } catch (error) {
              process.send({ won: false, name: error.name, message: error.message });
            }
          } else if (message.close) {
            await server?.close();
            server = undefined;
            process.send({ closed: true });
          }
        });
        process.send({ ready: true });`;
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', '--input-type=module', '-e', script],
        {
          stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
        },
      );
      children.push(child);
      const ask = async (message: object) => {
        const reply = once(child, 'message');
        child.send(message);
        const [answer] = (await withBound(reply, 15_000, 'a racer did not answer')) as [RacerReply];
        return answer;
      };
      return { child, ask };
    }

    it(`exactly one wins each of ${ROUNDS} rounds, and its socket answers`, async () => {
      const a = racer();
      const b = racer();
      await Promise.all([a, b].map((r) => withBound(once(r.child, 'message'), 15_000, 'no start')));
      for (let round = 0; round < ROUNDS; round++) {
        const path = freshPath();
        if (round % 2 === 0) await staleSocket(path);
        const replies = await Promise.all([a.ask({ listen: path }), b.ask({ listen: path })]);
        const winners = replies.filter((r) => r.won);
        expect(winners).toHaveLength(1);
        const loser = replies.find((r) => !r.won)!;
        expect(loser.name).toBe('UsageError');
        expect(loser.message).toMatch(/in use by another server/);
        const winner = replies[0]!.won ? a : b;
        expect(await whoAnswers(path)).toBe(winner.child.pid);
        expect(leftovers(path)).toEqual([]);
        await winner.ask({ close: true });
        expect(() => lstatSync(path)).toThrow(/ENOENT/);
      }
    }, 120_000);
  });
});

interface RacerReply {
  won?: boolean;
  name?: string;
  message?: string;
}

/** `promise`, or a rejection with `what` if it has not settled within `ms`. */
function withBound<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(what)), ms);
  });
  return Promise.race([promise, bound]).finally(() => clearTimeout(timer));
}
