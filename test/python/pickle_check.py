"""Check pickles written by farcall against the values they should hold.

Reads JSON on stdin: a list of {"id": ..., "expected": hex, "actual": hex}. "expected" is a
pickle written by CPython, "actual" one written by farcall's encoder from the decoded value.
Both are loaded with pickle.loads and compared strictly: same types, same values (nan equals
nan, -0.0 differs from 0.0), same sharing and cycles. The expected value is first passed
through the mapping farcall documents as lossy (a date comes back as a datetime, and so on).

Writes JSON on stdout: a list of {"id", "ok", "detail", "type", "repr"}, in input order.
"""

import collections
import datetime
import json
import math
import pickle
import sys


def lossy(value):
    """The value as it comes back after a trip through JavaScript, per farcall's mapping."""
    if isinstance(value, collections.OrderedDict):
        # An OrderedDict decodes to a Map, which encodes as a plain dict.
        return {lossy(k): lossy(v) for k, v in value.items()}
    if isinstance(value, datetime.datetime):
        # A Date encodes as a naive UTC datetime, with millisecond precision.
        if value.tzinfo is not None:
            value = value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
        return value.replace(microsecond=value.microsecond // 1000 * 1000)
    if type(value) is datetime.date:
        return datetime.datetime(value.year, value.month, value.day)
    return value


class Comparer:
    """Strict structural comparison that follows sharing and cycles."""

    def __init__(self):
        # id(expected object) -> the actual object it was matched with.
        self.pairs = {}

    def same(self, expected, actual, path):
        if type(expected) is not type(actual):
            return "%s: type %s != %s" % (path, type(expected).__name__, type(actual).__name__)
        if isinstance(expected, float):
            equal = (math.isnan(expected) and math.isnan(actual)) or (
                expected == actual and math.copysign(1, expected) == math.copysign(1, actual)
            )
            return None if equal else "%s: %r != %r" % (path, expected, actual)
        if isinstance(expected, (list, tuple, dict, set, frozenset, bytearray, BaseException)):
            # Containers: each expected object must always meet the same actual object.
            seen = self.pairs.get(id(expected))
            if seen is not None:
                return None if seen is actual else "%s: sharing differs" % path
            self.pairs[id(expected)] = actual
            return self.same_container(expected, actual, path)
        return None if expected == actual else "%s: %r != %r" % (path, expected, actual)

    def same_container(self, expected, actual, path):
        if isinstance(expected, (list, tuple)):
            if len(expected) != len(actual):
                return "%s: length %d != %d" % (path, len(expected), len(actual))
            for index, (e, a) in enumerate(zip(expected, actual)):
                problem = self.same(e, a, "%s[%d]" % (path, index))
                if problem:
                    return problem
            return None
        if isinstance(expected, dict):
            # Key order is not compared: JavaScript puts integer-like keys first.
            if set(expected) != set(actual):
                return "%s: keys %r != %r" % (path, sorted(map(repr, expected)), sorted(map(repr, actual)))
            for key in expected:
                problem = self.same(expected[key], actual[key], "%s[%r]" % (path, key))
                if problem:
                    return problem
            return None
        if isinstance(expected, BaseException):
            problem = self.same(expected.args, actual.args, path + ".args")
            return problem or self.same(vars(expected), vars(actual), path + ".__dict__")
        return None if expected == actual else "%s: %r != %r" % (path, expected, actual)


def check(item):
    expected = lossy(pickle.loads(bytes.fromhex(item["expected"])))
    try:
        actual = pickle.loads(bytes.fromhex(item["actual"]))
    except Exception as error:  # The point is to report any failure to load.
        return {"id": item["id"], "ok": False, "detail": "load failed: %r" % (error,)}
    problem = Comparer().same(expected, actual, "value")
    return {
        "id": item["id"],
        "ok": problem is None,
        "detail": problem,
        "type": type(actual).__name__,
        "repr": repr(actual)[:200],
    }


def main():
    items = json.load(sys.stdin)
    json.dump([check(item) for item in items], sys.stdout)


if __name__ == "__main__":
    main()
