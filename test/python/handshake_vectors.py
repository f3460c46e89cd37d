"""Expected handshake bytes for fixed keys and challenges, by the CPython 3.12 rules.

Prints one JSON object: `respond` (what a 3.12 peer answers to a challenge body), `accept`
(answers a 3.12 deliverer takes, including the raw md5 a 3.11 peer gives to a {sha256}
challenge) and `reject` (answers it refuses). All bytes are hex.
"""

import hmac
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), 'peers'))
import mp312  # noqa: E402

KEYS = [b'secret', b'', bytes(range(100)), 'clé-ü'.encode()]
NONCE = bytes((7 * i + 3) % 256 for i in range(mp312.NONCE_LENGTH))
BODIES = [bytes(range(20))] + [
    mp312.challenge_body(NONCE, d)
    for d in ('sha256', 'md5', 'sha384', 'sha3_256', 'sha3_384')
]


def row(key, body, answer):
    return {'key': key.hex(), 'body': body.hex(), 'answer': answer.hex()}


def main():
    respond, accept, reject = [], [], []
    for key in KEYS:
        for body in BODIES:
            answer = mp312.respond(key, body)
            respond.append(row(key, body, answer))
            accept.append(row(key, body, answer))
    modern = mp312.challenge_body(NONCE)
    for key in KEYS:
        # A 3.11 peer takes the whole {sha256}... body as its nonce and answers raw HMAC-MD5.
        accept.append(row(key, modern, hmac.new(key, modern, 'md5').digest()))
        # A {sha512} answer: sha512 is not in 3.12's allowed digests.
        reject.append(row(key, modern, b'{sha512}' + hmac.new(key, modern, 'sha512').digest()))
        # The sha256 MAC made with another key.
        reject.append(row(key, modern, mp312.respond(key + b'x', modern)))
        # A truncated sha256 MAC.
        reject.append(row(key, modern, mp312.respond(key, modern)[:-1]))
        # An unprefixed answer that is not md5-sized.
        reject.append(row(key, modern, hmac.new(key, modern, 'sha256').digest()))
    for entry in reject:
        key, body, answer = (bytes.fromhex(entry[k]) for k in ('key', 'body', 'answer'))
        try:
            mp312.check(key, body, answer)
        except mp312.HandshakeFailed:
            continue
        raise SystemExit('a reject vector passed the 3.12 check: %r' % entry)
    json.dump({'respond': respond, 'accept': accept, 'reject': reject}, sys.stdout)


main()
