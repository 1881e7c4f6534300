#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""seeds_from_vectors.py - turns the conformance vectors into fuzz seeds, one directory per target.

Usage: seeds_from_vectors.py VECTOR_DIR OUT_DIR

Every case of every vector file whose operation a target exercises becomes
one seed file named after the case (plus a suffix where one case gives
several seeds). Structured targets (header_encode, ids, fastpath_diff) get
their inputs in the layouts documented at the top of their source files.
Operations the script does not know are ignored, so new vector files never
break it. Standard library only.
"""

import json
import os
import re
import struct
import sys

MAX_MSG = 16384


def uvarint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def block_message(block):
    """The message of a well-framed block, or None (spec 05 section 5.2.3)."""
    if len(block) < 2:
        return None
    v, i = 0, 0
    while i < 9 and 1 + i < len(block):
        b = block[1 + i]
        v |= (b & 0x7F) << (7 * i)
        if not b & 0x80:
            break
        i += 1
    else:
        return None
    if v > MAX_MSG or len(block) < 2 + i + v:
        return None
    return block[2 + i:2 + i + v]


def unhex(s):
    try:
        return bytes.fromhex(s)
    except (TypeError, ValueError):
        return None


def header_encode_input(hdr):
    """A tw_header_t in the layout of fuzz/targets/header_encode.c, or None."""
    if not isinstance(hdr, dict):
        return None
    ctl = 0
    tid = sid = cid = b""
    if "trace_id" in hdr or "span_id" in hdr:
        ctl |= 0x01
        tid = unhex(hdr.get("trace_id", "00" * 16))
        sid = unhex(hdr.get("span_id", "00" * 8))
        if tid is None or sid is None or len(tid) != 16 or len(sid) != 8:
            return None
    flags = hdr.get("trace_flags", 0)
    if not isinstance(flags, int) or not 0 <= flags <= 255:
        return None
    if "correlation_id" in hdr:
        ctl |= 0x02
        cid = unhex(str(hdr["correlation_id"]).replace("-", ""))
        if cid is None or len(cid) != 16:
            return None
    pieces = b""
    for key, bit in (("tracestate", 0x08), ("baggage", 0x10)):
        if key in hdr:
            ctl |= bit
            t = str(hdr[key]).encode("utf-8")
            if len(t) > 0xFFFF:
                return None
            pieces += struct.pack("<H", len(t)) + t
    unknown = hdr.get("unknown", [])
    if not isinstance(unknown, list) or len(unknown) > 15:
        return None
    for u in unknown:
        b = unhex(u)
        if b is None:
            return None
        pieces += struct.pack("<H", len(b)) + b
    head = bytes([ctl, flags, len(unknown), 0x37])
    return head + tid.ljust(16, b"\0") + sid.ljust(8, b"\0") + cid.ljust(16, b"\0") + pieces


def relay_edit_input(inp):
    """A relay.edit case in the layout of fuzz/targets/relay_edit.c, or None."""
    msg = unhex(inp.get("message_hex", ""))
    if msg is None:
        return None
    ctl, sid = 0, b"\0" * 8
    if "span_id" in inp:
        sid = unhex(inp["span_id"])
        if sid is None or len(sid) != 8:
            return None
        ctl |= 1
    masks = []
    for key in ("flags_set", "flags_clear"):
        v = inp.get(key, 0)
        if isinstance(v, str):
            v = int(v, 16) if v else 0
        if not isinstance(v, int) or not 0 <= v <= 255:
            return None
        masks.append(v)
    kv = b""
    put = inp.get("tracestate_put")
    if isinstance(put, dict):
        ctl |= 2
        k = str(put.get("key", "")).encode("utf-8")
        v = str(put.get("value", "")).encode("utf-8")
        kv = struct.pack("<H", len(k)) + k + struct.pack("<H", len(v)) + v
    return bytes([ctl, masks[0], masks[1], 0x29]) + sid + kv + msg


def ids_input(inp):
    kinds = {"trace_id": 0, "span_id": 1, "uuid4": 2, "uuid7": 3}
    kind = kinds.get(inp.get("kind"))
    rnd = unhex(inp.get("random_hex", ""))
    if kind is None or rnd is None:
        return None
    ms = inp.get("unix_ms", 0)
    if not isinstance(ms, int) or not 0 <= ms < 2 ** 64:
        return None
    return bytes([kind]) + struct.pack("<Q", ms) + b"\xff" + rnd


class Seeds:
    def __init__(self, out):
        self.out = out
        self.count = {}

    def add(self, target, name, data):
        if data is None:
            return
        d = os.path.join(self.out, target)
        os.makedirs(d, exist_ok=True)
        base = re.sub(r"[^A-Za-z0-9_.-]", "_", name)[:120]
        path = os.path.join(d, base)
        k = 1
        while os.path.exists(path):
            k += 1
            path = os.path.join(d, "%s.%d" % (base, k))
        with open(path, "wb") as f:
            f.write(data)
        self.count[target] = self.count.get(target, 0) + 1


def add_message(seeds, name, msg):
    """A header message: the decode targets, its block, the planted fixture."""
    if msg is None:
        return
    seeds.add("header_decode", name, msg)
    seeds.add("nanopb_diff", name, msg)
    seeds.add("planted_overread", name, msg)
    seeds.add("relay_span_id", name, bytes(range(1, 9)) + msg)
    seeds.add("relay_edit", name, bytes([1, 1, 0, 0x29]) + bytes(range(1, 9)) + msg)
    if len(msg) <= MAX_MSG:
        seeds.add("block", name + ".block", b"\x01" + uvarint(len(msg)) + msg)


def add_header_values(seeds, name, hdr):
    """Decoded or encoder-input header values: encoder, fast path, text targets."""
    seeds.add("header_encode", name, header_encode_input(hdr))
    if isinstance(hdr, dict):
        tid, sid = unhex(hdr.get("trace_id", "")), unhex(hdr.get("span_id", ""))
        flags = hdr.get("trace_flags", 0)
        if tid and sid and len(tid) == 16 and len(sid) == 8 and isinstance(flags, int) and 0 <= flags <= 255:
            for sel in (0x00, 0x05, 0x86, 0xFF):
                seeds.add("fastpath_diff", "%s.sel%02x" % (name, sel), tid + sid + bytes([flags, sel]) + b"grease!")
            seeds.add("text", name + ".trace_id_hex", hdr["trace_id"].encode())
            seeds.add("text", name + ".span_id_hex", hdr["span_id"].encode())
        if "correlation_id" in hdr:
            seeds.add("text", name + ".uuid", str(hdr["correlation_id"]).encode())
        if "tracestate" in hdr:
            seeds.add("tracestate_validate", name, str(hdr["tracestate"]).encode("utf-8"))
            seeds.add("tracestate_read", name, b"\x02" + str(hdr["tracestate"]).encode("utf-8"))
        if "baggage" in hdr:
            seeds.add("baggage_validate", name, str(hdr["baggage"]).encode("utf-8"))


def main(argv):
    if len(argv) != 3:
        sys.stderr.write("usage: seeds_from_vectors.py VECTOR_DIR OUT_DIR\n")
        return 2
    vdir, out = argv[1], argv[2]
    seeds = Seeds(out)
    for fname in sorted(os.listdir(vdir)):
        if not fname.endswith(".json"):
            continue
        with open(os.path.join(vdir, fname), encoding="utf-8") as f:
            doc = json.load(f)
        for case in doc.get("cases", []):
            op, name = case.get("op"), case.get("name", "case")
            inp, exp = case.get("input", {}) or {}, case.get("expect", {}) or {}
            if op == "header.decode":
                add_message(seeds, name, unhex(inp.get("message_hex", "")))
                add_header_values(seeds, name, exp.get("header"))
            elif op in ("block.decode", "block.measure"):
                blk = unhex(inp.get("block_hex", ""))
                if blk is not None:
                    seeds.add("block", name, blk)
                    add_message(seeds, name + ".message", block_message(blk))
                add_header_values(seeds, name, exp.get("header"))
            elif op in ("header.encode", "block.encode"):
                add_header_values(seeds, name, inp.get("header"))
                if op == "header.encode":
                    add_message(seeds, name + ".encoded", unhex(exp.get("message_hex", "")))
                else:
                    blk = unhex(exp.get("block_hex", ""))
                    if blk is not None:
                        seeds.add("block", name + ".encoded", blk)
            elif op == "tracestate.validate":
                seeds.add("tracestate_validate", name, str(inp.get("text", "")).encode("utf-8"))
                seeds.add("tracestate_read", name, b"\0" + str(inp.get("text", "")).encode("utf-8"))
            elif op in ("tracestate.members", "tracestate.get", "tracestate.put", "tracestate.truncate",
                        "tracestate.filter"):
                t = str(inp.get("text", "")).encode("utf-8")
                seeds.add("tracestate_read", name, b"\x01" + t)
                seeds.add("tracestate_validate", name, t)
            elif op == "relay.edit":
                seeds.add("relay_edit", name, relay_edit_input(inp))
            elif op == "relay.set_span_id":
                sid, msg = unhex(inp.get("span_id", "")), unhex(inp.get("message_hex", ""))
                if sid is not None and msg is not None and len(sid) == 8:
                    seeds.add("relay_span_id", name, sid + msg)
            elif op == "baggage.validate":
                seeds.add("baggage_validate", name, str(inp.get("text", "")).encode("utf-8"))
            elif op == "uuid.parse":
                seeds.add("text", name, str(inp.get("text", "")).encode("utf-8"))
            elif op == "uuid.format":
                u = unhex(inp.get("uuid_hex", ""))
                seeds.add("text", name, u)
                if isinstance(exp.get("text"), str):
                    seeds.add("text", name + ".text", exp["text"].encode())
            elif op == "traceparent.parse":
                seeds.add("traceparent", name, str(inp.get("text", "")).encode("utf-8"))
            elif op == "traceparent.format" and isinstance(exp.get("text"), str):
                seeds.add("traceparent", name, exp["text"].encode("utf-8"))
            elif op == "gateway.extract":
                for pair in inp.get("headers", []):
                    if isinstance(pair, list) and len(pair) == 2 and str(pair[0]).lower() == "traceparent":
                        seeds.add("traceparent", name, str(pair[1]).encode("utf-8"))
            elif op == "id.generate":
                seeds.add("ids", name, ids_input(inp))
    # Targets fed by no vector still need one seed (AFL++ refuses an empty
    # input directory).
    for t in ("header_decode", "header_encode", "block", "tracestate_validate", "baggage_validate", "text",
              "ids", "nanopb_diff", "fastpath_diff", "relay_span_id", "tracestate_read", "traceparent", "relay_edit", "planted_overread"):
        if t not in seeds.count:
            seeds.add(t, "empty", b"\0")
    total = sum(seeds.count.values())
    print("seeds: %d files for %d targets under %s" % (total, len(seeds.count), out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
