"""RPC clients in the style of the Python Cookbook recipe 11.8, over ZeroMQ the way the recipe's
text says: the connection object replaced by a REQ socket, one pickle per message.

Usage: zmq_rpc_client.py '<json>' with {"address": "tcp://HOST:PORT", "suites": [...]};
prints one JSON line per suite with what it saw.
"""

import decimal
import json
import math
import pickle
import sys
import threading

import zmq


class RPCProxy:
    def __init__(self, sock):
        self._sock = sock

    def __getattr__(self, name):
        def do_rpc(*args, **kwargs):
            self._sock.send(pickle.dumps((name, args, kwargs)))
            result = pickle.loads(self._sock.recv())
            if isinstance(result, Exception):
                raise result
            return result
        return do_rpc


VALUES = [0, -7, 2**31, 2**53 + 1, 2**70, -2**70, 1.5, float('inf'), float('nan'), 'héllo ✓', '',
          b'\x00\xff', b'', (1, 'a'), (), [1, [2, (3,)]], {'k': [None, True]}, {}, {1: 'one'},
          {1, 2}, set(), frozenset({3}), decimal.Decimal('1.10'), None, True, False]


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
    return {'type': type(e).__name__, 'str': str(e)}


def connect(ctx, address):
    sock = ctx.socket(zmq.REQ)
    sock.setsockopt(zmq.LINGER, 0)
    sock.setsockopt(zmq.RCVTIMEO, 10000)  # a bounded wait: a lost answer fails the suite
    sock.connect(address)
    return sock


def suite_basic(proxy, ctx, address):
    return {'add': proxy.add(2, 3), 'concat': proxy.add('a', 'b')}


def suite_values(proxy, ctx, address):
    return {'mismatches': [repr(v) for v in VALUES if not same(proxy.echo(v), v)]}


def suite_errors(proxy, ctx, address):
    seen = {}
    for name, call in [('type', lambda: proxy.throw_type('bad type')),
                       ('range', lambda: proxy.throw_range('too big')),
                       ('missing', lambda: proxy.no_such_function(1))]:
        try:
            seen[name] = {'returned': call()}
        except Exception as e:  # noqa: BLE001 - the test reads whatever was raised
            seen[name] = failure(e)
    seen['after'] = proxy.add(1, 1)
    return seen


def suite_kwargs(proxy, ctx, address):
    return {'greet': proxy.greet('bob', punctuation='?')}


def suite_many(proxy, ctx, address):
    """10 clients at once, each its own REQ socket, 30 calls each; who answered each call."""
    answered, lock = [], threading.Lock()

    def worker(n):
        sock = connect(ctx, address)
        mine = RPCProxy(sock)
        for i in range(30):
            got = mine.whoami(n * 100 + i)
            with lock:
                answered.append(got)
        sock.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {'answered': answered}


SUITES = {'basic': suite_basic, 'values': suite_values, 'errors': suite_errors,
          'kwargs': suite_kwargs, 'many': suite_many}


def main():
    spec = json.loads(sys.argv[1])
    ctx = zmq.Context()
    sock = connect(ctx, spec['address'])
    proxy = RPCProxy(sock)
    for name in spec['suites']:
        try:
            out = SUITES[name](proxy, ctx, spec['address'])
        except Exception as e:  # noqa: BLE001 - report, so the test shows what broke
            out = {'crashed': failure(e)}
        print(json.dumps(out, default=repr), flush=True)
    sock.close()
    ctx.term()


main()
