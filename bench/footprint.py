#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# footprint.py - .text size and worst-case stack per public function of the tier-1 codec, against budgets.
"""
make footprint -> footprint.py --src codec/tracewire.c --out build/bench/footprint

Builds the tier-1 codec at -Os and -O2 for x86-64 and, with Debian's
gcc-arm-linux-gnueabihf, 32-bit ARM (Thumb-2 and A32). For each build it
reads .text from the object (size -A), and the stack of every function
from gcc's -fcallgraph-info=su (a call graph whose nodes carry the
-fstack-usage figure). The worst-case stack of a public function is its own
frame plus the worst of its callees, recursively; on x86-64 each frame
figure includes the return address the call pushed. A "dynamic,bounded"
frame counts with its bound; recursion or an unbounded frame stops the check. Calls that leave the
codec (memcpy, memset, memcmp, getrandom, errno) and the caller's random
hook (the one indirect call) are listed, not added: their stack belongs to
the C library or to the caller.

Budgets: .text <= 8 KiB at -Os on x86-64 and Thumb-2 (the instruction set
of the small ARM cores the budget is for; A32 code is about 1.6x larger and
is reported, not gated), <= 256 bytes of stack per call of any public
function (every build). Exit status 1 if one is exceeded.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys

TEXT_BUDGET = 8 * 1024
TEXT_GATED = ("x86-64", "arm-thumb2")  # at -Os
STACK_BUDGET = 256
WARN = ["-std=c99", "-Wall", "-Wextra", "-Werror"]

# (name, compiler, flags); the ARM builds need gcc-arm-linux-gnueabihf.
TARGETS = [
    ("x86-64", "gcc", []),
    ("arm-thumb2", "arm-linux-gnueabihf-gcc", ["-mthumb"]),
    ("arm-a32", "arm-linux-gnueabihf-gcc", ["-marm"]),
]
OPTS = ["-Os", "-O2"]


def die(msg):
    print("footprint: " + msg, file=sys.stderr)
    sys.exit(1)


def size_tool(cc):
    return cc[:-3] + "size" if cc.endswith("-gcc") else "size"


def text_size(obj, cc):
    out = subprocess.run([size_tool(cc), "-A", obj], capture_output=True, text=True, check=True).stdout
    sections = {}
    for ln in out.splitlines():
        f = ln.split()
        if len(f) >= 2 and f[0].startswith(".") and f[1].isdigit():
            sections[f[0]] = int(f[1])
    rodata = sum(v for k, v in sections.items() if k.startswith(".rodata"))
    return sections.get(".text", 0), rodata


def public_functions(obj, cc):
    nm = cc[:-3] + "nm" if cc.endswith("-gcc") else "nm"
    out = subprocess.run([nm, "--defined-only", obj], capture_output=True, text=True, check=True).stdout
    return sorted(f[2] for f in (ln.split() for ln in out.splitlines()) if len(f) == 3 and f[1] == "T")


def parse_callgraph(ci):
    """{node title: (name, bytes or None, qualifier)}, {title: [callee titles]}"""
    nodes, edges = {}, {}
    for ln in open(ci):
        m = re.match(r'node: \{ title: "([^"]+)" label: "([^"]*)"', ln)
        if m:
            title, label = m.groups()
            parts = label.split("\\n")
            st = re.match(r"(\d+) bytes \(([^)]*)\)", parts[2]) if len(parts) > 2 else None
            nodes[title] = (parts[0], int(st.group(1)) if st else None, st.group(2) if st else "external")
            continue
        m = re.match(r'edge: \{ sourcename: "([^"]+)" targetname: "([^"]+)"', ln)
        if m:
            edges.setdefault(m.group(1), []).append(m.group(2))
    return nodes, edges


def worst_path(title, nodes, edges, stack=()):
    """(bytes, [names on the worst path], {names of outside callees reached})"""
    if title in stack:
        die("recursion through %s: the worst case is unbounded" % nodes[title][0])
    name, own, qual = nodes.get(title, (title, None, "external"))
    if own is None:  # outside the codec, or the indirect random hook
        return 0, [], {"random hook (indirect)" if title == "__indirect_call" else name}
    if qual not in ("static", "dynamic,bounded"):  # bounded: the figure is the maximum
        die("%s has %s stack usage: not bounded at compile time" % (name, qual))
    best, best_path, outside = 0, [], set()
    for callee in edges.get(title, []):
        b, p, o = worst_path(callee, nodes, edges, stack + (title,))
        outside |= o
        if b > best or not best_path and p:
            best, best_path = b, p
    return own + best, [name] + best_path, outside


def build(target, cc, flags, opt, src, out):
    d = os.path.join(out, "%s%s" % (target, opt))
    os.makedirs(d, exist_ok=True)
    obj = os.path.join(d, "tracewire.o")
    cmd = [cc] + WARN + flags + [opt, "-fstack-usage", "-fcallgraph-info=su", "-c", src, "-o", obj]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.stderr.write(p.stderr)
        die("build failed: " + " ".join(cmd))
    ci = os.path.join(d, "tracewire.ci")
    if not os.path.exists(ci):
        die("gcc wrote no call graph (%s)" % ci)
    text, rodata = text_size(obj, cc)
    nodes, edges = parse_callgraph(ci)
    stacks = {}
    for fn in public_functions(obj, cc):
        title = fn if fn in nodes else next((t for t, n in nodes.items() if n[0] == fn), None)
        if title is None:
            die("%s: no call-graph node for %s" % (d, fn))
        stacks[fn] = worst_path(title, nodes, edges)
    return {"build": "%s %s" % (target, opt), "target": target, "opt": opt, "text": text, "rodata": rodata,
            "stacks": stacks}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--src", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    results, skipped = [], []
    for target, cc, flags in TARGETS:
        if shutil.which(cc) is None:
            skipped.append(target)
            continue
        for opt in OPTS:
            results.append(build(target, cc, flags, opt, args.src, args.out))
    if skipped:
        die("no compiler for %s: sh bench/install-deps.sh" % ", ".join(skipped))

    passed = failed = 0
    print("footprint of the tier-1 codec (%s), gcc 12\n" % args.src)
    print("| build | .text | .rodata | .text budget |")
    print("|---|---:|---:|---|")
    for r in results:
        if r["opt"] == "-Os" and r["target"] in TEXT_GATED:
            ok = r["text"] <= TEXT_BUDGET
            passed, failed = passed + ok, failed + (not ok)
            verdict = "<= %d %s" % (TEXT_BUDGET, "ok" if ok else "FAIL")
        elif r["opt"] == "-Os":
            verdict = "(reported only; %s 8 KiB)" % ("under" if r["text"] <= TEXT_BUDGET else "over")
        else:
            verdict = "(reported only)"
        print("| %s | %d | %d | %s |" % (r["build"], r["text"], r["rodata"], verdict))

    fns = sorted(results[0]["stacks"])
    print("\nworst-case stack per call, bytes (own frame + deepest callee chain; budget <= %d)\n" % STACK_BUDGET)
    print("| function | " + " | ".join(r["build"] for r in results) + " | deepest path (x86-64 -O2) |")
    print("|---|" + "---:|" * len(results) + "---|")
    outside = set()
    ref = next(r for r in results if r["build"] == "x86-64 -O2")
    for fn in fns:
        cells = []
        for r in results:
            b, path, o = r["stacks"].get(fn, (0, [], set()))
            outside |= o
            ok = b <= STACK_BUDGET
            passed, failed = passed + ok, failed + (not ok)
            cells.append("%d%s" % (b, "" if ok else " FAIL"))
        path = ref["stacks"].get(fn, (0, [], set()))[1]
        print("| %s | %s | %s |" % (fn, " | ".join(cells), " > ".join(path)))
    print("\nnot counted (outside the codec): %s" % ", ".join(sorted(outside)))
    print("call graphs and -fstack-usage files: %s/<build>/tracewire.{ci,su}" % os.path.relpath(args.out))
    print("footprint: %d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
