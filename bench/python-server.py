"""The bench's Python server, in the recipe's style: a Listener with an authkey, a thread per
client, pickled (name, args, kwargs) in and the pickled result out. It serves `echo`.

Usage: python3 bench/python-server.py AUTHKEY   -- prints 'listening on PORT' when ready.
"""
import pickle
import sys
from multiprocessing.connection import Listener
from threading import Thread

FUNCTIONS = {'echo': lambda x: x}


def serve_client(conn):
    while True:
        try:
            name, args, kwargs = pickle.loads(conn.recv())
        except EOFError:
            return
        try:
            answer = FUNCTIONS[name](*args, **kwargs)
        except Exception as error:
            answer = error
        conn.send(pickle.dumps(answer))


def main():
    listener = Listener(('127.0.0.1', 0), authkey=sys.argv[1].encode())
    print(f'listening on {listener.address[1]}', flush=True)
    while True:
        conn = listener.accept()
        Thread(target=serve_client, args=(conn,), daemon=True).start()


if __name__ == '__main__':
    main()
