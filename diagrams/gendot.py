# SPDX-License-Identifier: Apache-2.0
"""gendot.py - writes the Graphviz sources of the generated figures: byte grids, the gateway, the architecture.

Every value drawn comes from a figure source and the conformance vectors,
through figlib (byte layouts, the gateway) or archlib (the architecture);
nothing in a generated figure is typed by hand.
"""

import html

import archlib
import figlib

FONT = "DejaVu Sans"
MONO = "DejaVu Sans Mono"
BYTES_PER_ROW = 16
BYTE_W = 40  # points per byte column

# Fill colours by what a field holds: its `kind=` annotation, else its value.
_KIND_COLOUR = {
    "framing": "#eeeeee",
    "id": "#dbe9f6",
    "flags": "#fdf1c7",
    "text": "#dff0d8",
    "unknown": "#f6dede",
    "header": "#e8e0f3",
    "app": "#ffffff",
}
_VALUE_KIND = {
    "trace_id": "id", "span_id": "id", "correlation_id": "id", "trace_flags": "flags",
    "tracestate": "text", "baggage": "text", "unknown": "unknown", "header": "header",
}


def _colour(node):
    kind = node.ann.get("kind") or _VALUE_KIND.get(node.ann.get("value", ""), "framing")
    return _KIND_COLOUR[kind]


def _fit(text, nbytes):
    """The label, shortened to what a cell of nbytes columns holds (about 6 points a character)."""
    room = int((nbytes * BYTE_W - 6) / 5.6)
    if len(text) <= room:
        return text
    if text.startswith("… "):
        return "…"  # the rest of a field named on an earlier row
    return text[: max(1, room - 1)] + "…"


def _esc(text):
    return html.escape(text, quote=True)


def _graph_head(name, title, subtitle):
    label = '<FONT POINT-SIZE="13">%s</FONT>' % _esc(title)
    if subtitle:
        label += '<BR/><FONT POINT-SIZE="9">%s</FONT>' % _esc(subtitle)
    return [
        "digraph %s {" % name,
        '  graph [fontname="%s", labelloc=t, labeljust=l, label=<%s>, pad=0.2];' % (FONT, label),
        '  node [fontname="%s", fontsize=10];' % FONT,
        '  edge [fontname="%s", fontsize=9];' % FONT,
    ]


def byte_grid(fig, leaves, total, subtitle, rest=b"", rest_label="application frame"):
    """A packet grid: 16 byte columns per row, one cell per field per row."""
    cells = []
    for lf in leaves:
        label = lf.label
        if isinstance(lf.value, str) and lf.node.ann.get("value") in ("tracestate", "baggage"):
            label = '%s "%s"' % (label, lf.value)
        cells.append((lf.offset, lf.data, label, _colour(lf.node)))
    if rest:
        cells.append((total, rest, rest_label, "#ffffff"))
        total += len(rest)
    rows = (total + BYTES_PER_ROW - 1) // BYTES_PER_ROW
    out = _graph_head("figure%d" % fig.number, "Figure %d: %s" % (fig.number, fig.title), subtitle)
    t = ['<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="2">']
    head = ['<TD BORDER="0" WIDTH="44" FIXEDSIZE="TRUE" HEIGHT="14"><FONT POINT-SIZE="8">offset</FONT></TD>']
    for i in range(BYTES_PER_ROW):
        head.append('<TD BORDER="0" WIDTH="%d" FIXEDSIZE="TRUE" HEIGHT="14"><FONT POINT-SIZE="8">+%d</FONT></TD>' % (BYTE_W, i))
    t.append("<TR>" + "".join(head) + "</TR>")
    for r in range(rows):
        start, end = r * BYTES_PER_ROW, min((r + 1) * BYTES_PER_ROW, total)
        row = ['<TD BORDER="0" WIDTH="44" FIXEDSIZE="TRUE" HEIGHT="38" ALIGN="RIGHT"><FONT POINT-SIZE="8">%d</FONT></TD>' % start]
        for off, data, label, colour in cells:
            a, b = max(off, start), min(off + len(data), end)
            if a >= b:
                continue
            n = b - a
            part = data[a - off : b - off]
            text = _fit(("… " if a > off else "") + label, n)
            hexs = " ".join("%02x" % x for x in part)
            style = ' STYLE="DASHED"' if (rest and off == total - len(rest)) else ""
            row.append(
                '<TD COLSPAN="%d" WIDTH="%d" FIXEDSIZE="TRUE" HEIGHT="38" BGCOLOR="%s"%s>'
                '<FONT POINT-SIZE="9">%s</FONT><BR/><FONT FACE="%s" POINT-SIZE="9">%s</FONT></TD>'
                % (n, n * BYTE_W, colour, style, _esc(text), MONO, hexs)
            )
        if end - start < BYTES_PER_ROW:
            row.append('<TD BORDER="0" COLSPAN="%d"></TD>' % (BYTES_PER_ROW - (end - start)))
        t.append("<TR>" + "".join(row) + "</TR>")
    spans = {}
    for lf in leaves:
        for depth in range(1, len(lf.path)):
            key = tuple(lf.path[: depth + 1])
            a, b = spans.get(key, (lf.offset, lf.offset + len(lf.data)))
            spans[key] = (min(a, lf.offset), max(b, lf.offset + len(lf.data)))
    if spans:
        t.append('<TR><TD BORDER="0" HEIGHT="6" COLSPAN="%d"></TD></TR>' % (BYTES_PER_ROW + 1))
        for key, (a, b) in sorted(spans.items(), key=lambda kv: (kv[1][0], -kv[1][1])):
            t.append('<TR><TD BORDER="0"></TD><TD BORDER="0" COLSPAN="%d" ALIGN="LEFT"><FONT POINT-SIZE="8">'
                     'bytes %d to %d: %s%s</FONT></TD></TR>'
                     % (BYTES_PER_ROW, a, b - 1, "&#160;&#160;&#160;" * (len(key) - 2), _esc(key[-1])))
    t.append("</TABLE>")
    out.append('  grid [shape=plain, label=<%s>];' % "".join(t))
    out.append("}")
    return "\n".join(out) + "\n"


def layout_dot(fig):
    """The grid of a layout figure, drawn for its `example` case."""
    file, case_name, kv = fig.examples[0]
    case = figlib.vector_case(file, case_name)
    header, target = figlib.case_values_and_target(file, case, kv)
    data, leaves = figlib.instantiate(fig, header, kv)
    if data != target:
        raise figlib.FigureError("%s: the example %s does not match its vector" % (fig.id, case_name))
    rest = b""
    if case["op"] == "block.decode" and "target" not in kv:
        rest = bytes.fromhex(case["input"]["block_hex"])[len(data):]
    sub = "Bytes of conformance case %s (%s.json), built from the figure and compared with the vector." % (
        case_name, file.replace(".json", ""))
    return byte_grid(fig, leaves, len(data), sub, rest, "application frame (not part of the block)")


# ---- gateway ------------------------------------------------------------------


def gateway_dot(gw):
    """Figure: HTTP field lines -> TraceHeader -> block on a P2P frame, and inject back to HTTP."""
    case = figlib.vector_case(gw["file"], gw["case"])
    inp, exp = case["input"], case["expect"]
    ctx = dict(exp["context"])
    sent = dict(ctx)
    sent["span_id"] = inp["new_span_id"]
    msg, leaves = figlib.instantiate(figlib.figure("fig02-trace-header"), sent)
    length = figlib.varint(len(msg))
    block = bytes([1]) + length + msg
    out = _graph_head("figure%d" % gw["number"], "Figure %d: %s" % (gw["number"], gw["title"]),
                      "Values of conformance case %s (%s.json); the block is built with Figures 2 and 3."
                      % (gw["case"], gw["file"].replace(".json", "")))
    out.append("  rankdir=LR; nodesep=0.5; ranksep=0.45;")
    out.append("  node [shape=plain];")

    def table(name, title, head, rows, colour):
        t = ['<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="3" BGCOLOR="%s">' % colour]
        t.append('<TR><TD COLSPAN="%d"><B>%s</B></TD></TR>' % (len(head), _esc(title)))
        t.append("<TR>" + "".join('<TD><FONT POINT-SIZE="8">%s</FONT></TD>' % _esc(h) for h in head) + "</TR>")
        for row in rows:
            cells = []
            for i, v in enumerate(row):
                face = ' FACE="%s"' % MONO if i == 1 else ""
                cells.append('<TD ALIGN="LEFT"><FONT%s POINT-SIZE="9">%s</FONT></TD>' % (face, _esc(v)))
            t.append("<TR>" + "".join(cells) + "</TR>")
        t.append("</TABLE>")
        out.append("  %s [label=<%s>];" % (name, "".join(t)))

    table("http_in", "HTTP request in", ["field line", "value"],
          [(k + ":", v) for k, v in inp["headers"]], "#f5f5f5")
    source = {"trace_id": exp["source"], "trace_flags": exp["source"],
              "span_id": "new: the gateway's span (its parent %s comes from %s)" % (ctx["span_id"], exp["source"]),
              "correlation_id": "tracewire-correlation-id (§11.4.4)",
              "tracestate": "tracestate (§11.2.1)", "baggage": "baggage (§11.3.1)"}
    hrows = []
    for key in figlib.HEADER_KEYS:
        if key not in sent or key == "unknown":
            continue
        v = "%02x" % sent[key] if key == "trace_flags" else str(sent[key])
        hrows.append((key, v, source[key]))
    table("hdr", "TraceHeader written by the gateway", ["field", "value", "from"], hrows, "#dbe9f6")
    brows = [("0", "%02x" % block[0], "version 1"), ("1", length.hex(" "), "length %d" % len(msg))]
    for lf in leaves:
        brows.append(("%d" % (1 + len(length) + lf.offset), lf.data.hex(" "), lf.label))
    brows.append(("%d" % len(block), "...", "the application frame"))
    table("frame", "P2P frame towards a peer: prefix block, then the frame", ["offset", "bytes", "field"],
          brows, "#e8e0f3")
    table("http_out", "HTTP request out (the same header)", ["field line", "value"],
          [(k + ":", v) for k, v in exp["downstream"]], "#f5f5f5")
    out.append('  http_in -> hdr [label="extract\\n§11.10.1"];')
    out.append('  hdr -> frame [label="encode §4.3,\\nblock §5.2"];')
    out.append('  hdr -> http_out [label="inject\\n§11.10.3"];')
    out.append("}")
    return "\n".join(out) + "\n", block, msg


# ---- architecture -----------------------------------------------------------------


def architecture_dot(arch):
    out = _graph_head("figure%d" % arch.number, "Figure %d: %s" % (arch.number, arch.title), arch.subtitle)
    out.append("  compound=true; rankdir=LR; nodesep=0.25; ranksep=0.9;")
    out.append('  node [shape=box, style="rounded,filled", fillcolor="#ffffff"];')
    for g in arch.groups():
        out.append("  subgraph cluster_%s {" % g)
        out.append('    label="%s"; style="rounded,filled"; fillcolor="#eef3f8"; fontsize=10;' % _esc(arch.group_labels.get(g, g)))
        for n in arch.nodes.values():
            if n.group == g:
                out.append('    %s [label="%s"];' % (n.id, _esc(n.label).replace("\\\\n", "\\n")))
        out.append("  }")
    for n in arch.nodes.values():
        if n.group:
            continue
        fill = "#f6f0e0" if n.kind == "oracle" else "#ffffff"
        style = "rounded,filled,dashed" if n.kind == "oracle" else "rounded,filled"
        out.append('  %s [label="%s", fillcolor="%s", style="%s"];' % (n.id, _esc(n.label).replace("\\\\n", "\\n"), fill, style))
    for a, b in arch.edges:
        attrs = []
        src, dst = a, b
        if a in arch.group_labels:
            src = arch.group_anchor(a)
            attrs.append("ltail=cluster_%s" % a)
        if b in arch.group_labels:
            dst = arch.group_anchor(b)
            attrs.append("lhead=cluster_%s" % b)
        if arch.nodes.get(b) is not None and arch.nodes[b].kind == "oracle":
            attrs.append("style=dashed")
        out.append("  %s -> %s%s;" % (src, dst, " [%s]" % ", ".join(attrs) if attrs else ""))
    out.append("}")
    return "\n".join(out) + "\n"


def generated_dots():
    """(output name, dot text) of every generated figure."""
    out = []
    for fid in figlib.figure_ids():
        fig = figlib.figure(fid)
        out.append((fid, layout_dot(fig)))
    for gw in figlib.gateway_sources():
        dot, _, _ = gateway_dot(gw)
        out.append((gw["id"], dot))
    for a in archlib.sources():
        out.append((a.id, architecture_dot(a)))
    return out
