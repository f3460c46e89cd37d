"""An XML-RPC client on Python's own xmlrpc.client, calling a farcall server.

Usage: xmlrpc_client.py '<json>' with {"url": the server's URL}. Runs every check below and
prints one JSON line: {"echo": [...], "values": [...], "fault": ..., ...}. Values are reported
as Python sees them: their type's name and repr.

CPython's Marshaller refuses ints past 32 bits (OverflowError) though its Unmarshaller reads
i8; like the extensions that send them, this client writes such ints as <i8>.
"""

import datetime
import json
import sys
import xmlrpc.client


def dump_int(self, value, write):
    if xmlrpc.client.MININT <= value <= xmlrpc.client.MAXINT:
        write("<value><int>%d</int></value>\n" % value)
    else:
        write("<value><i8>%d</i8></value>\n" % value)


xmlrpc.client.Marshaller.dispatch[int] = dump_int


def seen(value):
    return {"type": type(value).__name__, "repr": repr(value)}


def fault(call):
    try:
        call()
    except xmlrpc.client.Fault as f:
        return {"code": f.faultCode, "string": f.faultString}
    return None


SENT = [
    7,
    -7,
    2**40,
    -(2**62),
    True,
    False,
    1.5,
    float("inf"),
    "héllo ✓ <&>",
    "",
    None,
    datetime.datetime(1998, 7, 17, 14, 8, 55),
    b"\x00\xff",
    [1, "x", [None]],
    {"k": [None, False], "n": {"deep": 1}},
]


def main():
    spec = json.loads(sys.argv[1])
    url = spec["url"]
    proxy = xmlrpc.client.ServerProxy(url, allow_none=True, use_builtin_types=True)
    strict = xmlrpc.client.ServerProxy(url, use_builtin_types=True)
    out = {}
    # Each value there and back, and what JavaScript made of it.
    out["echo"] = [
        {"sent": repr(v), "back": seen(proxy.echo(v)), "js": proxy.kind(v)} for v in SENT
    ]
    out["values"] = [seen(v) for v in proxy.values()]
    out["add"] = proxy.add(2, 3)
    out["fault"] = fault(proxy.fail)
    out["missing"] = fault(proxy.nosuch)
    # Without allow_none, Python refuses to send None; what comes back with nil reads anyway.
    try:
        strict.echo(None)
        out["strict_send"] = "sent"
    except TypeError as e:
        out["strict_send"] = str(e)
    out["strict_receive"] = seen(strict.echo([1, 2])), seen(strict.values()[6])
    multi = xmlrpc.client.MultiCall(proxy)
    multi.add(1, 2)
    multi.fail()
    multi.echo("z")
    results = multi()
    out["multicall"] = [results[0], fault(lambda: results[1]), results[2]]
    out["listMethods"] = proxy.system.listMethods()
    out["methodHelp"] = proxy.system.methodHelp("add")
    out["methodSignature"] = proxy.system.methodSignature("add")
    out["helpMissing"] = fault(lambda: proxy.system.methodHelp("nosuch"))
    print(json.dumps(out))


main()
