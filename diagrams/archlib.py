# SPDX-License-Identifier: Apache-2.0
"""archlib.py - the architecture figure source: parts, their files, and the dependency evidence found in those files.

A source (diagrams/src/*.arch) names the parts of the repository, the files
of each, the patterns by which other files refer to a part, and the edges
"A depends on B". The evidence scan reads the code and build files of every
part with comments removed; an edge is right when some file of A refers to
B, and the figure is complete when every such reference is an edge.
"""

import glob
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CODE_EXT = (".c", ".h", ".py", ".js", ".sh", ".mk", ".lua", ".proto", ".options")


class ArchError(Exception):
    pass


class Part:
    def __init__(self, pid):
        self.id = pid
        self.label = pid
        self.group = None
        self.kind = "part"
        self.files = []
        self.refs = []


class Architecture:
    def __init__(self, path):
        self.path = path
        self.id = os.path.splitext(os.path.basename(path))[0]
        self.number = None
        self.title = None
        self.subtitle = ""
        self.chapter = None
        self.group_labels = {}
        self.nodes = {}
        self.edges = []
        self._parse()

    def _parse(self):
        cur = None
        with open(self.path, encoding="utf-8") as f:
            for no, raw in enumerate(f, 1):
                line = raw.rstrip("\n")
                s = line.strip()
                if not s or s.startswith("#"):
                    continue
                word, _, rest = s.partition(" ")
                rest = rest.strip()
                indented = line[:1] in (" ", "\t")
                if indented:
                    if cur is None:
                        raise ArchError("%s:%d: attribute outside a node" % (self.path, no))
                    if word == "label":
                        cur.label = rest
                    elif word == "group":
                        cur.group = rest
                    elif word == "kind":
                        cur.kind = rest
                    elif word == "files":
                        cur.files += rest.split()
                    elif word == "refs":
                        cur.refs += [re.compile(r) for r in rest.split()]
                    else:
                        raise ArchError("%s:%d: unknown attribute %s" % (self.path, no, word))
                    continue
                cur = None
                if word == "figure":
                    self.number = int(rest)
                elif word == "title":
                    self.title = rest
                elif word == "subtitle":
                    self.subtitle = rest
                elif word == "chapter":
                    self.chapter = rest
                elif word == "group":
                    gid, _, label = rest.partition(" ")
                    self.group_labels[gid] = label.strip().strip('"')
                elif word == "node":
                    cur = Part(rest)
                    if rest in self.nodes or rest in self.group_labels:
                        raise ArchError("%s:%d: %s named twice" % (self.path, no, rest))
                    self.nodes[rest] = cur
                elif word == "edge":
                    m = re.fullmatch(r"(\w+)\s*->\s*(\w+)", rest)
                    if not m:
                        raise ArchError("%s:%d: edge needs A -> B" % (self.path, no))
                    self.edges.append((m.group(1), m.group(2)))
                else:
                    raise ArchError("%s:%d: unknown directive %s" % (self.path, no, word))
        for a, b in self.edges:
            for x in (a, b):
                if x not in self.nodes and x not in self.group_labels:
                    raise ArchError("%s: edge names unknown part %s" % (self.path, x))
        for n in self.nodes.values():
            if n.group and n.group not in self.group_labels:
                raise ArchError("%s: part %s in unknown group %s" % (self.path, n.id, n.group))

    def groups(self):
        return list(self.group_labels)

    def group_anchor(self, g):
        for n in self.nodes.values():
            if n.group == g:
                return n.id
        raise ArchError("group %s is empty" % g)

    def part_files(self, part):
        out = []
        for pat in part.files:
            for p in sorted(glob.glob(os.path.join(ROOT, pat), recursive=True)):
                rel = os.path.relpath(p, ROOT)
                if not os.path.isfile(p) or "/node_modules/" in "/" + rel or rel.startswith("build/"):
                    continue
                if rel.endswith(CODE_EXT) or os.path.basename(rel) == "Makefile":
                    out.append(rel)
        return sorted(set(out))

    def evidence(self):
        """{(A, B): (file, matched text)} for every part A whose files refer to part B."""
        ev = {}
        owner = {}
        for n in self.nodes.values():
            for f in self.part_files(n):
                if f in owner and owner[f] != n.id:
                    raise ArchError("%s belongs to both %s and %s" % (f, owner[f], n.id))
                owner[f] = n.id
        for f, a in sorted(owner.items()):
            text = strip_comments(f, _read(f))
            for b in self.nodes.values():
                if b.id == a:
                    continue
                for rx in b.refs:
                    m = rx.search(text)
                    if m:
                        ev.setdefault((a, b.id), (f, m.group(0)))
                        break
        return ev

    def covering_edges(self, a, b):
        """Edges that would stand for the evidence 'a refers to b'."""
        ga, gb = self.nodes[a].group, self.nodes[b].group
        cands = {(a, b)}
        if gb and gb != ga:
            cands.add((a, gb))
        if ga and ga != gb:
            cands.add((ga, b))
            if gb:
                cands.add((ga, gb))
        return cands


def _read(rel):
    with open(os.path.join(ROOT, rel), encoding="utf-8", errors="replace") as f:
        return f.read()


def strip_comments(path, text):
    """The text without comments, by the file's language (a rough cut that keeps strings)."""
    if path.endswith((".c", ".h", ".js", ".proto")):
        text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
        text = re.sub(r"(^|[^:'\"])//[^\n]*", r"\1", text)
        return text
    if path.endswith(".lua"):
        text = re.sub(r"--\[\[.*?\]\]", " ", text, flags=re.S)
        return re.sub(r"--[^\n]*", "", text)
    lines = []
    for line in text.split("\n"):
        if line.lstrip().startswith("#") and not line.lstrip().startswith("#!"):
            continue
        lines.append(re.sub(r"\s#\s[^\n]*$", "", line))
    text = "\n".join(lines)
    if path.endswith(".py"):
        text = re.sub(r'"""(.*?)"""', " ", text, flags=re.S)
    return text


def sources():
    d = os.path.join(ROOT, "diagrams", "src")
    return [Architecture(os.path.join(d, f)) for f in sorted(os.listdir(d)) if f.endswith(".arch")]
