#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Check every conformance vector file against vectors.schema.json.

Usage: /usr/bin/python3 conformance/tools/validate_vectors.py [vector files...]

With no arguments, checks conformance/vectors/*.json. Besides the JSON
Schema (draft 2020-12, via python3-jsonschema), it checks what a schema
cannot: case names unique across all files, "feature" equal to the file
name, and a few consistency rules between input and expect (listed in
conformance/README.md, "Checks"). Prints one line per failure and
"N passed, N failed" (one unit per case, plus one per file-level problem);
exits 1 if anything failed.
"""
import json
import sys
from pathlib import Path

try:
    import jsonschema
except ImportError:
    sys.exit("python3-jsonschema is missing: apt-get install -y python3-jsonschema")

ROOT = Path(__file__).resolve().parents[2]
CONF = ROOT / "conformance"
ID_HEX_LEN = {"trace_id": 32, "span_id": 16, "uuid4": 32, "uuid7": 32}


def uvarint_len(b, i):
    """Offset just past the block length varint starting at b[i] (framing already valid)."""
    while b[i] & 0x80:
        i += 1
    return i + 1


def case_problems(c):
    """Consistency rules the schema cannot express; returns a list of strings."""
    out = []
    exp = c.get("expect", {})
    inp = c.get("input", {})
    if "error" in exp:
        return out
    disc = exp.get("discarded")
    if disc is not None:
        if disc != [d for d in ("tracestate", "baggage") if d in disc]:
            out.append("discarded must list tracestate before baggage")
        # only decoded messages have a canonical form (the JSON form has none)
        if disc and c.get("op") in ("header.decode", "block.decode") and exp.get("canonical") is not False:
            out.append("a header with discarded text is never canonical")
        if not disc:
            out.append("omit discarded when nothing was discarded")
    hdr = exp.get("header")
    if hdr is not None:
        for k in ("tracestate", "baggage"):
            if k in hdr and disc and k in disc:
                out.append("%s is both kept and discarded" % k)
    op = c.get("op")
    if op == "block.decode":
        n = len(inp.get("block_hex", "")) // 2
        if exp.get("consumed", 0) > n:
            out.append("consumed is larger than the input")
    if op == "block.measure":
        n = len(inp.get("block_hex", "")) // 2
        if exp.get("message_offset", 0) + exp.get("message_length", 0) != exp.get("length"):
            out.append("length != message_offset + message_length")
        if exp.get("length", 0) > n:
            out.append("length is larger than the input")
        b = bytes.fromhex(inp.get("block_hex", ""))
        if len(b) >= 2 and b[0] != exp.get("version"):
            out.append("version differs from the first input byte")
        if len(b) >= 2 and uvarint_len(b, 1) != exp.get("message_offset"):
            out.append("message_offset differs from the length varint's end")
    if op == "block.encode":
        bh = exp.get("block_hex", "")
        b = bytes.fromhex(bh)
        off = uvarint_len(b, 1)
        length = 0
        for k, x in enumerate(b[1:off]):
            length |= (x & 0x7F) << (7 * k)
        if off + length != len(b):
            out.append("block_hex length field does not match its size")
    if op == "id.generate":
        want = ID_HEX_LEN.get(inp.get("kind"))
        if want and len(exp.get("id_hex", "")) != want:
            out.append("id_hex has the wrong length for its kind")
    return out


def main(argv):
    schema = json.loads((CONF / "vectors.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    files = [Path(a) for a in argv] or sorted((CONF / "vectors").glob("*.json"))
    passed = failed = 0
    seen = {}
    for path in files:
        rel = path.resolve().relative_to(ROOT) if path.resolve().is_relative_to(ROOT) else path
        try:
            doc = json.loads(path.read_text())
        except (OSError, ValueError) as e:
            print("FAIL %s: cannot read: %s" % (rel, e))
            failed += 1
            continue
        per_case = {}
        file_errors = []
        for err in validator.iter_errors(doc):
            p = list(err.absolute_path)
            if len(p) >= 2 and p[0] == "cases" and isinstance(p[1], int):
                per_case.setdefault(p[1], []).append("%s: %s" % ("/".join(map(str, p[2:])), err.message[:200]))
            else:
                file_errors.append("%s: %s" % ("/".join(map(str, p)), err.message[:200]))
        if isinstance(doc, dict) and doc.get("feature") != path.stem:
            file_errors.append('"feature" is %r, file name says %r' % (doc.get("feature"), path.stem))
        for e in file_errors:
            print("FAIL %s: %s" % (rel, e))
        failed += len(file_errors)
        cases = doc.get("cases", []) if isinstance(doc, dict) else []
        for i, c in enumerate(cases if isinstance(cases, list) else []):
            problems = list(per_case.get(i, []))
            name = c.get("name") if isinstance(c, dict) else None
            if isinstance(c, dict) and not problems:
                problems += case_problems(c)
            if name in seen:
                problems.append("name already used in %s" % seen[name])
            elif name is not None:
                seen[name] = rel
            if problems:
                failed += 1
                for p in problems:
                    print("FAIL %s: case %d (%s): %s" % (rel, i, name, p))
            else:
                passed += 1
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
