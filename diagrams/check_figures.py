#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""check_figures.py - checks every figure of the spec against the conformance vectors and the spec's own text.

Usage: check_figures.py [-v]               run every check; the last line is "N passed, N failed"
       check_figures.py --print-figure N   print Figure N in RFC 9000 notation, as the spec must print it

What is checked (diagrams/README.md explains each):
  layouts      each byte-layout source (diagrams/src/*.fig) builds the bytes of
               the vector cases it names, and of every canonical or successful
               case of the files it names, exactly; its text equals the figure
               the spec prints above the caption, and Figure 1's offset table
               matches the layout
  listings     every hex listing in spec/*.md is a byte string of some vector
               case, and every inline hex string of 4 bytes or more occurs in one
  worked       spec/A3-worked-examples.md: every listing equals a byte string of
               the case it cites, every inline hex string occurs in the vectors,
               every case it names exists
  sequences    Figure 4 holds every span, parent, link, block and origin phrase
               of the spec's ASCII Figure 4; Figure 7 names only log events of
               12-logging.md §12.8 and spans of 13-semantic-conventions.md §13.2
  gateway      Figure 8's values come from its vector case; the message it
               shows occurs in the vectors
  architecture Figure 9's edges are exactly the references found in the files
  numbering    every figure has one number and one title, its SVG is linked
               from its chapter, and the index lists it
  index        the index lists every chapter and every vector file with the
               sections its `spec` key names; every chapter opens with links to
               the vector files whose `spec` key names it
  links        every relative link in spec/*.md reaches a file, and its anchor
               a heading of that file
"""

import os
import re
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import archlib  # noqa: E402
import figlib  # noqa: E402
import gendot  # noqa: E402

ROOT = figlib.ROOT
SPEC = os.path.join(ROOT, "spec")
SRC = os.path.join(ROOT, "diagrams", "src")
A3 = os.path.join(SPEC, "A3-worked-examples.md")
VERBOSE = False


class Report:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, ok, what):
        if ok:
            self.passed += 1
            if VERBOSE:
                print("ok   %s" % what)
        else:
            self.failed += 1
            print("FAIL %s" % what)
        return ok

    def note(self, what):
        print("note %s" % what)


R = Report()


def load_known():
    known = {}
    path = os.path.join(ROOT, "diagrams", "known-defects.txt")
    for line in read(path).split("\n"):
        if line.strip() and not line.startswith("#"):
            kind, file, key, reason = line.split(None, 3)
            known[(kind, file, key)] = [reason, False]
    return known


KNOWN = {}


def known(kind, file, key, ok, what):
    """R.check, except that a failure listed in known-defects.txt is a note."""
    k = (kind, file, key)
    if not ok and k in KNOWN:
        KNOWN[k][1] = True
        R.note("%s (known defect: %s)" % (what, KNOWN[k][0]))
        return True
    return R.check(ok, what)


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def rel(path):
    return os.path.relpath(path, ROOT)


# ---- captions and links in the spec --------------------------------------------


def find_caption(md, number=None, title=None):
    """(line index of the caption, its number, its title) of a `**Figure N: title**` caption."""
    lines = md.split("\n")
    i = 0
    while i < len(lines):
        m = re.match(r"^\*\*Figure (\d+): (.*)$", lines[i])
        if m:
            text = m.group(2)
            j = i
            while not text.endswith("**") and j + 1 < len(lines):
                j += 1
                text += " " + lines[j].strip()
            text = text[:-2] if text.endswith("**") else text
            n = int(m.group(1))
            if (number is None or n == number) and (title is None or norm(text) == norm(title)):
                return i, n, text
        i += 1
    return None


def norm(s):
    return " ".join(s.split())


def code_block_before(md, caption_line):
    """The lines of the fenced code block that ends right above the caption."""
    lines = md.split("\n")
    end = caption_line - 1
    if end < 0 or not lines[end].startswith("```"):
        return None
    start = end - 1
    while start >= 0 and not lines[start].startswith("```"):
        start -= 1
    return lines[start + 1 : end]


def markdown_table_after(md, caption_line):
    lines = md.split("\n")[caption_line + 1 :]
    rows = []
    started = False
    for l in lines:
        if l.startswith("|"):
            started = True
            rows.append([c.strip() for c in l.strip().strip("|").split("|")])
        elif started:
            break
        elif l.strip() and not started and not l.startswith("|"):
            break
    return rows[2:] if len(rows) > 2 else []


# ---- layouts ------------------------------------------------------------------------


def check_layout(fig):
    name = "Figure %d (%s)" % (fig.number, fig.id)
    compared = 0
    # Cases named one by one, and the example the SVG draws.
    for file, case_name, kv in fig.checks + [e for e in fig.examples if e not in fig.checks]:
        try:
            case = figlib.vector_case(file, case_name)
            header, target = figlib.case_values_and_target(file, case, kv)
            data, _ = figlib.instantiate(fig, header, kv)
        except figlib.FigureError as e:
            R.check(False, "%s: %s/%s: %s" % (name, file, case_name, e))
            continue
        R.check(data == target, "%s: builds %s/%s%s" % (
            name, file, case_name, "" if data == target else ": figure %s, vector %s" % (data.hex(), target.hex())))
        compared += 1
    # Every canonical or successful case of a file, where the figure can hold its values.
    ops = figlib.MODEL_OPS.get(fig.models, ())
    for file, what, opts in fig.check_all:
        n = skipped = bad = 0
        for case in figlib.vector_file(file)["cases"]:
            if case["op"] not in ops or not figlib.succeeded(case):
                continue
            if what == "canonical" and case["expect"].get("canonical") is not True:
                continue
            if what == "success" and case["op"].endswith(".decode"):
                continue
            try:
                header, target = figlib.case_values_and_target(file, case, {})
                data, _ = figlib.instantiate(fig, header)
            except figlib.FigureError:
                skipped += 1
                continue
            n += 1
            if data != target:
                bad += 1
                R.check(False, "%s: %s/%s: figure %s, vector %s" % (name, file, case["name"], data.hex(), target.hex()))
        R.check(n > 0 and bad == 0, "%s: every %s case of %s.json that it can hold (%d compared, %d it cannot hold)" % (
            name, what, file, n, skipped))
        compared += n
    # The block layout's arithmetic, for blocks of every version (block.measure).
    for file in fig.measure:
        n = bad = 0
        for case in figlib.vector_file(file)["cases"]:
            if case["op"] != "block.measure" or not figlib.succeeded(case):
                continue
            e = case["expect"]
            block = bytes.fromhex(case["input"]["block_hex"])
            msg = block[e["message_offset"] : e["message_offset"] + e["message_length"]]
            data, leaves = figlib.instantiate(fig, msg, {"version": e["version"]})
            body = [lf for lf in leaves if lf.node.ann.get("value") == "header"]
            n += 1
            if data != block[: e["length"]] or not body or body[0].offset != e["message_offset"]:
                bad += 1
                R.check(False, "%s: %s/%s: layout gives %s" % (name, file, case["name"], data.hex()))
        R.check(n > 0 and bad == 0, "%s: offsets and lengths of every block.measure case of %s.json (%d)" % (name, file, n))
        compared += n
    check_spec_figure_text(fig)
    return compared


def check_spec_figure_text(fig):
    name = "Figure %d (%s)" % (fig.number, fig.id)
    path = os.path.join(ROOT, fig.chapter)
    md = read(path)
    cap = find_caption(md, fig.number, fig.title)
    what = "%s: %s has the caption **Figure %d: %s**" % (name, fig.chapter, fig.number, fig.title)
    known("caption", fig.chapter, fig.id, cap is not None, what)
    if cap is None:
        cap = find_caption(md, None, fig.title)  # numbered otherwise: still compare the text
    if cap is None:
        if ("caption", fig.chapter, fig.id) in KNOWN:
            R.check(False, what)
        return
    block = code_block_before(md, cap[0])
    want = fig.text().rstrip("\n").split("\n")
    ok = block is not None and [l.rstrip() for l in block] == want
    if not ok and block is not None:
        for i, (a, b) in enumerate(zip(block + [""] * len(want), want + [""] * len(block))):
            if a.rstrip() != b:
                R.note("%s: first difference at figure line %d: spec %r, source %r" % (name, i + 1, a, b))
                break
    R.check(ok, "%s: the text in %s equals the source (check_figures.py --print-figure %d prints it)" % (
        name, fig.chapter, fig.number))
    if fig.offset_table:
        check_offset_table(fig, md, cap[0])


def check_offset_table(fig, md, caption_line):
    name = "Figure %d (%s)" % (fig.number, fig.id)
    file, case_name, kv = fig.examples[0]
    case = figlib.vector_case(file, case_name)
    header, _ = figlib.case_values_and_target(file, case, kv)
    _, leaves = figlib.instantiate(fig, header, kv)
    rows = markdown_table_after(md, caption_line)
    got = [(int(r[0]), int(r[1])) for r in rows if len(r) >= 3 and r[0].isdigit()]
    want = [(lf.offset, len(lf.data)) for lf in leaves]
    R.check(got == want, "%s: the offset table under it matches the layout (%s)" % (name, got if got != want else "%d rows" % len(got)))
    consts = True
    for r, lf in zip(rows, leaves):
        if lf.node.const is not None:
            consts &= r[2].startswith("`0x%02x`" % lf.node.const)
    R.check(consts, "%s: the offset table names the constant bytes of the layout" % name)


# ---- hex in Markdown ------------------------------------------------------------


def occurs(h, blob):
    """A hex string occurs in the vectors as hex, or (printable ASCII) as the text it encodes."""
    if h in blob:
        return True
    b = bytes.fromhex(h)
    return all(0x20 <= x < 0x7F for x in b) and b.decode("ascii") in blob


def check_listings():
    strings = figlib.vector_strings()
    hexes = set(s for s, _ in strings if re.fullmatch(r"(?:[0-9a-f]{2})+", s))
    blob = "\n".join(s for s, _ in strings)
    for fn in sorted(os.listdir(SPEC)):
        if not fn.endswith(".md") or fn == os.path.basename(A3):
            continue
        md = read(os.path.join(SPEC, fn))
        n = 0
        for line, info, lines in figlib.code_blocks(md):
            if info not in ("", "text"):
                continue
            parsed = figlib.parse_listing(lines)
            if parsed is None or len(parsed[0]) < 4:
                continue
            data, errors = parsed
            h = data.hex()
            partial = any(re.match(r"^\s*\d+\s+\.\.\.", l) for l in lines)
            found = h in hexes or (partial and any(x.startswith(h) for x in hexes))
            R.check(found and not errors, "spec/%s:%d: the hex listing (%d bytes) is %s%s" % (
                fn, line, len(data), "a byte string of the vectors" if found else "NOT a byte string of any vector case",
                "; " + "; ".join(errors) if errors else ""))
            n += 1
        for line, h in figlib.inline_hex_spans(md):
            known("inline", "spec/" + fn, h, occurs(h, blob),
                  "spec/%s:%d: `%s` occurs in the vectors" % (fn, line, h[:24] + ("…" if len(h) > 24 else "")))


def check_worked_examples():
    if not R.check(os.path.exists(A3), "spec/A3-worked-examples.md exists"):
        return
    md = read(A3)
    names = figlib.case_by_name()
    strings = figlib.vector_strings()
    blob = "\n".join(s for s, _ in strings)
    # Every case it names exists.
    for m in re.finditer(r"`([a-z0-9]+(?:_[a-z0-9]+){3,})`", md):
        tok = m.group(1)
        if tok.startswith("tw_"):
            continue
        R.check(tok in names, "A3: the case `%s` exists in the vectors" % tok)
    # Every listing is a byte string of the case cited last before it.
    lines = md.split("\n")
    listings = 0
    for start, info, block in figlib.code_blocks(md):
        parsed = figlib.parse_listing(block)
        if parsed is None:
            continue
        listings += 1
        data, errors = parsed
        cited = None
        for l in reversed(lines[: start - 1]):
            for m in reversed(list(re.finditer(r"`([a-z0-9_]+)`", l))):
                if m.group(1) in names:
                    cited = m.group(1)
                    break
            if cited:
                break
        if not R.check(cited is not None, "A3:%d: the listing cites a vector case before it" % start):
            continue
        fn, case = names[cited]
        ok = data.hex() in figlib.case_hex_values(case)
        R.check(ok and not errors, "A3:%d: the listing (%d bytes) is a byte string of %s (%s)%s" % (
            start, len(data), cited, fn, "; " + "; ".join(errors) if errors else ""))
    R.check(listings >= 5, "A3: holds at least five worked listings (%d)" % listings)
    for line, h in figlib.inline_hex_spans(md, min_bytes=1):
        R.check(occurs(h, blob), "A3:%d: `%s` occurs in the vectors" % (line, h[:24] + ("…" if len(h) > 24 else "")))


# ---- sequence figures -------------------------------------------------------------


def puml_meta(path):
    text = read(path)
    m = re.search(r"^title Figure (\d+): (.*)$", text, re.M)
    ch = re.search(r"^' chapter: (\S+)", text, re.M)
    return (int(m.group(1)) if m else None, m.group(2).strip() if m else None, ch.group(1) if ch else None, text)


def check_figure4():
    path = os.path.join(SRC, "fig04-origin-hop.puml")
    number, title, chapter, text = puml_meta(path)
    md = read(os.path.join(ROOT, chapter))
    cap = find_caption(md, number, title)
    if not R.check(cap is not None, "Figure 4: %s has the caption **Figure %d: %s**" % (chapter, number, title)):
        return
    ascii_fig = "\n".join(code_block_before(md, cap[0]) or [])
    phrases = set()
    for rx in (r'span [a-z]\d "[a-z]+"', r"child of [a-z]\d", r"link to [a-z]\d", r"block \{[^}]*\}",
               r"origin \{[^}]*\}", r"frame \d"):
        phrases.update(norm(m.group(0)) for m in re.finditer(rx, ascii_fig))
    flat = norm(text.replace("\\n", " ").replace("**", ""))
    missing = sorted(p for p in phrases if p not in flat)
    R.check(len(phrases) >= 10 and not missing, "Figure 4: the rendering holds the %d phrases of the ASCII figure%s" % (
        len(phrases), ": missing " + ", ".join(missing) if missing else ""))


def table_names(md, heading):
    """Backticked names in the first column of the tables of one section."""
    m = re.search(r"^%s\b.*$" % re.escape(heading), md, re.M)
    if not m:
        return None
    rest = md[m.end():]
    end = re.search(r"^## ", rest, re.M)
    section = rest[: end.start()] if end else rest
    names = set()
    for line in section.split("\n"):
        if line.startswith("|"):
            first = line.strip().strip("|").split("|")[0]
            names.update(re.findall(r"`([a-z0-9_.]+)`", first))
    return names


def check_figure7():
    path = os.path.join(SRC, "fig07-correlation-flow.puml")
    _, _, _, text = puml_meta(path)
    events = re.findall(r"log: ([a-z0-9_.]+)", text)
    spans = re.findall(r"span: ([a-z0-9_.]+)", text)
    for doc, heading, used, what in (("12-logging.md", "## 12.8", events, "log event"),
                                     ("13-semantic-conventions.md", "## 13.2", spans, "span")):
        p = os.path.join(SPEC, doc)
        if not os.path.exists(p):
            R.note("Figure 7: spec/%s does not exist yet; its %s names are not checked" % (doc, what))
            continue
        names = table_names(read(p), heading)
        if not R.check(bool(names), "Figure 7: spec/%s has the table of %s" % (doc, heading)):
            continue
        unknown = sorted(set(used) - names)
        R.check(used and not unknown, "Figure 7: its %d %s names are in spec/%s %s%s" % (
            len(set(used)), what, doc, heading.strip("# "), ": not there: " + ", ".join(unknown) if unknown else ""))
    corr = set(re.findall(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", text))
    R.check(len(corr) == 1, "Figure 7: names one correlation-id (%s)" % ", ".join(sorted(corr)))


# ---- gateway, architecture ---------------------------------------------------------


def check_gateway():
    blob = "\n".join(s for s, _ in figlib.vector_strings())
    for gw in figlib.gateway_sources():
        try:
            _, block, msg = gendot.gateway_dot(gw)
        except (figlib.FigureError, KeyError) as e:
            R.check(False, "Figure %d: %s" % (gw["number"], e))
            continue
        R.check(msg.hex() in blob, "Figure %d: the header it shows on the frame (%d bytes) occurs in the vectors" % (
            gw["number"], len(msg)))


def check_architecture():
    for a in archlib.sources():
        try:
            ev = a.evidence()
        except archlib.ArchError as e:
            R.check(False, "Figure %d: %s" % (a.number, e))
            continue
        edges = set(a.edges)
        used = set()
        bad = 0
        for (x, y), (f, what) in sorted(ev.items()):
            cover = a.covering_edges(x, y) & edges
            if not cover:
                bad += 1
                R.check(False, "Figure %d: %s refers to %s (%s: %r) but the figure has no such edge" % (a.number, x, y, f, what))
            used |= cover
        for e in a.edges:
            if e not in used:
                bad += 1
                R.check(False, "Figure %d: edge %s -> %s has no evidence in the files of %s" % (a.number, e[0], e[1], e[0]))
        for n in a.nodes.values():
            if n.kind == "part" and not a.part_files(n):
                bad += 1
                R.check(False, "Figure %d: part %s has no files" % (a.number, n.id))
        R.check(bad == 0, "Figure %d: its %d edges are exactly the references found in %d files" % (
            a.number, len(a.edges), sum(len(a.part_files(n)) for n in a.nodes.values())))


# ---- numbering and links -------------------------------------------------------------


def all_figures():
    """(number, title, chapter, svg name) of every figure source."""
    out = []
    for fid in figlib.figure_ids():
        f = figlib.figure(fid)
        out.append((f.number, f.title, f.chapter, fid))
    for fn in sorted(os.listdir(SRC)):
        if fn.endswith(".puml"):
            n, t, ch, _ = puml_meta(os.path.join(SRC, fn))
            out.append((n, t, ch, fn[:-5]))
    for gw in figlib.gateway_sources():
        out.append((gw["number"], gw["title"], gw["chapter"], gw["id"]))
    for a in archlib.sources():
        out.append((a.number, a.title, a.chapter, a.id))
    return sorted(out)


def check_numbering():
    figs = all_figures()
    numbers = [f[0] for f in figs]
    R.check(None not in numbers and len(set(numbers)) == len(numbers),
            "figures: numbers are unique (%s)" % ", ".join(str(n) for n in numbers))
    R.check(numbers == list(range(1, len(numbers) + 1)), "figures: numbered 1 to %d without a gap" % len(numbers))
    index = read(os.path.join(SPEC, "README.md"))
    for n, title, chapter, svg in figs:
        R.check(os.path.exists(os.path.join(ROOT, "diagrams", "svg", svg + ".svg")),
                "Figure %d: diagrams/svg/%s.svg is committed" % (n, svg))
        md = read(os.path.join(ROOT, chapter)) if chapter and os.path.exists(os.path.join(ROOT, chapter)) else ""
        link = re.search(r"\[Figure %d: ([^\]]*)\]\(\.\./diagrams/svg/%s\.svg\)" % (n, re.escape(svg)), md)
        R.check(link is not None and norm(link.group(1)) == norm(title),
                "Figure %d: %s links it as [Figure %d: %s](../diagrams/svg/%s.svg)" % (n, chapter, n, title, svg))
        R.check("../diagrams/svg/%s.svg" % svg in index, "Figure %d: the index (spec/README.md) lists it" % n)


# ---- the index and the links ---------------------------------------------------------


def anchors(path):
    out = set()
    for line in read(path).split("\n"):
        m = re.match(r"^#+ (.*)$", line.rstrip())
        if m:
            t = re.sub(r"[^\w\- ]", "", m.group(1).strip().lower())
            out.add(t.replace(" ", "-"))
    return out


def check_links():
    n = 0
    for fn in sorted(os.listdir(SPEC)):
        if not fn.endswith(".md"):
            continue
        md = read(os.path.join(SPEC, fn))
        for m in re.finditer(r"\]\(([^)\s]+)\)", md):
            link = m.group(1)
            if re.match(r"^[a-z]+:", link):
                continue
            f, _, anc = link.partition("#")
            target = os.path.normpath(os.path.join(SPEC, f)) if f else os.path.join(SPEC, fn)
            line = md.count("\n", 0, m.start()) + 1
            ok = os.path.exists(target) and (not anc or not target.endswith(".md") or anc in anchors(target))
            if not ok:
                R.check(False, "spec/%s:%d: the link %s reaches %s" % (fn, line, link, "no file" if not os.path.exists(target) else "no heading #" + anc))
            n += 1
    R.check(True, "links: %d relative links in spec/*.md checked" % n)


def spec_key_map():
    """{chapter file: {vector file: [section anchors]}} from the vector files' `spec` keys."""
    out = {}
    for fn in sorted(os.listdir(figlib.VECTORS)):
        if fn.endswith(".json"):
            for key in figlib.vector_file(fn)["spec"]:
                ch, _, anc = key.partition("#")
                out.setdefault(os.path.basename(ch), {}).setdefault(fn, []).append(anc)
    return out


def check_index():
    index = read(os.path.join(SPEC, "README.md"))
    keys = spec_key_map()
    chapters = sorted(f for f in os.listdir(SPEC) if f.endswith(".md") and f != "README.md")
    rows = {}
    for line in index.split("\n"):
        m = re.match(r"^\| \[[^\]]+\]\(([0-9A]+[^)#]*\.md)\)", line)
        if m:
            rows[m.group(1)] = line
    for ch in chapters:
        if not R.check(ch in rows, "index: the chapter table lists %s" % ch):
            continue
        want = set(f[:-5] for f in keys.get(ch, {}))
        if want:
            cells = rows[ch].strip().strip("|").split("|")
            got = set(re.findall(r"`([a-z0-9-]+)`", cells[-1]))
            R.check(got == want, "index: the row of %s names the vector files that pin it (%s)" % (ch, ", ".join(sorted(want))))
        opening = read(os.path.join(SPEC, ch)).split("\n## ")[0]
        linked = set(re.findall(r"\(\.\./conformance/vectors/([a-z0-9-]+\.json)\)", opening))
        missing = sorted(set(keys.get(ch, {})) - linked)
        R.check(not missing, "%s opens with links to the vector files that pin it%s" % (ch, ": missing " + ", ".join(missing) if missing else ""))
    for fn in sorted(os.listdir(figlib.VECTORS)):
        if not fn.endswith(".json"):
            continue
        m = re.search(r"^\| \[`%s`\]\(\.\./conformance/vectors/%s\) \| (.*) \|$" % (re.escape(fn), re.escape(fn)), index, re.M)
        if not R.check(m is not None, "index: the vector table lists %s" % fn):
            continue
        got = re.findall(r"\]\(([0-9A-Za-z-]+\.md#[^)]+)\)", m.group(1))
        want = [k.replace("spec/", "") for k in figlib.vector_file(fn)["spec"]]
        R.check(got == want, "index: the pins of %s repeat its spec key" % fn)


def main(argv):
    global VERBOSE
    if "--print-figure" in argv:
        n = int(argv[argv.index("--print-figure") + 1])
        for fid in figlib.figure_ids():
            f = figlib.figure(fid)
            if f.number == n:
                sys.stdout.write("```\n" + f.text() + "```\n**Figure %d: %s**\n" % (f.number, f.title))
                return 0
        sys.stderr.write("no layout source for Figure %d\n" % n)
        return 1
    VERBOSE = "-v" in argv
    KNOWN.update(load_known())
    compared = 0
    for fid in figlib.figure_ids():
        try:
            compared += check_layout(figlib.figure(fid))
        except figlib.FigureError as e:
            R.check(False, "%s: %s" % (fid, e))
    check_listings()
    check_worked_examples()
    check_figure4()
    check_figure7()
    check_gateway()
    check_architecture()
    check_numbering()
    check_index()
    check_links()
    for (kind, file, key), (reason, seen) in sorted(KNOWN.items()):
        if not seen:
            R.note("known defect fixed, delete its line from diagrams/known-defects.txt: %s %s %s" % (kind, file, key))
    print("check_figures: byte layouts compared with %d vector byte strings" % compared)
    print("%d passed, %d failed" % (R.passed, R.failed))
    return 1 if R.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
