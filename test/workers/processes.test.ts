/**
 * Child processes for real: `fork` (IPC, JSON and advanced serialization) and `spawn` with piped
 * stdio, of fixtures that import the built package (`npm test` builds it first). A child killed
 * or exiting mid-call, a child that exits once its connection closes, the reverse direction, and
 * the user's own IPC messages beside farcall's.
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ConnectionClosedError,
  close,
  connectChild,
  LimitError,
  ProtocolError,
  RemoteError,
  serveChild,
  TimeoutError,
  UsageError,
  withOptions,
} from '../../src/index.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

type ChildApi = {
  add(x: number, y: number): number;
  pid(): number;
  bytes(n: number): Uint8Array;
  fail(): never;
  hang(): Promise<never>;
  exit(code: number): Promise<never>;
  print(text: string): Promise<never>;
  hello(text: string): string;
};

const children: ChildProcess[] = [];

type How = 'json' | 'advanced' | 'stdio';

/** Starts `name` as a child the way `how` says: forked with IPC, or spawned with pipes. */
function start(name: string, how: How): ChildProcess {
  const child =
    how === 'stdio'
      ? spawn(process.execPath, [fixture(name), 'stdio'], { stdio: ['pipe', 'pipe', 'inherit'] })
      : fork(fixture(name), [], { serialization: how });
  children.push(child);
  return child;
}

/** Resolves with how the child ended: `[code, signal]`. */
const exited = (child: ChildProcess) =>
  new Promise<[number | null, NodeJS.Signals | null]>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve([child.exitCode, child.signalCode]);
    } else child.once('exit', (code, signal) => resolve([code, signal]));
  });

afterEach(async () => {
  await Promise.all(
    children.splice(0).map((child) => {
      const done = exited(child);
      child.kill('SIGKILL');
      return done;
    }),
  );
});

for (const how of ['json', 'advanced', 'stdio'] as const) {
  describe(`serveParent and connectChild (${how === 'stdio' ? 'spawn, stdio' : `fork, ${how}`})`, () => {
    it('calls a child as it would a server, errors and large values too', async () => {
      const child = start('serve-parent.js', how);
      const remote = await connectChild<ChildApi>(child, { logger: false });
      expect(await remote.add(2, 3)).toBe(5);
      expect(await remote.pid()).toBe(child.pid);
      const bytes = await remote.bytes(1 << 20);
      expect(bytes).toBeInstanceOf(Uint8Array);
      expect(bytes.length).toBe(1 << 20);
      expect(bytes.every((b) => b === 7)).toBe(true);
      const error = await remote.fail().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RemoteError);
      expect(error).toMatchObject({ name: 'RangeError', message: 'out of range' });
      expect(String(remote)).toBe(`Remote(child:${child.pid})`);
      await close(remote);
    });

    it('lets the child exit once the connection closes', async () => {
      const child = start('serve-parent.js', how);
      const remote = await connectChild<ChildApi>(child, { logger: false });
      expect(await remote.add(1, 1)).toBe(2);
      await close(remote);
      expect(await exited(child)).toEqual([0, null]);
    });

    it('fails a call whose child is killed with an error naming the signal', async () => {
      const child = start('serve-parent.js', how);
      const remote = await connectChild<ChildApi>(child, { logger: false });
      const pending = remote.hang().catch((e: unknown) => e);
      // The call has reached the child once it answers one sent after it.
      expect(await remote.add(0, 0)).toBe(0);
      child.kill('SIGKILL');
      const error = (await pending) as ConnectionClosedError;
      expect(error).toBeInstanceOf(ConnectionClosedError);
      expect(error.requested).toBe(false);
      expect(error.message).toContain(`child process ${child.pid}`);
      expect(error.message).toContain('the process was killed by SIGKILL');
    });

    it('names the exit code of a child that exits mid-call', async () => {
      const child = start('serve-parent.js', how);
      const remote = await connectChild<ChildApi>(child, { logger: false });
      await expect(remote.exit(3)).rejects.toThrow('the process exited with code 3');
    });

    it('cancels the child side of a call that times out, and goes on', async () => {
      const child = start('serve-parent.js', how);
      const remote = await connectChild<ChildApi>(child, { logger: false });
      await expect(withOptions(remote, { timeout: 50 }).hang()).rejects.toBeInstanceOf(
        TimeoutError,
      );
      expect(await remote.add(4, 4)).toBe(8);
      await close(remote);
    });
  });
}

describe('over IPC, beside the user', () => {
  it("leaves the user's own messages alone, both ways", async () => {
    const child = start('serve-parent.js', 'advanced');
    const mine: unknown[] = [];
    child.on('message', (message) => mine.push(message));
    const remote = await connectChild<ChildApi>(child, { logger: false });
    child.send({ unrelated: true });
    expect(await remote.hello('there')).toBe('there');
    await expect.poll(() => mine).toContainEqual({ hello: 'there' });
    // The user sees farcall's envelopes too (they are messages on the channel), never the reverse.
    expect(mine.every((m) => typeof m === 'object' && m !== null)).toBe(true);
    expect(await remote.add(1, 2)).toBe(3);
    await close(remote);
  });

  it('closes a connection on which the child sends something that is not a frame', async () => {
    const child = start('bad-ipc.js', 'advanced');
    const error = (await connectChild(child, { logger: false }).catch((e) => e)) as Error;
    expect(error).toBeInstanceOf(ProtocolError);
    expect(error.message).toContain(
      `child process ${child.pid} sent a string where a frame was expected`,
    );
  });

  it('opens several connections on one IPC channel', async () => {
    const child = start('serve-parent.js', 'advanced');
    const first = await connectChild<ChildApi>(child, { logger: false });
    const second = await connectChild<ChildApi>(child, { logger: false });
    expect(await Promise.all([first.add(1, 1), second.add(2, 2)])).toEqual([2, 4]);
    await close(first);
    expect(await second.add(3, 3)).toBe(6);
    await close(second);
    expect(await exited(child)).toEqual([0, null]);
  });
});

describe('over stdio', () => {
  it('a child that prints to its stdout breaks the framing: the connection closes, saying why', async () => {
    const child = start('serve-parent.js', 'stdio');
    const remote = await connectChild<ChildApi>(child, { logger: false });
    const error = (await remote.print('hello from console.log\n').catch((e) => e)) as Error;
    expect(error).toBeInstanceOf(ConnectionClosedError);
    expect(error.cause).toBeInstanceOf(LimitError);
  });

  it('refuses a child with neither an IPC channel nor pipes', async () => {
    const child = spawn(process.execPath, [fixture('exit-at-once.js')], { stdio: 'ignore' });
    children.push(child);
    await expect(connectChild(child)).rejects.toBeInstanceOf(UsageError);
  });
});

describe('the reverse: serveChild in the parent, connectParent in the child', () => {
  for (const how of ['advanced', 'stdio'] as const) {
    it(`serves the parent to its child, which calls it and then exits (${how})`, async () => {
      const child = start('call-parent.js', how);
      const exit = exited(child);
      const reports: unknown[] = [];
      const server = await serveChild(
        child,
        {
          add: (x: number, y: number) => x + y,
          whereAmI: () => 'the parent',
          report: (value: unknown) => {
            reports.push(value);
          },
        },
        { logger: false },
      );
      expect(await exit).toEqual([0, null]);
      expect(reports).toEqual([{ sum: 5, where: 'the parent' }]);
      await server.close();
    });
  }

  it('says so when the child ends without serving', async () => {
    const child = fork(fixture('exit-at-once.js'), []);
    children.push(child);
    const error = (await connectChild(child, { logger: false }).catch((e) => e)) as Error;
    expect(error).toBeInstanceOf(ConnectionClosedError);
    // Either it ended before the connection was offered, or it ended the connection.
    expect(error.message).toContain('the process exited with code 0');
  });
});
