"""multiprocessing.connection Clients that handshake with a farcall server.

Usage: mp_client.py '<json>' where json is a list of attempts, run in order:
  {"address": port or unix path, "authkey": hex or null, "style": "builtin" | "py312"}
Each attempt connects, handshakes, sends b"ping" and reads one answer. Prints one JSON line
per attempt: {"ok": true, "got": text} or {"error": class, "module": module, "message": text}.
"""

import json
import os
import sys
from multiprocessing.connection import Client

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mp312  # noqa: E402


def attempt(spec):
    key = bytes.fromhex(spec['authkey']) if spec.get('authkey') is not None else None
    address = spec['address']
    address = ('127.0.0.1', address) if isinstance(address, int) else address
    style = spec.get('style', 'builtin')
    conn = Client(address, authkey=key if style == 'builtin' else None)
    with conn:
        if style == 'py312' and key is not None:
            # The 3.12 client order: answer the server's challenge, then challenge it.
            mp312.answer(conn, key)
            mp312.deliver(conn, key)
        conn.send_bytes(b'ping')
        return conn.recv_bytes().decode()


def main():
    for spec in json.loads(sys.argv[1]):
        try:
            got = attempt(spec)
        except Exception as e:  # noqa: BLE001 - the test reads whatever failed
            print(json.dumps({'error': type(e).__name__, 'module': type(e).__module__,
                              'message': str(e)}), flush=True)
        else:
            print(json.dumps({'ok': True, 'got': got}), flush=True)


main()
