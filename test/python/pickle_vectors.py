"""Print the pickle test vectors as JSON on stdout.

For each value: its name, the bytes of pickle.dumps(value, protocol) in hex for protocols 0
to 5, and a JSON description of the JavaScript value farcall's decoder must give for it.
The description is a tree of tagged nodes ({"t": "int", "v": "5"}, {"t": "list", ...});
containers carry an "id", and a later occurrence of the same object is {"t": "ref", "id": n},
so shared references and cycles can be checked too.
"""

import collections
import datetime
import decimal
import json
import math
import pickle
import sys


def recursive_list():
    # l = [l]: the decoder must give an array that contains itself.
    items = []
    items.append(items)
    return items


def shared_pair():
    # (x, x): both tuple items are the same list.
    x = [1]
    return (x, x)


def recursive_tuple():
    # t = ([t],): a tuple can only reach itself through a mutable container.
    items = []
    value = (items,)
    items.append(value)
    return value


def recursive_exception():
    # e = ValueError([e]): CPython writes the exception inside its own arguments first.
    items = []
    error = ValueError(items)
    items.append(error)
    return error


def exception_with_state():
    # An attribute of its own makes CPython add a BUILD with the exception's __dict__.
    error = ValueError("x")
    error.code = 7
    return error


def exception_with_notes():
    # add_note (Python 3.11+) keeps the notes in __dict__; older Pythons get a plain attribute.
    error = KeyError("k")
    error.__notes__ = ["a note"]
    return error


# (name, value). Names are what the test reports.
VALUES = [
    ("None", None),
    ("True", True),
    ("False", False),
    ("int 0", 0),
    ("int -1", -1),
    ("int 255", 255),
    ("int 65536", 65536),
    ("int 2**31", 2**31),
    ("int 2**53", 2**53),
    ("int 2**53+1", 2**53 + 1),
    ("int -2**63", -(2**63)),
    ("int 2**100", 2**100),
    ("int -(2**100)", -(2**100)),
    ("float 1.5", 1.5),
    ("float -0.0", -0.0),
    ("float inf", math.inf),
    ("float -inf", -math.inf),
    ("float nan", math.nan),
    ("float 1e300", 1e300),
    ("str empty", ""),
    ("str accented", "héllo"),
    ("str astral", "\U0001F600"),
    ("str lone surrogate", "a\ud800b"),
    ("str newline and backslash", "a\nb\\c"),
    ("bytes empty", b""),
    ("bytes 00 ff", b"\x00\xff"),
    ("bytearray", bytearray(b"ab")),
    ("bytearray empty", bytearray()),
    ("tuple empty", ()),
    ("tuple 1", (1,)),
    ("tuple 1 2 3", (1, 2, 3)),
    ("tuple of 5", (1, 2, 3, 4, 5)),
    ("list empty", []),
    ("list nested", [1, [2, [3]]]),
    ("dict empty", {}),
    ("dict str key", {"a": 1}),
    ("dict int key", {1: "x"}),
    ("dict proto keys", {"__proto__": 1, "constructor": 2}),
    ("dict tuple key", {(1, 2): "t"}),
    ("set empty", set()),
    ("set 1", {1}),
    ("set 1 2", {1, 2}),
    ("frozenset 3", frozenset({3})),
    ("TypeError", TypeError("bad")),
    ("ValueError 2 args", ValueError("v", 2)),
    ("KeyError", KeyError("k")),
    ("exception with state", exception_with_state()),
    ("OrderedDict", collections.OrderedDict([("b", 1), ("a", 2)])),
    ("datetime", datetime.datetime(2024, 1, 2, 3, 4, 5, 678000)),
    ("datetime utc", datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)),
    ("date", datetime.date(2024, 1, 2)),
    ("Decimal", decimal.Decimal("1.10")),
    ("shared refs", shared_pair()),
    ("recursive list", recursive_list()),
    ("recursive tuple", recursive_tuple()),
    ("recursive exception", recursive_exception()),
    ("exception with notes", exception_with_notes()),
    # Sizes past the one-byte forms: batches of 1000 items, LONG4, BINBYTES, BINUNICODE, and
    # more than 256 memo entries (LONG_BINPUT/LONG_BINGET).
    ("list of 2500", list(range(2500))),
    ("dict of 1500", {i: str(i) for i in range(1500)}),
    ("set of 1500", set(range(1500))),
    ("int 2**3000-1", 2**3000 - 1),
    ("int -(2**3000)", -(2**3000)),
    ("bytes 300", bytes(range(256)) + b"x" * 44),
    ("str 300", "\u00e9" * 300),
    ("300 lists shared twice", [[i] for i in range(300)] * 2),
    ("mixed call args", ("add", (1, 2.5), {"verbose": True})),
]


def epoch_ms(value):
    # Naive datetimes are read as UTC, as the decoder does.
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=datetime.timezone.utc)
    else:
        value = datetime.datetime(value.year, value.month, value.day, tzinfo=datetime.timezone.utc)
    epoch = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
    return (value - epoch) // datetime.timedelta(milliseconds=1)


class Describer:
    """Turns a Python value into the tagged description of the expected JavaScript value."""

    def __init__(self):
        self.ids = {}

    def container(self, value, tag, **fields):
        # The id is assigned before the children are described, so a cycle becomes a ref.
        self.ids[id(value)] = len(self.ids)
        node = {"t": tag, "id": self.ids[id(value)]}
        node.update({key: make() for key, make in fields.items()})
        return node

    def describe(self, value):
        if id(value) in self.ids:
            return {"t": "ref", "id": self.ids[id(value)]}
        if value is None:
            return {"t": "none"}
        if isinstance(value, bool):
            return {"t": "bool", "v": value}
        if isinstance(value, int):
            return {"t": "int", "v": str(value)}
        if isinstance(value, float):
            return {"t": "float", "v": repr(value)}
        if isinstance(value, str):
            return {"t": "str", "v": value}
        if isinstance(value, bytes):
            return {"t": "bytes", "hex": value.hex()}
        if isinstance(value, bytearray):
            return {"t": "bytearray", "hex": value.hex()}
        return self.describe_object(value)

    def describe_object(self, value):
        items = lambda: [self.describe(item) for item in value]  # noqa: E731
        if isinstance(value, tuple):
            return self.container(value, "tuple", items=items)
        if isinstance(value, list):
            return self.container(value, "list", items=items)
        if isinstance(value, frozenset):
            return self.container(value, "frozenset", items=items)
        if isinstance(value, set):
            return self.container(value, "set", items=items)
        if isinstance(value, dict):
            tag = "ordereddict" if isinstance(value, collections.OrderedDict) else "dict"
            entries = lambda: [[self.describe(k), self.describe(v)] for k, v in value.items()]  # noqa: E731
            return self.container(value, tag, entries=entries)
        if isinstance(value, BaseException):
            state = vars(value)
            fields = {"args": lambda: [self.describe(arg) for arg in value.args]}
            if state:
                fields["state"] = lambda: self.describe(dict(state))
            node = self.container(value, "exception", **fields)
            node["name"] = type(value).__name__
            return node
        if isinstance(value, (datetime.date, datetime.datetime)):
            tag = "datetime" if isinstance(value, datetime.datetime) else "date"
            return {"t": tag, "ms": epoch_ms(value)}
        if isinstance(value, decimal.Decimal):
            return {"t": "decimal", "v": str(value)}
        raise TypeError("no description for %r" % (value,))


def main():
    vectors = []
    for name, value in VALUES:
        pickles = {str(p): pickle.dumps(value, p).hex() for p in range(0, 6)}
        vectors.append({"name": name, "pickles": pickles, "expected": Describer().describe(value)})
    json.dump(vectors, sys.stdout)


if __name__ == "__main__":
    main()
