"""An XML-RPC server on Python's own xmlrpc.server, for a farcall client.

Usage: xmlrpc_server.py '<json>' with {"allow_none": bool}. A SimpleXMLRPCServer on 127.0.0.1
port 0 with the introspection and multicall functions registered; prints {"port": N}, serves
in a thread, and exits when its stdin closes.

CPython's Marshaller refuses ints past 32 bits (OverflowError) though its Unmarshaller reads
i8; like the extensions that send them, this server writes such ints as <i8>.
"""

import json
import sys
import threading
import xmlrpc.client
from xmlrpc.server import SimpleXMLRPCServer


def dump_int(self, value, write):
    if xmlrpc.client.MININT <= value <= xmlrpc.client.MAXINT:
        write("<value><int>%d</int></value>\n" % value)
    else:
        write("<value><i8>%d</i8></value>\n" % value)


xmlrpc.client.Marshaller.dispatch[int] = dump_int


def echo(value):
    """Returns its argument."""
    return value


def py_type(value):
    return [type(value).__name__, repr(value)]


def add(x, y):
    return x + y


def fail_value(message):
    raise ValueError(message)


def main():
    spec = json.loads(sys.argv[1])
    server = SimpleXMLRPCServer(
        ("127.0.0.1", 0),
        allow_none=spec["allow_none"],
        use_builtin_types=True,
        logRequests=False,
    )
    server.register_introspection_functions()
    server.register_multicall_functions()
    for fn in (echo, py_type, add, fail_value):
        server.register_function(fn)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(json.dumps({"port": server.server_address[1]}), flush=True)
    sys.stdin.read()
    server.shutdown()


main()
