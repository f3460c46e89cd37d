"""RPC clients in the style of the Python Cookbook recipe 11.8, calling a farcall server.

Usage: rpc_client.py '<json>' with a list of runs, each
  {"address": port or unix path, "authkey": hex or null, "form": "pickle"|"single"|"json",
   "suite": "basic"|"values"|"types"|"errors"|"kwargs"|"many"|"auth"}
Prints one JSON line per run with what the suite saw.
"""

import decimal
import json
import math
import pickle
import sys
import threading
from multiprocessing.connection import Client


class Proxy:
    """`proxy.name(*args, **kwargs)` sends (name, args, kwargs) and returns the answer."""

    def __init__(self, conn, form):
        self._conn = conn
        self._form = form

    def __getattr__(self, name):
        def call(*args, **kwargs):
            message = (name, args, kwargs)
            if self._form == 'pickle':
                self._conn.send(pickle.dumps(message))
                result = pickle.loads(self._conn.recv())
            elif self._form == 'json':
                # The recipe's JSON client returns whatever comes back, errors included.
                self._conn.send(json.dumps(message))
                return json.loads(self._conn.recv())
            else:
                self._conn.send(message)
                result = self._conn.recv()
            if isinstance(result, Exception):
                raise result
            return result
        return call


def values(form):
    """The value table; the JSON form only has what JSON can say."""
    if form == 'json':
        return [0, -7, 2**70, 1.5, float('inf'), 'héllo ✓', '', [1, [2, 'x']], {'k': [None, True]},
                {}, None, False]
    return [0, -7, 2**31, 2**53 + 1, 2**70, -2**70, 1.5, float('inf'), float('nan'), 'héllo ✓',
            '', b'\x00\xff', b'', bytearray(b'ab'), (1, 'a'), (), (1,), [1, [2, (3,)]],
            {'k': [None, True]}, {}, {1: 'one'}, {1, 2}, set(), frozenset({3}),
            decimal.Decimal('1.10'), None, True, False]


def same(a, b):
    """Equal in value and in type, all the way down (nan equals nan)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return a == b


def failure(e):
    return {'type': type(e).__name__, 'module': type(e).__module__, 'str': str(e),
            'args': [repr(a) for a in e.args]}


def suite_basic(proxy, form):
    return {'add': proxy.add(2, 3), 'concat': proxy.add('a', 'b')}


def suite_values(proxy, form):
    return {'mismatches': [repr(v) for v in values(form) if not same(proxy.echo(v), v)]}


def suite_types(proxy, form):
    return {'types': [proxy.js_type(v) for v in values(form)]}


def suite_errors(proxy, form):
    seen = {}
    for name, call in [('type', lambda: proxy.throw_type('bad type')),
                       ('range', lambda: proxy.throw_range('too big')),
                       ('reference', lambda: proxy.throw_reference('x is not defined')),
                       ('plain', lambda: proxy.throw_plain('boom')),
                       ('named', lambda: proxy.throw_named('ZeroDivisionError', 'by zero')),
                       ('exit', lambda: proxy.throw_named('SystemExit', 'no')),
                       ('missing', lambda: proxy.no_such_function(1)),
                       ('kwargs', lambda: proxy.add(1, 2, z=3))]:
        try:
            seen[name] = {'returned': call()}
        except Exception as e:  # noqa: BLE001 - the test reads whatever was raised
            seen[name] = failure(e)
    # The connection still works after all those failures.
    seen['after'] = proxy.add(1, 1)
    return seen


def suite_kwargs(proxy, form):
    return {'both': proxy.kw(1, 'two', b=2, c=[3]), 'none': proxy.kw(1)}


def suite_many(address, key, form):
    results, lock = [], threading.Lock()

    def worker(n):
        with Client(address, authkey=key) as conn:
            proxy = Proxy(conn, form)
            ok = all(proxy.add(n, i) == n + i for i in range(25))
        with lock:
            results.append(ok)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {'clients': len(results), 'all_ok': all(results)}


SUITES = {'basic': suite_basic, 'values': suite_values, 'types': suite_types,
          'errors': suite_errors, 'kwargs': suite_kwargs}


def run(spec):
    key = bytes.fromhex(spec['authkey']) if spec.get('authkey') else None
    address = spec['address']
    address = ('127.0.0.1', address) if isinstance(address, int) else address
    form = spec.get('form', 'pickle')
    if spec['suite'] == 'many':
        return suite_many(address, key, form)
    try:
        conn = Client(address, authkey=key)
    except Exception as e:  # noqa: BLE001 - the auth suite reports the refusal
        return {'refused': failure(e)}
    with conn:
        if spec['suite'] == 'auth':
            return {'connected': Proxy(conn, form).add(20, 22)}
        return SUITES[spec['suite']](Proxy(conn, form), form)


def main():
    for spec in json.loads(sys.argv[1]):
        try:
            out = run(spec)
        except Exception as e:  # noqa: BLE001 - report, so the test shows what broke
            out = {'crashed': failure(e)}
        print(json.dumps(out, default=repr), flush=True)


main()
