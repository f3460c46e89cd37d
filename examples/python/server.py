"""A Python RPC server in the style of the Cookbook's recipe, for a farcall client to call:
a Listener with an authkey, a thread per client, pickled (name, args, kwargs) in, the pickled
result or exception out.

Run: python3 examples/python/server.py [PORT]   (default 17000; 0 picks a free port)
It prints 'listening on PORT' once it accepts connections.
"""
import pickle
import sys
from multiprocessing import AuthenticationError
from multiprocessing.connection import Listener
from threading import Thread

FUNCTIONS = {
    'add': lambda x, y: x + y,
    'sub': lambda x, y: x - y,
}


def serve_client(conn):
    """Answer one client's calls until it hangs up."""
    while True:
        try:
            name, args, kwargs = pickle.loads(conn.recv())
        except EOFError:
            return
        try:
            answer = FUNCTIONS[name](*args, **kwargs)
        except Exception as error:  # sent back for the caller to raise
            answer = error
        conn.send(pickle.dumps(answer))


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 17000
    listener = Listener(('127.0.0.1', port), authkey=b'peekaboo')
    print(f'listening on {listener.address[1]}', flush=True)
    while True:
        try:
            conn = listener.accept()
        except (AuthenticationError, EOFError, OSError) as error:
            # A client with the wrong key must not take the server down with it.
            print(f'refused a client: {error!r}', file=sys.stderr, flush=True)
            continue
        Thread(target=serve_client, args=(conn,), daemon=True).start()


if __name__ == '__main__':
    main()
