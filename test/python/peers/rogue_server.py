"""A rogue server in the style of the Python Cookbook recipe 11.8: it answers every call with
an exception whose args are a DAG (a list holding the list below it twice, 60 levels deep), a
pickle of under 300 bytes that a tree walk would take 2^60 steps over.

Usage: rogue_server.py. Listens on 127.0.0.1:0 without an authkey, prints {"port": N}, and
answers each call on each connection (the pickle form: pickled bytes of a pickle) until its
stdin closes. Each answer's size is printed as {"answer_bytes": N}.
"""

import json
import pickle
import sys
import threading
from multiprocessing.connection import Listener


def dag(levels):
    value = []
    for _ in range(levels):
        value = [value, value]
    return value


ANSWER = pickle.dumps(ValueError('rogue', dag(60)))


def loop(conn):
    try:
        while True:
            pickle.loads(conn.recv())
            conn.send(ANSWER)
            print(json.dumps({'answer_bytes': len(ANSWER)}), flush=True)
    except EOFError:
        pass


def accept_forever(listener):
    while True:
        conn = listener.accept()
        threading.Thread(target=loop, args=(conn,), daemon=True).start()


def main():
    listener = Listener(('127.0.0.1', 0))
    threading.Thread(target=accept_forever, args=(listener,), daemon=True).start()
    print(json.dumps({'port': listener.address[1]}), flush=True)
    sys.stdin.read()  # until the test closes our stdin (or dies)


main()
