import { randomBytes } from 'node:crypto';
import type { Stats } from 'node:fs';
import { link, lstat, open, rename, unlink, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { dirname, join } from 'node:path';
import { UsageError } from '../errors.js';

/**
 * Binding a listening server to a unix socket path without ever destroying what is there.
 *
 * Only a socket file is ever replaced, and only a stale one (connecting to it is refused):
 * `lstat` says what is at the path (a symbolic link is never followed), and anything but a socket
 * is a `UsageError` naming it. The server always binds a temporary name in the same directory
 * first and then moves its socket into place: `link()` when the path is free (it fails if
 * anything appeared there meanwhile), `rename()` over the stale socket otherwise. libuv unlinks
 * the name it bound when the server closes, whoever owns that name by then; binding a temporary
 * name means that unlink never touches the real path, which `release` removes only while it
 * is still this server's socket (same device and inode).
 *
 * Two servers racing for one stale path would both probe it stale and both rename, the second
 * replacing the first's live socket. So the probe and the move happen under a lock file beside
 * the socket (`PATH.lock`, created with `link()` from a file that already holds the owner's pid,
 * so it never exists empty). A server that finds the lock held waits for it (LOCK_TRIES), then
 * sees the winner's live socket and fails with "in use". A lock left by a process that died
 * holding it (its pid no longer exists) is broken by renaming it to a name of our own, which only
 * one breaker can do, and checking that what we took is the stale lock we examined; if it is a
 * fresh one (another breaker was faster and took the lock), it is linked back. The one window
 * left: if a third server creates a lock in the instant between that rename and the link back,
 * two servers hold the lock at once; it needs a holder that crashed and three servers starting
 * within microseconds. A pid reused by an unrelated process makes the lock look held: the error
 * names the lock file to remove.
 */

/** Longest unix socket path the kernel takes (`sun_path` less its terminating NUL). */
const MAX_PATH_BYTES = process.platform === 'linux' ? 107 : 103;
/** Waits for a lock held by a live process: LOCK_TRIES times LOCK_WAIT_MS, about 2 s. */
const LOCK_TRIES = 200;
const LOCK_WAIT_MS = 10;

/** A claimed path; `release` removes the socket file while it is still this server's. */
export interface UnixClaim {
  release(): Promise<void>;
}

/**
 * Binds `server` to `path` as described above. Rejects with `UsageError` when something other
 * than a stale socket is at the path, when a live server holds it, or when the lock cannot be
 * had; with the system error when binding fails (permission, missing directory). On rejection
 * nothing at the path has changed and `server` is not listening.
 */
export async function claimUnixPath(server: net.Server, path: string): Promise<UnixClaim> {
  const label = `unix:${path}`;
  if (Buffer.byteLength(path) > MAX_PATH_BYTES) {
    throw new UsageError(`${label}: the path is longer than ${MAX_PATH_BYTES} bytes`);
  }
  const unlock = await lock(path, label);
  try {
    const stale = await staleSocket(path, label);
    const temp = tempPath(path);
    if (Buffer.byteLength(temp) > MAX_PATH_BYTES) {
      throw new UsageError(
        `${label}: the path is too long to bind beside a temporary name (at most ${MAX_PATH_BYTES} bytes)`,
      );
    }
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(temp, () => {
        server.off('error', reject);
        resolve();
      });
    });
    try {
      const own = await lstat(temp);
      await moveIntoPlace(temp, path, stale, label);
      return { release: () => unlinkIfSame(path, own) };
    } catch (error) {
      server.close();
      throw error;
    }
  } finally {
    await unlock();
  }
}

/** What is at `path`: nothing (undefined), or a stale socket; anything else throws. */
async function staleSocket(path: string, label: string): Promise<Stats | undefined> {
  const stats = await lstatOrUndefined(path);
  if (!stats) return undefined;
  if (!stats.isSocket()) {
    throw new UsageError(
      `${label}: ${describe(stats)} is at that path; only a stale socket file is ever replaced`,
    );
  }
  const state = await probe(path);
  if (state === 'live') {
    throw new UsageError(`${label}: in use by another server (it accepts connections)`);
  }
  return state === 'gone' ? undefined : stats;
}

async function moveIntoPlace(temp: string, path: string, stale: Stats | undefined, label: string) {
  if (!stale) {
    try {
      await link(temp, path);
    } catch (error) {
      if (code(error) === 'EEXIST') {
        throw new UsageError(`${label}: another process created that path meanwhile`);
      }
      throw error;
    }
    await unlink(temp);
    return;
  }
  const now = await lstatOrUndefined(path);
  if (!now || now.ino !== stale.ino || now.dev !== stale.dev) {
    throw new UsageError(`${label}: the stale socket was replaced meanwhile by another process`);
  }
  await rename(temp, path);
}

/** Connects to a socket file: 'live' if someone accepts, 'stale' if refused, 'gone' if absent. */
function probe(path: string): Promise<'live' | 'stale' | 'gone'> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ path });
    socket.once('connect', () => {
      socket.destroy();
      resolve('live');
    });
    socket.once('error', (error) => {
      socket.destroy();
      const why = code(error);
      if (why === 'ECONNREFUSED') resolve('stale');
      else if (why === 'ENOENT') resolve('gone');
      // A full backlog means a server is there, just busy.
      else if (why === 'EAGAIN') resolve('live');
      else reject(error);
    });
  });
}

/** Takes `PATH.lock`; resolves with the function that gives it back. */
async function lock(path: string, label: string): Promise<() => Promise<void>> {
  const lockPath = `${path}.lock`;
  for (let attempt = 0; ; attempt++) {
    const mine = await tryLock(lockPath);
    if (mine) return () => unlinkIfSame(lockPath, mine);
    const holder = await readLock(lockPath);
    if (holder && !alive(holder.pid)) {
      await breakStaleLock(lockPath, holder.stats);
      continue;
    }
    if (attempt >= LOCK_TRIES) {
      throw new UsageError(
        `${label}: ${lockPath} is held by process ${holder?.pid}; remove it if that process is not a server starting on this path`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, LOCK_WAIT_MS));
  }
}

/** Creates the lock holding our pid, or resolves undefined if it exists. */
async function tryLock(lockPath: string): Promise<Stats | undefined> {
  const temp = tempPath(lockPath);
  await writeFile(temp, String(process.pid), { flag: 'wx', mode: 0o600 });
  try {
    await link(temp, lockPath);
    return await lstat(lockPath);
  } catch (error) {
    if (code(error) === 'EEXIST') return undefined;
    throw error;
  } finally {
    await unlink(temp);
  }
}

async function readLock(lockPath: string): Promise<{ pid: number; stats: Stats } | undefined> {
  const handle = await open(lockPath, 'r').catch((error) => {
    if (code(error) === 'ENOENT') return undefined;
    throw error;
  });
  if (!handle) return undefined;
  try {
    const stats = await handle.stat();
    const pid = Number((await handle.readFile('utf8')).trim());
    return { pid, stats };
  } finally {
    await handle.close();
  }
}

/** Removes a lock whose holder died, unless another breaker replaced it first (then restores). */
async function breakStaleLock(lockPath: string, stale: Stats): Promise<void> {
  const taken = tempPath(lockPath);
  try {
    await rename(lockPath, taken);
  } catch (error) {
    if (code(error) === 'ENOENT') return;
    throw error;
  }
  const what = await lstat(taken);
  if (what.ino !== stale.ino || what.dev !== stale.dev) {
    // A fresh lock of a live process: put it back; if that fails, a third one was made meanwhile.
    await link(taken, lockPath).catch(() => {});
  }
  await unlink(taken);
}

/** Whether a process with this pid exists (EPERM: it does, but is not ours to signal). */
function alive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return code(error) === 'EPERM';
  }
}

async function unlinkIfSame(path: string, own: Stats): Promise<void> {
  const now = await lstatOrUndefined(path);
  if (now && now.ino === own.ino && now.dev === own.dev) await unlink(path).catch(() => {});
}

/** A unique name in the same directory; the short form when the long one is too long to bind. */
function tempPath(path: string): string {
  const random = randomBytes(4).toString('hex');
  const beside = `${path}.${process.pid}.${random}.tmp`;
  if (Buffer.byteLength(beside) <= MAX_PATH_BYTES) return beside;
  return join(dirname(path), `.${random}.tmp`);
}

async function lstatOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await lstat(path);
  } catch (error) {
    if (code(error) === 'ENOENT') return undefined;
    throw error;
  }
}

function describe(stats: Stats): string {
  if (stats.isFile()) return 'a regular file';
  if (stats.isDirectory()) return 'a directory';
  if (stats.isSymbolicLink()) return 'a symbolic link';
  if (stats.isFIFO()) return 'a named pipe';
  return 'a device file';
}

function code(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}
