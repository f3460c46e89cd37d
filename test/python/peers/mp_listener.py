"""multiprocessing.connection Listeners that handshake with farcall clients.

Usage: mp_listener.py '<json>' where json is a list of listeners, each
  {"authkey": hex or null, "style": "builtin" | "py312", "count": N}
("builtin" is the interpreter's own Listener(authkey=...); "py312" is Listener(authkey=None)
followed by the 3.12 handshake from mp312.py). Prints {"addresses": [port, ...]} once all
listen, then, as each listener accepts its N connections in turn, one JSON line per connection:
{"listener": i, "ok": true, "got": text} after echoing one message back with an "echo:" prefix,
or {"listener": i, "error": class name, "module": module, "message": text} when the handshake
failed.
"""

import json
import os
import sys
import threading
from multiprocessing.connection import Listener

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mp312  # noqa: E402

print_lock = threading.Lock()


def report(**fields):
    with print_lock:
        print(json.dumps(fields), flush=True)


def serve_one(index, listener, key, style):
    try:
        conn = listener.accept()
        if style == 'py312' and key is not None:
            # The 3.12 server order: challenge the client, then answer its challenge.
            mp312.deliver(conn, key)
            mp312.answer(conn, key)
    except Exception as e:  # noqa: BLE001 - the test reads whatever failed
        report(listener=index, error=type(e).__name__, module=type(e).__module__, message=str(e))
        return
    with conn:
        got = conn.recv_bytes()
        conn.send_bytes(b'echo:' + got)
        report(listener=index, ok=True, got=got.decode())


def serve(index, listener, spec):
    key = bytes.fromhex(spec['authkey']) if spec.get('authkey') is not None else None
    with listener:
        for _ in range(spec.get('count', 1)):
            serve_one(index, listener, key, spec.get('style', 'builtin'))


def main():
    specs = json.loads(sys.argv[1])
    listeners = []
    for spec in specs:
        builtin = spec.get('style', 'builtin') == 'builtin' and spec.get('authkey') is not None
        key = bytes.fromhex(spec['authkey']) if builtin else None
        listeners.append(Listener(('127.0.0.1', 0), authkey=key))
    report(addresses=[listener.address[1] for listener in listeners])
    threads = [threading.Thread(target=serve, args=(i, listener, spec))
               for i, (listener, spec) in enumerate(zip(listeners, specs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


main()
