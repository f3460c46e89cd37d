import { describe, expect, it } from 'vitest';
import {
  AbortError,
  ConnectionClosedError,
  close,
  invoke,
  notify,
  RemoteError,
  TimeoutError,
  withOptions,
} from '../../src/index.js';
import type { Remote } from '../../src/proxy.js';
import { memorySessions } from '../helpers/memory-session.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function makeApi() {
  const seen: unknown[] = [];
  const api = {
    echo: (x: unknown) => x,
    delayed: async (ms: number, value: unknown) => {
      await sleep(ms);
      return value;
    },
    record: (x: unknown) => {
      seen.push(x);
    },
    never: () => new Promise(() => {}),
  };
  return { api, seen };
}

describe('Session', () => {
  it('answers calls in any order, each to its own caller', async () => {
    const { api } = makeApi();
    const { remote } = await memorySessions(api);
    const r = remote as Remote<typeof api>;
    const order: string[] = [];
    const slow = r.delayed(60, 'slow').then((v) => order.push(v as string));
    const fast = r.delayed(5, 'fast').then((v) => order.push(v as string));
    const many = await Promise.all(Array.from({ length: 200 }, (_, i) => r.echo(i)));
    await Promise.all([slow, fast]);
    expect(order).toEqual(['fast', 'slow']);
    expect(many).toEqual(Array.from({ length: 200 }, (_, i) => i));
  });

  it('times out with TimeoutError and drops the late answer', async () => {
    const { api } = makeApi();
    const { remote, client } = await memorySessions(api, { timeout: 30 });
    const r = remote as Remote<typeof api>;
    // The answer would come at 200 ms; a TimeoutError means the 30 ms timeout fired first.
    await expect(r.delayed(200, 'late')).rejects.toBeInstanceOf(TimeoutError);
    // The per-call override beats the client default.
    expect(await withOptions(r, { timeout: 1000 }).delayed(60, 'ok')).toBe('ok');
    await sleep(200); // the late answer arrives now and must be ignored
    expect(await r.echo('after')).toBe('after');
    expect((client as unknown as { pending: Map<number, unknown> }).pending.size).toBe(0);
  });

  it('rejects every pending call at once when the connection drops', async () => {
    const { api } = makeApi();
    const { remote, serverTransport } = await memorySessions(api);
    const r = remote as Remote<typeof api>;
    const calls = [r.never(), r.never(), r.delayed(10_000, 'x')];
    await sleep(10);
    serverTransport.close(new Error('cable cut'));
    const results = await Promise.allSettled(calls);
    for (const result of results) {
      expect(result.status).toBe('rejected');
      const error = (result as PromiseRejectedResult).reason;
      expect(error).toBeInstanceOf(ConnectionClosedError);
      expect(error.requested).toBe(false);
    }
    await expect(r.echo(1)).rejects.toBeInstanceOf(ConnectionClosedError);
  });

  it('tells a requested close from a lost connection', async () => {
    const { api } = makeApi();
    const { remote } = await memorySessions(api);
    const r = remote as Remote<typeof api>;
    const pending = r.never();
    await close(r);
    await expect(pending).rejects.toMatchObject({ name: 'ConnectionClosedError', requested: true });
  });

  it('aborts a call with its signal', async () => {
    const { api } = makeApi();
    const { remote } = await memorySessions(api);
    const controller = new AbortController();
    const call = invoke(remote, 'never', [], { signal: controller.signal });
    controller.abort();
    await expect(call).rejects.toBeInstanceOf(AbortError);
  });

  it('runs notifications without answering them', async () => {
    const { api, seen } = makeApi();
    const { remote, serverTransport } = await memorySessions(api);
    const sent: Uint8Array[] = [];
    const send = serverTransport.send.bind(serverTransport);
    serverTransport.send = (frame: Uint8Array) => {
      sent.push(frame);
      send(frame);
    };
    notify(remote, 'record', 'hello');
    notify(remote, 'nosuch', 1); // logged on the server, never answered
    expect(await invoke(remote, 'echo', [1])).toBe(1);
    expect(seen).toEqual(['hello']);
    expect(sent.length).toBe(1); // only the answer to echo
  });

  it('is never a thenable, and control names do not collide with remote names', async () => {
    const { api } = makeApi();
    const { remote } = await memorySessions(api);
    const r = remote as Record<string, unknown>;
    expect(r.then).toBeUndefined();
    expect((r.math as Record<string, unknown>).then).toBeUndefined();
    // Awaiting the proxy must not call the server.
    expect(await Promise.resolve(remote)).toBe(remote);
    expect(typeof (remote as AsyncDisposable)[Symbol.asyncDispose]).toBe('function');
    await expect(invoke(remote, 'close')).rejects.toMatchObject({ code: 'METHOD_NOT_FOUND' });
  });

  it('drops the answer to a cancelled call, and ignores cancels for ids it is not running', async () => {
    let finished = false;
    const api = {
      slow: async () => {
        await sleep(50);
        finished = true;
        return 'late';
      },
      echo: (x: unknown) => x,
    };
    const { remote, clientTransport, server, client, serverTransport } = await memorySessions(api);
    let framesFromServer = 0;
    const send = serverTransport.send.bind(serverTransport);
    serverTransport.send = (frame: Uint8Array) => {
      framesFromServer++;
      send(frame);
    };
    const caller = (
      client as unknown as { connection: { caller: { writeCancel(id: number): Uint8Array } } }
    ).connection.caller;
    for (let id = 1000; id < 11_000; id++) clientTransport.send(caller.writeCancel(id));
    const outcome = invoke(remote, 'slow', [], { timeout: 10 }).catch((e: unknown) => e);
    expect(await outcome).toBeInstanceOf(TimeoutError);
    // Ten thousand cancels take the server a while: wait until it has run the call to its end.
    await expect.poll(() => finished && server.activeCalls === 0, { timeout: 5000 }).toBe(true);
    expect(framesFromServer).toBe(0); // the cancelled call's answer was never sent
    expect(await invoke(remote, 'echo', ['still here'])).toBe('still here');
    const responder = (server as unknown as { responder: { byId: Map<unknown, unknown> } })
      .responder;
    expect(responder.byId.size).toBe(0);
  });

  it('refuses keyword arguments to functions that do not take them', async () => {
    const { api } = makeApi();
    const { remote } = await memorySessions(api);
    await expect(invoke(remote, 'echo', [1], { kwargs: { x: 1 } })).rejects.toMatchObject({
      code: 'INVALID_PARAMS',
    });
    await expect(invoke(remote, 'echo', [1], { kwargs: { x: 1 } })).rejects.toBeInstanceOf(
      RemoteError,
    );
  });
});
