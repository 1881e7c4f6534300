#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Cross-check the conformance vectors against protobuf-python, a second protobuf implementation used as an oracle.

Usage: /usr/bin/python3 conformance/tools/check_pyprotobuf.py [-v] [vector files...]
(default: every conformance/vectors/*.json; -v lists each check)

Needs `protoc` and Debian's python3-protobuf (3.21, the same release as
protoc). At run time the Python classes are generated from
schema/tracewire/v1/trace_header.proto into build/conformance/pyproto. The
pure-Python protobuf runtime is always used (the script sets
PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION=python): the C++ runtime is the code
protoc itself runs, which check_protoc.py already consults, so it would not
be a second opinion.

Checks (one unit each):
  parse     For each successful header.decode, and the message inside each
            successful block.decode: ParseFromString accepts the bytes, the
            known fields equal the vector's header (a field the vector lists
            as "discarded" must be present in protobuf, which keeps it, and
            absent from the header, since tracewire drops it), and the
            unknown fields have the vector's numbers, wire types and payloads
            in the vector's order.
  serialize For the same cases: SerializeToString of the parsed message,
            which writes known fields in number order and then the unknown
            fields as received, equals the input exactly when the vector
            says "canonical": true, and differs from it when it says false
            (cases with discarded text are left out: protobuf keeps the text
            tracewire drops). When canonical, the input ends with the
            unknown fields byte for byte.
  encode    For each successful header.encode / block.encode: the message
            built from the vector's header with the generated class,
            serialized, followed by the unknown fields verbatim, equals the
            expected bytes (for a block: 01, the minimal length, then those
            bytes); merging the unknown fields into the message and
            serializing gives the same bytes.
  reject    For each header.decode expecting class "malformed": protobuf
            should refuse it too. Where it is more lenient, a note is
            printed, not a failure (tracewire is stricter on purpose, spec
            §4.4.7).
Cases where tracewire accepts what protobuf-python refuses are listed in
PYPROTOBUF_STRICTER with the reason; for them the refusal is required and
printed as a note, so a change in protobuf's behaviour is noticed (none is
known for 3.21). Known difference, printed as a note: pure-Python protobuf
recognises a known field only by its minimal tag bytes, so a known field
written with a longer tag varint (spec §4.4.2 allows it) is kept as an
unknown field; the check folds it back into the known values and skips
the serialize check for that case.
Exits 1 on any mismatch; prints "N passed, N failed" last.
"""
import os
import subprocess
import sys

from oracle_common import ROOT, Tally, block_message, cases, read_varint, short, uvarint

OUT = ROOT / "build" / "conformance" / "pyproto"
PROTO = "tracewire/v1/trace_header.proto"

# Inputs tracewire accepts and pure-Python protobuf 3.21 refuses, with the reason. None known.
PYPROTOBUF_STRICTER = {}

KNOWN = {1: "trace_id", 2: "span_id", 3: "trace_flags", 4: "correlation_id", 5: "tracestate", 6: "baggage"}
KNOWN_WIRE_TYPE = {1: 2, 2: 2, 3: 0, 4: 2, 5: 2, 6: 2}

# ------------------------------------------------------------------ setup

def fail_setup(message):
    print("check_pyprotobuf: " + message, file=sys.stderr)
    print("0 passed, 1 failed")
    sys.exit(1)


def load_class():
    """Generate the Python code with protoc and import TraceHeader."""
    OUT.mkdir(parents=True, exist_ok=True)
    try:
        r = subprocess.run(["protoc", "-I", str(ROOT / "schema"), "--python_out=" + str(OUT), PROTO],
                           cwd=ROOT, capture_output=True, text=True)
    except OSError as e:
        fail_setup("cannot run protoc (%s); install it: apt-get install protobuf-compiler" % e)
    if r.returncode != 0:
        fail_setup("protoc --python_out failed: " + r.stderr.strip())
    # Before the first import of google.protobuf: the pure-Python runtime, always.
    os.environ["PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION"] = "python"
    try:
        import google.protobuf
        from google.protobuf.internal import api_implementation
    except ImportError:
        fail_setup("python3-protobuf is missing; install it: apt-get install python3-protobuf "
                   "(as root, `sh conformance/tools/install-deps.sh` does it)")
    sys.path.insert(0, str(OUT))
    try:
        from tracewire.v1 import trace_header_pb2
    except Exception as e:  # a gencode/runtime version mismatch raises various errors
        fail_setup("cannot import the generated code (protoc and python3-protobuf must be the same release): %s" % e)
    ver = subprocess.run(["protoc", "--version"], capture_output=True, text=True).stdout.strip()
    print("protobuf-python %s (%s implementation), classes generated by %s"
          % (google.protobuf.__version__, api_implementation.Type(), ver))
    return trace_header_pb2.TraceHeader


# ------------------------------------------------------------------ wire helpers

def split_field(field_hex):
    """(number, wire type, payload) of one whole field given as hex: the payload is an int or bytes.

    A field that is cut short gives ("cut short", field_hex), which matches nothing protobuf reports.
    """
    try:
        return split_whole_field(bytes.fromhex(field_hex))
    except IndexError:
        return ("cut short", field_hex)


def split_whole_field(b):
    tag, i = read_varint(b, 0)
    wt = tag & 7
    if wt == 0:
        value, _ = read_varint(b, i)
    elif wt == 1:
        value = int.from_bytes(b[i:i + 8], "little")
    elif wt == 5:
        value = int.from_bytes(b[i:i + 4], "little")
    else:
        n, i = read_varint(b, i)
        if i + n > len(b):
            raise IndexError("payload past the end")
        value = b[i:i + n]
    return tag >> 3, wt, value


def known_values(header):
    """The vector header's known fields as protobuf would hold them (absent = default)."""
    return {
        "trace_id": bytes.fromhex(header.get("trace_id", "")),
        "span_id": bytes.fromhex(header.get("span_id", "")),
        "trace_flags": header.get("trace_flags", 0),
        "correlation_id": bytes.fromhex(header.get("correlation_id", "").replace("-", "")),
        "tracestate": header.get("tracestate", "").encode("utf-8"),
        "baggage": header.get("baggage", "").encode("utf-8"),
    }


def unknown_view(msg):
    """[(number, wire type, payload)] of a parsed message's unknown fields, or None if the API is missing."""
    try:
        fields = msg.UnknownFields()
        return [(f.field_number, f.wire_type, f.data) for f in fields]
    except (AttributeError, NotImplementedError):
        return None


# ------------------------------------------------------------------ checks

def check_decoded(t, cls, tag, name, data, expect):
    """The parse and serialize checks of one successfully decoded message."""
    header, discarded = expect["header"], expect.get("discarded", [])
    msg = cls()
    try:
        msg.ParseFromString(data)
    except Exception as e:
        if name in PYPROTOBUF_STRICTER:
            t.notes.append("%s: protobuf-python refuses it (%s): %s" % (name, e, PYPROTOBUF_STRICTER[name]))
            t.ok(tag + " [parse]")
        else:
            t.fail(tag + " [parse]", "ParseFromString refuses what tracewire accepts: %s" % e)
        return
    if name in PYPROTOBUF_STRICTER:
        t.fail(tag + " [parse]", "listed in PYPROTOBUF_STRICTER but protobuf-python accepts it: update the list")
        return
    got = {field: getattr(msg, field) for field in KNOWN.values()}
    view = unknown_view(msg)
    folded = []
    if view is not None:
        # Pure-Python protobuf recognises a known field only by its minimal tag bytes; under any
        # other spelling of the tag the field lands among the unknown fields. Fold it back.
        rest = []
        for number, wt, value in view:
            if number in KNOWN and wt == KNOWN_WIRE_TYPE[number]:
                got[KNOWN[number]] = value
                folded.append(number)
            else:
                rest.append((number, wt, value))
        view = rest
    if folded:
        t.notes.append("%s: protobuf-python keeps field %s as an unknown field because its tag is not minimal "
                       "(it matches known fields on their exact tag bytes); folded back for the comparison, "
                       "no serialize check" % (name, ", ".join(str(n) for n in folded)))
    problems = []
    for field, value in known_values(header).items():
        if field in discarded:
            if not got[field]:
                problems.append("%s is discarded by tracewire but protobuf has none" % field)
            elif field in header:
                problems.append("%s is discarded but still in the vector's header" % field)
        elif got[field] != value:
            problems.append("%s: protobuf %r, vector %r" % (field, got[field], value))
    if view is not None:
        want_unknown = [split_field(u) for u in header.get("unknown", [])]
        if view != want_unknown:
            problems.append("unknown fields: protobuf %r, vector %r" % (view, want_unknown))
    if problems:
        t.fail(tag + " [parse]", "; ".join(problems))
    else:
        t.ok(tag + " [parse]")

    if discarded or folded:
        return
    out = msg.SerializeToString()
    tail = bytes.fromhex("".join(header.get("unknown", [])))
    if expect["canonical"]:
        if out != data:
            t.fail(tag + " [serialize]", "canonical, but protobuf re-serializes %s, input %s"
                   % (short(out.hex()), short(data.hex())))
        elif not data.endswith(tail):
            t.fail(tag + " [serialize]", "the unknown fields are not the end of the canonical input")
        else:
            t.ok(tag + " [serialize]")
    elif out == data:
        t.fail(tag + " [serialize]", "the vector says not canonical, but protobuf re-serializes it unchanged")
    else:
        t.ok(tag + " [serialize]")


def build(cls, header):
    msg = cls()
    for field, value in known_values(header).items():
        if value:
            setattr(msg, field, value)
    return msg


def check_encoded(t, cls, tag, header, want, block):
    msg = build(cls, header)
    tail = bytes.fromhex("".join(header.get("unknown", [])))
    got = msg.SerializeToString() + tail
    merged = build(cls, header)
    merged.MergeFromString(tail)
    got_merged = merged.SerializeToString()
    if block:
        got = b"\x01" + uvarint(len(got)) + got
        got_merged = b"\x01" + uvarint(len(got_merged)) + got_merged
    if got.hex() != want:
        t.fail(tag + " [encode]", "protobuf gives %s, vector has %s" % (short(got.hex()), short(want)))
    elif got_merged.hex() != want:
        t.fail(tag + " [encode]", "with the unknown fields merged in, protobuf gives %s, vector has %s"
               % (short(got_merged.hex()), short(want)))
    else:
        t.ok(tag + " [encode]")


def check_reject(t, cls, tag, name, data):
    msg = cls()
    try:
        msg.ParseFromString(data)
    except Exception:
        t.ok(tag + " [reject]")
        return
    parts = []
    for field in KNOWN.values():
        v = getattr(msg, field)
        if v:
            parts.append("%s=%s" % (field, v if isinstance(v, int) else short(v.hex(), 16)))
    for number, wt, _ in unknown_view(msg) or []:
        parts.append("unknown field %d (wire type %d)" % (number, wt))
    t.notes.append("%s: protobuf-python is more lenient and parses it as: %s"
                   % (name, ", ".join(parts) or "an empty message"))
    t.ok(tag + " [reject]")


def main(argv):
    t = Tally(argv)
    cls = load_class()
    for tag, c in cases(argv):
        name, op, inp, exp = c["name"], c["op"], c["input"], c["expect"]
        ok = "error" not in exp
        if op == "header.decode" and ok:
            check_decoded(t, cls, tag, name, bytes.fromhex(inp["message_hex"]), exp)
        elif op == "block.decode" and ok:
            check_decoded(t, cls, tag, name, block_message(inp["block_hex"], exp["consumed"]), exp)
        elif op == "header.decode" and exp["error"] == "malformed":
            check_reject(t, cls, tag, name, bytes.fromhex(inp["message_hex"]))
        elif op in ("header.encode", "block.encode") and ok:
            check_encoded(t, cls, tag, inp["header"], exp["message_hex" if op == "header.encode" else "block_hex"],
                          op == "block.encode")
    return t.report()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
