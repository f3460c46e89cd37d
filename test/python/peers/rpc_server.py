"""RPC servers in the style of the Python Cookbook recipe 11.8, one per message form.

Usage: rpc_server.py '<json>' with {"authkey": hex or null, "unix": directory or null}.
Starts a Listener for each form (pickle: pickled bytes of a pickle; single: the tuple itself;
json: a JSON string) on 127.0.0.1 and, given a directory, on a Unix socket in it, and prints
{"addresses": {form: port}, "unix": {form: path}}. Each accepted client gets
a daemon thread running the handler's loop until EOF. A failed authkey handshake prints
{"auth_error": form, "type": class name}. Runs until its stdin closes.
"""

import decimal
import json
import os
import pickle
import sys
import threading
from multiprocessing.connection import Listener


class Handler:
    """Calls registered functions by name; reads and writes one message form."""

    def __init__(self, form):
        self.form = form
        self.functions = {}

    def register(self, fn):
        self.functions[fn.__name__] = fn

    def read(self, conn):
        message = conn.recv()
        if self.form == 'pickle':
            return pickle.loads(message)
        if self.form == 'json':
            return json.loads(message)
        return message

    def write(self, conn, value, failed):
        if self.form == 'pickle':
            conn.send(pickle.dumps(value))
        elif self.form == 'json':
            conn.send(json.dumps(str(value) if failed else value))
        else:
            conn.send(value)

    def loop(self, conn):
        try:
            while True:
                name, args, kwargs = self.read(conn)
                try:
                    result = self.functions[name](*args, **kwargs)
                except Exception as e:  # noqa: BLE001 - the peer gets the exception
                    self.write(conn, e, True)
                else:
                    self.write(conn, result, False)
        except EOFError:
            pass


def add(x, y):
    return x + y


def echo(value):
    return value


def py_type(value):
    """The exact type and repr of what arrived, to check the JS -> Python mapping."""
    return [type(value).__name__, repr(value)]


def table():
    """Values built in Python, for the Python -> JS direction."""
    return [1, -7, 2**70, 1.5, float('inf'), 'héllo', b'\x00\xff', bytearray(b'ab'), (1, 'a'),
            [1, 2], {'k': [None, True]}, {1, 2}, frozenset({3}), decimal.Decimal('1.10'), None,
            (), {1: 'one'}]


def fail_value(message):
    raise ValueError(message)


def fail_many():
    raise ValueError('several', 2)


def fail_key():
    return {}['missing']


def fail_os():
    raise FileNotFoundError(2, 'No such file or directory', 'x.txt')


def kw(a, b=2, **extra):
    return {'a': a, 'b': b, 'extra': extra}


def accept_forever(listener, handler):
    while True:
        try:
            conn = listener.accept()
        except Exception as e:  # noqa: BLE001 - a failed handshake is reported, not fatal
            print(json.dumps({'auth_error': handler.form, 'type': type(e).__name__}), flush=True)
            continue
        threading.Thread(target=handler.loop, args=(conn,), daemon=True).start()


def main():
    spec = json.loads(sys.argv[1])
    key = bytes.fromhex(spec['authkey']) if spec.get('authkey') else None
    addresses, unix, listeners = {}, {}, []
    for form in ('pickle', 'single', 'json'):
        handler = Handler(form)
        for fn in (add, echo, py_type, table, fail_value, fail_many, fail_key, fail_os, kw):
            handler.register(fn)
        listener = Listener(('127.0.0.1', 0), authkey=key)
        addresses[form] = listener.address[1]
        listeners.append((listener, handler))
        if spec.get('unix'):
            unix[form] = os.path.join(spec['unix'], form + '.sock')
            listeners.append((Listener(unix[form], family='AF_UNIX', authkey=key), handler))
    for listener, handler in listeners:
        threading.Thread(target=accept_forever, args=(listener, handler), daemon=True).start()
    print(json.dumps({'addresses': addresses, 'unix': unix}), flush=True)
    sys.stdin.read()  # until the test closes our stdin (or dies)


main()
