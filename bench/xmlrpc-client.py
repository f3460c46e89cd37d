"""The bench's XML-RPC client: Python's own xmlrpc.client calling `echo(42)` in a loop.

Usage: python3 bench/xmlrpc-client.py URL
Reads one JSON request per line on stdin, {"maxCalls": N, "maxMs": T}, runs calls until either
bound, and answers one JSON line {"calls", "ms", "cpuUs"} (CPU time of this process).
"""
import json
import sys
import time
import xmlrpc.client


def run(proxy, max_calls, max_ms):
    cpu0 = time.process_time()
    start = time.perf_counter()
    deadline = start + max_ms / 1000
    calls = 0
    while calls < max_calls:
        for _ in range(16):
            if proxy.echo(42) != 42:
                raise ValueError('echo answered something else')
        calls += 16
        if time.perf_counter() >= deadline:
            break
    ms = (time.perf_counter() - start) * 1000
    return {'calls': calls, 'ms': ms, 'cpuUs': (time.process_time() - cpu0) * 1e6}


def main():
    proxy = xmlrpc.client.ServerProxy(sys.argv[1])
    print(json.dumps({'ready': True}), flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        print(json.dumps(run(proxy, request['maxCalls'], request['maxMs'])), flush=True)


if __name__ == '__main__':
    main()
