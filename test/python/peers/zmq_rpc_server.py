"""An RPC server in the style of the Python Cookbook recipe 11.8, over ZeroMQ the way the
recipe's text says: the connection object replaced by a REP socket, one pickle per message.

Usage: zmq_rpc_server.py  Binds a REP socket on 127.0.0.1 (a free port), prints {"port": N},
and answers calls until its stdin closes.
"""

import decimal
import json
import pickle
import sys
import threading

import zmq


class RPCHandler:
    def __init__(self):
        self._functions = {}

    def register_function(self, func):
        self._functions[func.__name__] = func

    def handle_connection(self, sock):
        while True:
            func_name, args, kwargs = pickle.loads(sock.recv())
            try:
                r = self._functions[func_name](*args, **kwargs)
                sock.send(pickle.dumps(r))
            except Exception as e:  # noqa: BLE001 - the caller gets the exception
                sock.send(pickle.dumps(e))


def add(x, y):
    return x + y


def echo(value):
    return value


def py_type(value):
    """The exact type and repr of what arrived, to check the JS -> Python mapping."""
    return [type(value).__name__, repr(value)]


def table():
    """Values built in Python, for the Python -> JS direction."""
    return [1, -7, 2**70, 1.5, 'héllo', b'\x00\xff', (1, 'a'), [1, 2], {'k': [None, True]},
            {1, 2}, frozenset({3}), decimal.Decimal('1.10'), None]


def fail_value(message):
    raise ValueError(message)


def kw(a, b=2, **extra):
    return {'a': a, 'b': b, 'extra': extra}


def main():
    handler = RPCHandler()
    for fn in (add, echo, py_type, table, fail_value, kw):
        handler.register_function(fn)
    ctx = zmq.Context()
    sock = ctx.socket(zmq.REP)
    port = sock.bind_to_random_port('tcp://127.0.0.1')
    threading.Thread(target=handler.handle_connection, args=(sock,), daemon=True).start()
    print(json.dumps({'port': port}), flush=True)
    sys.stdin.read()  # until the test closes our stdin (or dies)


main()
