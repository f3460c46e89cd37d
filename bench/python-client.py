"""The bench's Python client, in the recipe's style: a proxy whose attribute calls send
pickle.dumps((name, args, kwargs)) and unpickle the answer. It runs sequential `echo(42)` calls.

Usage: python3 bench/python-client.py PORT AUTHKEY
Reads one JSON request per line on stdin, {"maxCalls": N, "maxMs": T}, runs calls until either
bound, and answers one JSON line {"calls", "ms", "cpuUs"} (CPU time of this process).
"""
import json
import pickle
import sys
import time
from multiprocessing.connection import Client


class Proxy:
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


def run(proxy, max_calls, max_ms):
    cpu0 = time.process_time()
    start = time.perf_counter()
    deadline = start + max_ms / 1000
    calls = 0
    # Check the clock every 64 calls: reading it costs about as much as a call's overhead here.
    while calls < max_calls:
        for _ in range(64):
            proxy.echo(42)
        calls += 64
        if time.perf_counter() >= deadline:
            break
    ms = (time.perf_counter() - start) * 1000
    return {'calls': calls, 'ms': ms, 'cpuUs': (time.process_time() - cpu0) * 1e6}


def main():
    proxy = Proxy(Client(('127.0.0.1', int(sys.argv[1])), authkey=sys.argv[2].encode()))
    print(json.dumps({'ready': True}), flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        print(json.dumps(run(proxy, request['maxCalls'], request['maxMs'])), flush=True)


if __name__ == '__main__':
    main()
