/** Which api `farcall serve` builds from a module's exports, in memory (`buildApi`). */
import { describe, expect, it } from 'vitest';
import { buildApi } from '../../src/cli/load-module.js';
import { UsageError } from '../../src/index.js';
import { Registry } from '../../src/registry.js';

const served = (namespace: Record<string, unknown>) =>
  new Registry(buildApi(namespace, 'api.js')).methods();

describe('buildApi', () => {
  it('serves an object exported by name and as the default under both, namespaces included', () => {
    const api = { add: () => 1, math: { mul: () => 2 } };
    expect(served({ api, default: api })).toEqual(['add', 'api.add', 'api.math.mul', 'math.mul']);
  });

  it('merges named exports with the members of a default object', () => {
    const add = () => 1;
    const tools = { upper: () => 'A' };
    expect(served({ add, default: { add, tools, sub: () => 2 } })).toEqual([
      'add',
      'sub',
      'tools.upper',
    ]);
  });

  it('does not serve exported classes', () => {
    class NotFoundError extends Error {}
    const add = () => 1;
    expect(served({ NotFoundError, add, default: { NotFoundError, add } })).toEqual(['add']);
  });

  it('refuses a name exported both ways with different values, naming it', () => {
    expect(() => buildApi({ add: () => 1, default: { add: () => 2 } }, 'api.js')).toThrow(
      new UsageError(
        "api.js exports 'add' both by name and in its default export, with different values",
      ),
    );
  });

  it('serves a default-exported class instance as itself when it is the only export', () => {
    class Store {
      items = ['a'];
      count() {
        return this.items.length;
      }
    }
    const store = new Store();
    expect(buildApi({ default: store }, 'api.js')).toBe(store);
  });
});
