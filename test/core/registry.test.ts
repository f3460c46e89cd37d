/**
 * The registry's walk over an api object, in memory: which paths it serves, and what it skips.
 */
import { describe, expect, it } from 'vitest';
import { acceptsKwargs, type CallContext, UsageError, withContext } from '../../src/index.js';
import { DESCRIBE_METHODS, Registry } from '../../src/registry.js';

describe('Registry: which paths an api serves', () => {
  it('serves one namespace object under every path that reaches it', () => {
    const users = { get: (id: number) => ({ id }), list: () => [] };
    const api = { users, v1: { users }, v2: { users, admins: users } };
    expect(new Registry(api).methods()).toEqual([
      'users.get',
      'users.list',
      'v1.users.get',
      'v1.users.list',
      'v2.admins.get',
      'v2.admins.list',
      'v2.users.get',
      'v2.users.list',
    ]);
  });

  it('serves one class instance under several paths, each call with that instance as this', () => {
    class Counter {
      count = 0;
      increment() {
        this.count += 1;
        return this.count;
      }
    }
    const counter = new Counter();
    const registry = new Registry({ counter, legacy: { counter } });
    expect(registry.methods()).toEqual(['counter.increment', 'legacy.counter.increment']);
    const call = (method: string) =>
      registry.invoke(method, [], undefined, () => {
        throw new Error('no context here');
      });
    expect(call('counter.increment')).toBe(1);
    expect(call('legacy.counter.increment')).toBe(2);
  });

  it('skips a real cycle instead of walking it for ever', () => {
    const api: Record<string, unknown> = { ping: () => 'pong' };
    api.self = api;
    const inner: Record<string, unknown> = { echo: (x: unknown) => x };
    inner.back = { again: inner };
    api.inner = inner;
    expect(new Registry(api).methods()).toEqual(['inner.echo', 'ping']);
  });

  it('does not serve classes, whether exported for their types or nested in a namespace', () => {
    class NotFoundError extends Error {
      status = 404;
    }
    class Service {
      run() {
        return 'ran';
      }
    }
    const api = {
      NotFoundError,
      Service,
      errors: { NotFoundError },
      find: () => 'found',
      legacy: function legacyClassLike() {
        return 'a plain function is served';
      },
    };
    expect(new Registry(api).methods()).toEqual(['find', 'legacy']);
  });

  it('still refuses an api whose only exports are classes', () => {
    expect(() => new Registry({ Service: class {} })).toThrow(UsageError);
  });

  it('refuses an api whose shared namespaces would make too many paths', () => {
    // Each level holds the next one twice: 2^40 paths if walked naively.
    let level: Record<string, unknown> = { f: () => 1 };
    for (let i = 0; i < 40; i++) level = { a: level, b: level };
    expect(() => new Registry(level)).toThrow(/more than 100000/);
  });
});

describe('$farcall.describe', () => {
  it('names each method and its parameters, the context parameter left out', () => {
    const api = {
      add: (x: number, y = 2) => x + y,
      math: { mul: async (a: number, ...rest: number[]) => a * rest.length },
      who: withContext((_call: CallContext, name: string) => name),
      greet: acceptsKwargs((name: string, kw: object = {}) => `${name}${String(kw)}`),
    };
    const registry = new Registry(api);
    expect(registry.describe()).toEqual([
      { name: 'add', params: ['x', 'y'], kwargs: false },
      { name: 'greet', params: ['name', 'kw'], kwargs: true },
      { name: 'math.mul', params: ['a', 'rest'], kwargs: false },
      { name: 'who', params: ['name'], kwargs: false },
    ]);
    const viaWire = registry.invoke(DESCRIBE_METHODS, [], undefined, () => {
      throw new Error('no context');
    });
    expect(viaWire).toEqual(registry.describe());
  });
});
