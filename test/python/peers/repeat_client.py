"""A recipe-style client (the pickle form) that sends one call whose argument repeats a value.

Usage: repeat_client.py '<json>' with {"port": N, "size": bytes of the string, "times": N}.
Calls echo([s] * times) where s is one str of `size` characters: CPython memoizes s, so the
request holds it once. Prints {"request_bytes": N, "answer_bytes": N, "equal": bool,
"shared": bool}: the sizes of the two frames, whether the answer equals what was sent, and
whether its items are one str object (the answer memoized it too).
"""

import json
import pickle
import sys
from multiprocessing.connection import Client


def main():
    spec = json.loads(sys.argv[1])
    text = ('farcall ' * (spec['size'] // 8 + 1))[:spec['size']]
    sent = [text] * spec['times']
    conn = Client(('127.0.0.1', spec['port']))
    request = pickle.dumps(pickle.dumps(('echo', (sent,), {})))
    conn.send_bytes(request)
    answer = conn.recv_bytes()
    result = pickle.loads(pickle.loads(answer))
    shared = all(item is result[0] for item in result)
    print(json.dumps({'request_bytes': len(request), 'answer_bytes': len(answer),
                      'equal': result == sent, 'shared': shared}), flush=True)
    conn.close()


main()
