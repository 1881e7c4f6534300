#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Cross-check the conformance vectors against protoc, an independent oracle.

Usage: /usr/bin/python3 conformance/tools/check_protoc.py [-v] [vector files...]
(default: every conformance/vectors/*.json; -v lists each check)

Needs `protoc` (3.x) on PATH; standard library only. Paths are relative to
the repository root, found from this file's location.

Checks (one unit each; see conformance/README.md, "Cross-checks"):
  encode   For each canonical successful header.decode / block.decode, and
           each successful header.encode / block.encode: the known fields are
           written in protobuf text format and passed to `protoc --encode`;
           the result, followed by the header's unknown fields verbatim (the
           canonical form puts them last), must equal the vector's bytes.
  decode   For each successful header.decode / block.decode: `protoc
           --decode` must parse the message and give the expected known
           field values (protoc also keeps the last of repeated fields) and
           the expected unknown field numbers in order. A field listed in
           "discarded" must be present and non-empty in protoc's view.
  reject   For each header.decode expecting class "malformed": protoc should
           fail too. Where protoc is more lenient this is printed as a note,
           not a failure.
Cases where tracewire is knowingly more lenient than protoc are listed in
PROTOC_STRICTER with the reason; for them protoc must fail (a note is
printed), so a change in protoc's behaviour is noticed.
Exits 1 on any mismatch; prints "N passed, N failed" last.
"""
import subprocess
import sys

from oracle_common import ROOT, Tally, block_message, cases, short, uvarint
PROTO_FILE = "tracewire/v1/trace_header.proto"
MESSAGE = "tracewire.v1.TraceHeader"

PROTOC_STRICTER = {
    "decoder_accepts_ten_byte_tag_varint":
        "protoc 3.x reads tags of at most 5 bytes; tracewire allows any varint of up to 10 bytes whose value fits 32 bits",
}

KNOWN = {1: "trace_id", 2: "span_id", 3: "trace_flags", 4: "correlation_id", 5: "tracestate", 6: "baggage"}


# ------------------------------------------------------------------ protoc

def protoc(mode, data):
    r = subprocess.run(["protoc", "-I", str(ROOT / "schema"), "--%s=%s" % (mode, MESSAGE), PROTO_FILE],
                       input=data, cwd=ROOT, capture_output=True)
    return r.returncode, r.stdout, r.stderr


def quote(b):
    return '"' + "".join("\\%03o" % x for x in b) + '"'


def known_bytes(h):
    """The header's known fields as {field name: bytes or int}."""
    out = {}
    for k in ("trace_id", "span_id"):
        if k in h:
            out[k] = bytes.fromhex(h[k])
    if h.get("trace_flags"):
        out["trace_flags"] = h["trace_flags"]
    if "correlation_id" in h:
        out["correlation_id"] = bytes.fromhex(h["correlation_id"].replace("-", ""))
    for k in ("tracestate", "baggage"):
        if k in h:
            out[k] = h[k].encode("utf-8")
    return out


def text_format(h):
    lines = []
    for k, v in known_bytes(h).items():
        lines.append("%s: %s" % (k, v if isinstance(v, int) else quote(v)))
    return ("\n".join(lines) + "\n").encode("ascii")


def protoc_encode(h):
    """protoc's encoding of the known fields, then the unknown fields verbatim (hex)."""
    rc, out, err = protoc("encode", text_format(h))
    if rc != 0:
        return None, err.decode("utf-8", "replace").strip()
    return out.hex() + "".join(h.get("unknown", [])), None


# ------------------------------------------------- protoc text output reader

class TextReader:
    """Reads the top level of protoc's text format output (nested blocks skipped)."""

    def __init__(self, data):
        self.d = data
        self.i = 0

    def ws(self):
        while self.i < len(self.d) and self.d[self.i] in b" \t\r\n":
            self.i += 1

    def word(self):
        j = self.i
        while self.i < len(self.d) and self.d[self.i] not in b" \t\r\n:{}\"":
            self.i += 1
        return self.d[j:self.i].decode("ascii")

    def string(self):
        out = bytearray()
        self.i += 1
        while True:
            c = self.d[self.i]
            self.i += 1
            if c == 0x22:
                return bytes(out)
            if c != 0x5C:
                out.append(c)
                continue
            e = chr(self.d[self.i])
            self.i += 1
            if e in "01234567":
                j = self.i - 1
                while self.i < len(self.d) and self.i - j < 3 and chr(self.d[self.i]) in "01234567":
                    self.i += 1
                out.append(int(self.d[j:self.i], 8) & 0xFF)
            elif e == "x":
                j = self.i
                while self.i < len(self.d) and self.i - j < 2 and chr(self.d[self.i]) in "0123456789abcdefABCDEF":
                    self.i += 1
                out.append(int(self.d[j:self.i], 16))
            else:
                out.append(ord({"n": "\n", "r": "\r", "t": "\t"}.get(e, e)))

    def skip_block(self):
        depth = 0
        while True:
            self.ws()
            c = self.d[self.i]
            if c == 0x22:
                self.string()
            elif c == 0x7B:
                depth += 1
                self.i += 1
            elif c == 0x7D:
                depth -= 1
                self.i += 1
                if depth == 0:
                    return
            else:
                self.i += 1

    def entries(self):
        """[(key, value)] in output order; value is bytes, an int, or None for a block."""
        out = []
        while True:
            self.ws()
            if self.i >= len(self.d):
                return out
            key = self.word()
            self.ws()
            if self.d[self.i] == 0x3A:
                self.i += 1
                self.ws()
            if self.d[self.i] == 0x7B:
                self.skip_block()
                out.append((key, None))
            elif self.d[self.i] == 0x22:
                v = self.string()
                self.ws()
                while self.i < len(self.d) and self.d[self.i] == 0x22:
                    v += self.string()
                    self.ws()
                out.append((key, v))
            else:
                w = self.word()
                out.append((key, int(w, 0)))


def tag_field_number(field_hex):
    b = bytes.fromhex(field_hex)
    v = 0
    for k, x in enumerate(b[:10]):
        v |= (x & 0x7F) << (7 * k)
        if x < 0x80:
            break
    return v >> 3


# ----------------------------------------------------------------- checks

def check_encode(t, what, header, want_hex):
    got, err = protoc_encode(header)
    if got is None:
        t.fail(what, "protoc --encode failed: " + err)
    elif got != want_hex:
        t.fail(what, "protoc gives %s, vector has %s" % (short(got), short(want_hex)))
    else:
        t.ok(what)


def check_decode(t, what, name, msg_hex, header, discarded):
    rc, out, err = protoc("decode", bytes.fromhex(msg_hex))
    if name in PROTOC_STRICTER:
        if rc != 0:
            t.notes.append("%s: protoc rejects it (expected: %s)" % (name, PROTOC_STRICTER[name]))
            t.ok(what)
        else:
            t.fail(what, "listed in PROTOC_STRICTER but protoc accepts it: update the list")
        return
    if rc != 0:
        t.fail(what, "protoc --decode failed: " + err.decode("utf-8", "replace").strip())
        return
    entries = TextReader(out).entries()
    got = {k: v for k, v in entries if k in KNOWN.values()}
    unknown_numbers = [int(k) for k, _ in entries if k.isdigit()]
    want = known_bytes(header)
    problems = []
    for field in KNOWN.values():
        if field in (discarded or []):
            if not got.get(field):
                problems.append("%s is discarded but protoc sees no %s" % (field, field))
            continue
        if got.get(field) != want.get(field):
            problems.append("%s: protoc %r, vector %r" % (field, got.get(field), want.get(field)))
    want_numbers = [tag_field_number(u) for u in header.get("unknown", [])]
    if unknown_numbers != want_numbers:
        problems.append("unknown field numbers: protoc %r, vector %r" % (unknown_numbers, want_numbers))
    if problems:
        t.fail(what, "; ".join(problems))
    else:
        t.ok(what)


def check_reject(t, what, name, msg_hex):
    rc, out, _ = protoc("decode", bytes.fromhex(msg_hex))
    if rc != 0:
        t.ok(what)
    else:
        view = out.decode("utf-8", "replace").strip().replace("\n", " | ")
        t.notes.append("%s: protoc is more lenient and parses it as: %s" % (name, short(view, 100)))
        t.ok(what)


def main(argv):
    t = Tally(argv)
    rc, out, err = protoc("decode", b"")
    if rc != 0:
        sys.exit("protoc does not work here: " + err.decode("utf-8", "replace"))
    for tag, c in cases(argv):
        name, op, inp, exp = c["name"], c["op"], c["input"], c["expect"]
        if op == "header.decode":
            if "error" not in exp:
                if exp["canonical"]:
                    check_encode(t, tag + " [encode]", exp["header"], inp["message_hex"])
                check_decode(t, tag + " [decode]", name, inp["message_hex"], exp["header"],
                             exp.get("discarded"))
            elif exp["error"] == "malformed":
                check_reject(t, tag + " [reject]", name, inp["message_hex"])
        elif op == "header.encode" and "error" not in exp:
            check_encode(t, tag + " [encode]", inp["header"], exp["message_hex"])
            check_decode(t, tag + " [decode]", name, exp["message_hex"], inp["header"], None)
        elif op == "block.decode" and "error" not in exp:
            msg = block_message(inp["block_hex"], exp["consumed"]).hex()
            if exp["canonical"]:
                check_encode(t, tag + " [encode]", exp["header"], msg)
            check_decode(t, tag + " [decode]", name, msg, exp["header"], exp.get("discarded"))
        elif op == "block.encode" and "error" not in exp:
            got, perr = protoc_encode(inp["header"])
            if got is None:
                t.fail(tag + " [encode]", "protoc --encode failed: " + perr)
            else:
                want = "01" + uvarint(len(got) // 2).hex() + got
                if want != exp["block_hex"]:
                    t.fail(tag + " [encode]", "expected %s, vector has %s" % (short(want), short(exp["block_hex"])))
                else:
                    t.ok(tag + " [encode]")
    return t.report()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
