"""Calling a farcall server from Python, the way the Cookbook's RPC recipe calls its own server:
multiprocessing.connection with an authkey, (name, args, kwargs) pickled in, a pickled result or
exception back.

Run: python3 examples/python/client.py [PORT]   (default 17000)
"""
import pickle
import sys
from multiprocessing.connection import Client


class Remote:
    """remote.name(*args, **kwargs) runs `name` on the server; its exceptions are raised here."""

    def __init__(self, conn):
        self._conn = conn

    def __getattr__(self, name):
        def call(*args, **kwargs):
            self._conn.send(pickle.dumps((name, args, kwargs)))
            answer = pickle.loads(self._conn.recv())
            if isinstance(answer, BaseException):
                raise answer
            return answer
        return call


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 17000
    remote = Remote(Client(('127.0.0.1', port), authkey=b'peekaboo'))
    print('>>> remote.add(2, 3)')
    print(remote.add(2, 3))
    print('>>> remote.sub(2, 3)')
    print(remote.sub(2, 3))
    print(">>> remote.greet('bob', punctuation='?')")
    print(remote.greet('bob', punctuation='?'))
    print('>>> remote.sub([1, 2], 4)')
    try:
        remote.sub([1, 2], 4)
    except TypeError as error:  # a JavaScript TypeError arrives as Python's own
        print(f'TypeError: {error}')


if __name__ == '__main__':
    main()
