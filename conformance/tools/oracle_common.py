# SPDX-License-Identifier: Apache-2.0
"""What the two protobuf oracles (check_protoc.py, check_pyprotobuf.py) share:
walking the vector cases, counting results, and the few wire helpers they
need to take a block apart. Standard library only."""
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VECTORS = ROOT / "conformance" / "vectors"


def cases(argv):
    """(file tag, case) for every case in the files named in argv (default:
    every vector file); "-v" in argv is the verbose flag, not a file."""
    files = [Path(a) for a in argv if a != "-v"] or sorted(VECTORS.glob("*.json"))
    for path in files:
        for c in json.loads(path.read_text(encoding="utf-8"))["cases"]:
            yield "%s %s" % (path.name, c["name"]), c


class Tally:
    def __init__(self, argv):
        self.passed = self.failed = 0
        self.notes = []
        self.verbose = "-v" in argv

    def ok(self, what):
        self.passed += 1
        if self.verbose:
            print("ok   " + what)

    def fail(self, what, why):
        self.failed += 1
        print("FAIL %s: %s" % (what, why))

    def report(self):
        """Print the notes and the summary line; the exit status."""
        if self.notes:
            print("Notes (not failures):")
            for n in self.notes:
                print("  - " + n)
        print("%d passed, %d failed" % (self.passed, self.failed))
        return 1 if self.failed else 0


def short(s, n=80):
    return s if len(s) <= n else s[:n] + "...(%d chars)" % len(s)


def uvarint(n):
    out = bytearray()
    while True:
        b, n = n & 0x7F, n >> 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def read_varint(b, i):
    """The varint at b[i:], and the index after it."""
    v = shift = 0
    while True:
        x = b[i]
        i += 1
        v |= (x & 0x7F) << shift
        shift += 7
        if x < 0x80:
            return v, i


def block_message(block_hex, consumed):
    """The header message inside a block: after the version byte and length."""
    b = bytes.fromhex(block_hex)
    _, i = read_varint(b, 1)
    return b[i:consumed]
