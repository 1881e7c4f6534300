# SPDX-License-Identifier: Apache-2.0
"""figlib.py - byte-layout figure sources: parse, build bytes, write the RFC 9000 text and the Graphviz grid.

A layout source (diagrams/src/*.fig) holds one figure of the spec in the
notation of RFC 9000 §1.3 (spec §2.2), each line optionally followed by
`;;` and annotations that say where the line's bytes come from. Stripping
the annotations gives the figure text exactly as the spec prints it; the
annotations let this module build the bytes of a conformance vector case
from the figure, so that a figure can be compared with the vectors.
"""

import json
import os
import re
import shlex

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VECTORS = os.path.join(ROOT, "conformance", "vectors")


class FigureError(Exception):
    """A figure source that cannot be parsed or instantiated."""


# ---- vectors -----------------------------------------------------------------

_vector_cache = {}


def vector_file(name):
    """The parsed vector file `name` (with or without `.json`)."""
    if not name.endswith(".json"):
        name += ".json"
    if name not in _vector_cache:
        with open(os.path.join(VECTORS, name), encoding="utf-8") as f:
            _vector_cache[name] = json.load(f)
    return _vector_cache[name]


def vector_case(file, case):
    for c in vector_file(file)["cases"]:
        if c["name"] == case:
            return c
    raise FigureError("no case %s in %s" % (case, file))


def all_cases():
    """(file name, case) for every case of every vector file, in a fixed order."""
    out = []
    for fn in sorted(os.listdir(VECTORS)):
        if fn.endswith(".json"):
            for c in vector_file(fn)["cases"]:
                out.append((fn, c))
    return out


def json_path(obj, path):
    for part in path.split("."):
        if isinstance(obj, list):
            obj = obj[int(part)]
        else:
            if part not in obj:
                raise FigureError("no key %s in %s" % (part, path))
            obj = obj[part]
    return obj


# ---- encodings -----------------------------------------------------------------


def varint(n):
    """Minimal protobuf varint (also the minimal multiformats unsigned-varint)."""
    if n < 0:
        raise FigureError("negative varint")
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def uuid_bytes(text):
    if not re.fullmatch(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}", text):
        raise FigureError("not UUID text: %r" % text)
    return bytes.fromhex(text.replace("-", ""))


def uuid_text(b):
    h = b.hex()
    return "%s-%s-%s-%s-%s" % (h[0:8], h[8:12], h[12:16], h[16:20], h[20:32])


# ---- parsing -----------------------------------------------------------------

_OPEN = re.compile(r"^(?P<ind>\s*)(?P<opt>\[)?(?P<name>[A-Za-z][A-Za-z0-9 ]*?) \{$")
_CLOSE = re.compile(r"^(?P<ind>\s*)\}(?P<opt>\])?,?$")
_LEAF = re.compile(
    r"^(?P<ind>\s*)(?P<opt>\[)?(?P<name>[A-Za-z][A-Za-z0-9 ]*?) "
    r"\((?P<size>\d+|i|\.\.)\)(?: = (?P<const>0x[0-9a-f]+))?(?P<optc>\])?(?P<rep> \.\.\.)?,?$"
)


class Node:
    """One line of a layout: a structure (children) or a field (leaf)."""

    def __init__(self, kind, name, size=None, const=None, optional=False, repeated=False, ann=None, line=0):
        self.kind = kind  # "struct" or "leaf"
        self.name = name
        self.size = size  # bits (int), "i" or ".."
        self.const = const
        self.optional = optional
        self.repeated = repeated
        self.ann = ann or {}
        self.children = []
        self.line = line


def _parse_ann(text):
    ann = {}
    for tok in shlex.split(text):
        if "=" not in tok:
            raise FigureError("annotation without '=': %r" % tok)
        k, v = tok.split("=", 1)
        ann[k] = v
    return ann


class Figure:
    """A parsed layout source."""

    def __init__(self, path):
        self.path = path
        self.id = os.path.splitext(os.path.basename(path))[0]
        self.number = None
        self.title = None
        self.chapter = None
        self.offset_table = False
        self.models = None  # message, block, grpc or frame: which vector ops the figure describes
        self.params = {}
        self.checks = []  # (file, case, {param: value})
        self.check_all = []  # (file, op, filter)
        self.measure = []  # vector files whose block.measure cases check the layout
        self.examples = []  # (file, case, {param: value}) drawn in the SVG
        self.text_lines = []
        self.root = None
        self._parse()

    def _parse(self):
        with open(self.path, encoding="utf-8") as f:
            lines = f.read().split("\n")
        in_layout = False
        stack = []
        for no, raw in enumerate(lines, 1):
            if in_layout:
                if raw.strip() == "end":
                    in_layout = False
                    continue
                text, _, ann = raw.partition(";;")
                text = text.rstrip()
                if not text:
                    continue
                self.text_lines.append(text)
                self._layout_line(text, _parse_ann(ann), stack, no)
                continue
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            word, _, rest = line.partition(" ")
            if word == "figure":
                self.number = int(rest)
            elif word == "title":
                self.title = rest
            elif word == "chapter":
                self.chapter = rest
            elif word == "offset-table":
                self.offset_table = True
            elif word == "models":
                self.models = rest.strip()

            elif word == "param":
                k, v = rest.split("=", 1)
                self.params[k.strip()] = v.strip()
            elif word in ("check", "example"):
                parts = rest.split()
                if len(parts) < 2:
                    raise FigureError("%s:%d: %s needs a file and a case" % (self.path, no, word))
                kv = dict(p.split("=", 1) for p in parts[2:])
                (self.checks if word == "check" else self.examples).append((parts[0], parts[1], kv))
            elif word == "check-all":
                parts = rest.split()
                self.check_all.append((parts[0], parts[1], parts[2:]))
            elif word == "check-measure":
                self.measure.append(rest.strip())
            elif word == "layout":
                in_layout = True
            else:
                raise FigureError("%s:%d: unknown directive %r" % (self.path, no, word))
        if stack:
            raise FigureError("%s: unclosed structure %s" % (self.path, stack[-1].name))
        if self.root is None or self.number is None or self.title is None:
            raise FigureError("%s: needs figure, title and layout" % self.path)

    def _layout_line(self, text, ann, stack, no):
        m = _OPEN.match(text)
        if m:
            node = Node("struct", m.group("name"), optional=bool(m.group("opt")), ann=ann, line=no)
            if stack:
                stack[-1].children.append(node)
            elif self.root is None:
                self.root = node
            else:
                raise FigureError("%s:%d: two top-level structures" % (self.path, no))
            stack.append(node)
            return
        m = _CLOSE.match(text)
        if m:
            if not stack:
                raise FigureError("%s:%d: '}' without '{'" % (self.path, no))
            node = stack.pop()
            if bool(m.group("opt")) != node.optional:
                raise FigureError("%s:%d: brackets of %s do not match" % (self.path, no, node.name))
            return
        m = _LEAF.match(text)
        if m:
            if not stack:
                raise FigureError("%s:%d: field outside a structure" % (self.path, no))
            size = m.group("size")
            size = int(size) if size.isdigit() else size
            if bool(m.group("opt")) != bool(m.group("optc")):
                raise FigureError("%s:%d: brackets of %s do not match" % (self.path, no, m.group("name")))
            const = int(m.group("const"), 16) if m.group("const") else None
            node = Node("leaf", m.group("name"), size, const, bool(m.group("opt")), bool(m.group("rep")), ann, no)
            stack[-1].children.append(node)
            return
        raise FigureError("%s:%d: not RFC 9000 figure notation: %r" % (self.path, no, text))

    def text(self):
        """The figure as the spec prints it: the layout without annotations."""
        return "\n".join(self.text_lines) + "\n"

    def used_keys(self):
        """Header keys the figure reads (value=... naming a header key)."""
        keys = set()

        def walk(n):
            for k in ("value", "if"):
                v = n.ann.get(k)
                if v in HEADER_KEYS:
                    keys.add(v)
            for c in n.children:
                walk(c)

        walk(self.root)
        return keys


CONTROL_KEYS = ("target", "values")
HEADER_KEYS = ("trace_id", "span_id", "trace_flags", "correlation_id", "tracestate", "baggage", "unknown")

_figures = {}


def figure(fig_id):
    """The figure source diagrams/src/<fig_id>.fig, parsed once."""
    if fig_id not in _figures:
        _figures[fig_id] = Figure(os.path.join(ROOT, "diagrams", "src", fig_id + ".fig"))
    return _figures[fig_id]


def figure_ids():
    d = os.path.join(ROOT, "diagrams", "src")
    return sorted(os.path.splitext(f)[0] for f in os.listdir(d) if f.endswith(".fig"))


# ---- instantiation -----------------------------------------------------------------


def resolve_param(text):
    """A parameter value: hex:.., int:.., text:.., list:a,b, fig:ID, or FILE:CASE:PATH (JSON)."""
    kind, _, rest = text.partition(":")
    if kind == "hex":
        return bytes.fromhex(rest)
    if kind == "int":
        return int(rest, 0)
    if kind == "text":
        return rest
    if kind == "list":
        return [bytes.fromhex(x) for x in rest.split(",") if x]
    if kind == "fig":
        return rest
    if rest:
        file, _, path = rest.partition(":")
        return json_path(vector_case(kind, file), path)
    raise FigureError("cannot read parameter %r" % text)


class Leaf:
    """One field of an instantiated figure, at its offset."""

    def __init__(self, node, path, offset, data, value=None):
        self.node = node
        self.path = path  # names of the enclosing structures
        self.offset = offset
        self.data = data
        self.value = value

    @property
    def name(self):
        return self.node.name

    @property
    def label(self):
        return self.node.ann.get("label", self.node.name)


def _truthy(v):
    return v not in (None, 0, "", b"", [], {})


def instantiate(fig, header, params=None):
    """Build the bytes of `fig` for the header dict and parameters.

    Returns (bytes, leaves). Raises FigureError when the figure cannot hold
    the values (a value outside a field's range, a key the figure lacks).
    """
    env = {k: resolve_param(v) for k, v in fig.params.items()}
    for k, v in (params or {}).items():
        if k in CONTROL_KEYS:
            continue
        env[k] = resolve_param(v) if isinstance(v, str) else v
    env["header"] = header
    extra = set(k for k in header if _truthy(header.get(k))) - fig.used_keys() if isinstance(header, dict) else set()
    if extra and fig.used_keys():
        raise FigureError("figure %s cannot hold %s" % (fig.id, ", ".join(sorted(extra))))
    leaves = []

    def lookup(name):
        if name.startswith("$"):
            name = str(env.get(name[1:], name))
        if name in HEADER_KEYS:
            return header.get(name) if isinstance(header, dict) else None
        if name in env:
            return env[name]
        raise FigureError("figure %s: no value %s" % (fig.id, name))

    def present(n):
        if "if" in n.ann:
            return _truthy(lookup(n.ann["if"]))
        return True

    def encode_leaf(n, nxt):
        a = n.ann
        if n.const is not None:
            if not isinstance(n.size, int):
                raise FigureError("%s: constant needs a fixed size" % n.name)
            return n.const.to_bytes(n.size // 8, "big"), n.const
        if "len" in a:
            if nxt is None:
                raise FigureError("%s: len=next without a next field" % n.name)
            v = len(nxt)
            return _int_enc(v, a.get("enc", "varint"), n), v
        if "value" not in a:
            raise FigureError("figure %s line %d: field %s has no value" % (fig.id, n.line, n.name))
        v = lookup(a["value"])
        enc = a.get("enc", _default_enc(a["value"], n))
        if "mask" in a:
            v = v & int(a["mask"], 0)
        if "range" in a:
            lo, hi = (int(x, 0) for x in a["range"].split("-"))
            if not isinstance(v, int) or not lo <= v <= hi:
                raise FigureError("%s: value %r outside %s" % (n.name, v, a["range"]))
        if enc == "hex":
            b = bytes.fromhex(v) if isinstance(v, str) else bytes(v)
        elif enc == "uuid":
            b = uuid_bytes(v)
        elif enc == "text":
            b = v.encode("utf-8")
        elif enc == "raw":
            b = v if isinstance(v, bytes) else bytes.fromhex(v)
        elif enc.startswith("tag:"):
            b = varint((v << 3) | int(enc[4:]))
        elif enc == "message" and isinstance(v, (bytes, bytearray)):
            b = bytes(v)  # a message given as bytes (block.measure cases)
        elif enc == "message":
            fid = a.get("figure", "")
            if fid.startswith("$"):
                fid = env[fid[1:]]
            b, _ = instantiate(figure(fid), v)
        elif enc in ("int", "varint", "uvarint"):
            b = _int_enc(v, enc, n)
        else:
            raise FigureError("%s: unknown encoding %s" % (n.name, enc))
        if isinstance(n.size, int) and len(b) * 8 != n.size:
            raise FigureError("%s: %d bits given, the figure says %d" % (n.name, len(b) * 8, n.size))
        return b, v

    def build(n, path, offset):
        """Bytes of structure n; appends leaves. Fields are built right to left
        so that a length field can measure the field after it."""
        parts = [None] * len(n.children)
        for i in range(len(n.children) - 1, -1, -1):
            c = n.children[i]
            if not present(c):
                parts[i] = b""
                continue
            if c.kind == "struct":
                parts[i] = ("struct", c)
                continue
            if c.repeated:
                items = lookup(c.ann["value"]) or []
                parts[i] = ("rep", c, [bytes.fromhex(x) if isinstance(x, str) else x for x in items])
                continue
            nxt = None
            if "len" in c.ann:
                nxt = _measure(parts, i + 1, path + [n.name])
            parts[i] = ("leaf",) + encode_leaf(c, nxt) + (c,)
        out = bytearray()
        for p in parts:
            if p == b"":
                continue
            if p[0] == "struct":
                out += build(p[1], path + [n.name], offset + len(out))
            elif p[0] == "rep":
                for item in p[2]:
                    leaves.append(Leaf(p[1], path + [n.name], offset + len(out), item))
                    out += item
            else:
                leaves.append(Leaf(p[3], path + [n.name], offset + len(out), p[1], p[2]))
                out += p[1]
        return bytes(out)

    def _measure(parts, j, path):
        """The bytes of the next present part (a length measures it)."""
        while j < len(parts) and parts[j] == b"":
            j += 1
        if j >= len(parts):
            return None
        p = parts[j]
        if p[0] == "struct":
            saved = len(leaves)
            b = build(p[1], path, 0)
            del leaves[saved:]
            return b
        if p[0] == "rep":
            return b"".join(p[2])
        return p[1]

    data = build(fig.root, [], 0)
    leaves.sort(key=lambda lf: lf.offset)
    return data, leaves


def _int_enc(v, enc, n):
    if enc == "int":
        if not isinstance(n.size, int):
            raise FigureError("%s: int needs a fixed size" % n.name)
        return v.to_bytes(n.size // 8, "big")
    return varint(v)


def _default_enc(key, n):
    if key in ("trace_id", "span_id"):
        return "hex"
    if key == "correlation_id":
        return "uuid"
    if key in ("tracestate", "baggage"):
        return "text"
    if key == "trace_flags":
        return "int" if isinstance(n.size, int) else "varint"
    return "raw"


# ---- checks against a vector case ---------------------------------------------------


def case_values_and_target(file, case, params):
    """The header dict a case gives a figure, and the bytes the figure must produce."""
    op = case["op"]
    inp, exp = case["input"], case["expect"]
    if "values" in params:
        header = resolve_param(params["values"])
    elif op in ("header.decode", "block.decode"):
        header = exp["header"]
    elif op in ("header.encode", "block.encode"):
        header = inp["header"]
    elif op == "grpc_trace_bin.format":
        header = inp["context"]
    elif op == "grpc_trace_bin.parse":
        header = exp["context"]
    else:
        raise FigureError("%s: cannot take values from op %s" % (case["name"], op))
    if "target" in params:
        target = bytes.fromhex(json_path(case, params["target"]))
    elif op == "header.decode":
        target = bytes.fromhex(inp["message_hex"])
    elif op == "block.decode":
        target = bytes.fromhex(inp["block_hex"])[: exp["consumed"]]
    elif op == "header.encode":
        target = bytes.fromhex(exp["message_hex"])
    elif op == "block.encode":
        target = bytes.fromhex(exp["block_hex"])
    elif op == "grpc_trace_bin.format":
        target = bytes.fromhex(exp["hex"])
    else:
        target = bytes.fromhex(inp["hex"])
    return header, target


MODEL_OPS = {
    "message": ("header.decode", "header.encode"),
    "block": ("block.decode", "block.encode"),
    "grpc": ("grpc_trace_bin.format",),
}


def succeeded(case):
    return "error" not in case["expect"]


# ---- hex listings in Markdown -------------------------------------------------------

_LIST_LINE = re.compile(r"^\s*(?:(?P<off>\d+)\s{2,})?(?P<hex>(?:[0-9a-f]{2} )*[0-9a-f]{2})(?:\s{2,}.*)?$")


def parse_listing(block_lines):
    """Bytes of a hex listing (optional `offset  bytes` header, offset column,
    comment after two spaces; a line `N  ...` marks bytes left out). Returns
    (bytes, errors) or None when the block is not a listing."""
    lines = [l for l in block_lines if l.strip()]
    if not lines:
        return None
    if lines[0].split() == ["offset", "bytes"]:
        lines = lines[1:]
    data = bytearray()
    errors = []
    for l in lines:
        if re.match(r"^\s*\d+\s+\.\.\.", l):
            continue
        m = _LIST_LINE.match(l)
        if not m:
            return None
        if m.group("off") is not None and int(m.group("off")) != len(data):
            errors.append("offset %s, but %d bytes precede it" % (m.group("off"), len(data)))
        data += bytes.fromhex(m.group("hex").replace(" ", ""))
    return bytes(data), errors


def code_blocks(md_text):
    """(first line number, info string, lines) of every fenced code block."""
    out = []
    lines = md_text.split("\n")
    i = 0
    while i < len(lines):
        m = re.match(r"^```(\w*)\s*$", lines[i])
        if m:
            j = i + 1
            while j < len(lines) and not lines[j].startswith("```"):
                j += 1
            out.append((i + 1, m.group(1), lines[i + 1 : j]))
            i = j + 1
        else:
            i += 1
    return out


_HEX_SPAN = re.compile(r"`((?:[0-9a-f]{2} ?)+)`")


def inline_hex_spans(md_text, min_bytes=4):
    """Inline code spans made only of hex byte pairs, at least min_bytes long."""
    out = []
    for m in _HEX_SPAN.finditer(md_text):
        s = m.group(1).strip()
        if not re.fullmatch(r"[0-9a-f]{2}( ?[0-9a-f]{2})*", s):
            continue
        h = s.replace(" ", "")
        if len(h) // 2 >= min_bytes:
            out.append((md_text.count("\n", 0, m.start()) + 1, h))
    return out


def vector_strings():
    """Every string value in every vector case, with the case name."""
    out = []

    def walk(v, name):
        if isinstance(v, str):
            out.append((v, name))
        elif isinstance(v, dict):
            for x in v.values():
                walk(x, name)
        elif isinstance(v, list):
            for x in v:
                walk(x, name)

    for _, c in all_cases():
        walk(c["input"], c["name"])
        walk(c["expect"], c["name"])
    return out


def case_hex_values(case):
    """The byte strings of one case (every *_hex value and unknown-field items)."""
    out = []

    def walk(v, key):
        if isinstance(v, str) and (key.endswith("_hex") or key == "unknown"):
            out.append(v)
        elif isinstance(v, dict):
            for k, x in v.items():
                walk(x, k)
        elif isinstance(v, list):
            for x in v:
                walk(x, key)

    walk(case["input"], "")
    walk(case["expect"], "")
    return out


def gateway_sources():
    """The gateway figure sources (diagrams/src/*.gw): number, title, chapter, vector case."""
    d = os.path.join(ROOT, "diagrams", "src")
    out = []
    for fn in sorted(os.listdir(d)):
        if not fn.endswith(".gw"):
            continue
        gw = {"id": fn[:-3], "path": os.path.join(d, fn)}
        with open(gw["path"], encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if not line or line.startswith("#"):
                    continue
                word, _, rest = line.partition(" ")
                if word == "figure":
                    gw["number"] = int(rest)
                elif word in ("title", "chapter"):
                    gw[word] = rest
                elif word == "case":
                    gw["file"], gw["case"] = rest.split()
                else:
                    raise FigureError("%s: unknown directive %s" % (fn, word))
        for k in ("number", "title", "chapter", "case"):
            if k not in gw:
                raise FigureError("%s: needs %s" % (fn, k))
        out.append(gw)
    return out


def case_by_name():
    return {c["name"]: (fn, c) for fn, c in all_cases()}
