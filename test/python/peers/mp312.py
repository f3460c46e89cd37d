"""The authkey handshake as CPython 3.12+ speaks it, written out for a 3.11 interpreter.

Follows the rules of Lib/multiprocessing/connection.py in 3.12 (deliver_challenge,
answer_challenge and their helpers) so that farcall's negotiated form can be checked without a
3.12 interpreter. Only hmac/hashlib/os are used; the 3.11 module is not consulted.
"""

import hmac
import os

CHALLENGE = b'#CHALLENGE#'
WELCOME = b'#WELCOME#'
FAILURE = b'#FAILURE#'
NONCE_LENGTH = 40  # 3.12 sends 40 random bytes after the {digest} prefix
DIGESTS = {b'md5', b'sha256', b'sha384', b'sha3_256', b'sha3_384'}
LONGEST_DIGEST = max(len(d) for d in DIGESTS)
LEGACY_SIZES = (20, 16)  # a bare 3.11 challenge body, a bare md5 answer


class HandshakeFailed(Exception):
    """Raised where 3.12 raises multiprocessing.AuthenticationError."""


def split_digest(blob):
    """(digest name or '' for legacy md5, payload) for a challenge body or an answer."""
    if len(blob) in LEGACY_SIZES:
        return '', blob
    if blob[:1] == b'{':
        end = blob.find(b'}', 1, LONGEST_DIGEST + 2)
        if end > 0 and blob[1:end] in DIGESTS:
            return blob[1:end].decode('ascii'), blob[end + 1:]
    raise HandshakeFailed('no usable digest prefix in %r' % (blob,))


def respond(key, body):
    """The answer a 3.12 peer gives to a challenge body (the bytes after #CHALLENGE#)."""
    name, _ = split_digest(body)
    if not name:
        return hmac.new(key, body, 'md5').digest()
    return b'{' + name.encode('ascii') + b'}' + hmac.new(key, body, name).digest()


def check(key, body, answer):
    """Raises HandshakeFailed unless answer proves key for the challenge body we sent."""
    name, mac = split_digest(answer)
    want = hmac.new(key, body, name or 'md5').digest()
    if len(want) != len(mac) or not hmac.compare_digest(want, mac):
        raise HandshakeFailed('wrong digest')


def challenge_body(nonce=None, digest='sha256'):
    nonce = os.urandom(NONCE_LENGTH) if nonce is None else nonce
    return b'{' + digest.encode('ascii') + b'}' + nonce


def deliver(conn, key):
    body = challenge_body()
    conn.send_bytes(CHALLENGE + body)
    answer = conn.recv_bytes(256)
    try:
        check(key, body, answer)
    except HandshakeFailed:
        conn.send_bytes(FAILURE)
        raise
    conn.send_bytes(WELCOME)


def answer(conn, key):
    message = conn.recv_bytes(256)
    if not message.startswith(CHALLENGE):
        raise HandshakeFailed('expected a challenge, got %r' % (message,))
    body = message[len(CHALLENGE):]
    if len(body) < 20:
        raise HandshakeFailed('challenge too short')
    conn.send_bytes(respond(key, body))
    if conn.recv_bytes(256) != WELCOME:
        raise HandshakeFailed('our digest was rejected')
