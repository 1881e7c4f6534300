#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# report.py - runs the benchmark parts, prints one table and results.json, or checks the instruction budgets.
"""
make bench       -> report.py --bin build/bench/bench --out build/bench
make bench-gate  -> report.py --gate --budgets bench/budgets.json ...

Full run: the harness checks every row, then (1) times the rows in
interleaved rounds, (2) counts instructions per call under callgrind, (3)
counts allocations per call; node times the OpenTelemetry JS rows on the
same inputs. One Markdown table goes to stdout, everything to results.json.

Gate: only step (2), for the tracewire rows and the decode-minimal peers;
each operation's instructions per call must not exceed its budget.
"""
import argparse
import datetime
import glob
import hashlib
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

# glibc's memset/memcpy switch to `rep stosb` / `rep movsb` above ~2 KiB;
# callgrind counts every iteration of a rep-prefixed instruction, i.e. one
# "instruction" per byte. These tunables keep glibc on its vector loops so
# the counts stay a measure of work (only nanopb's 12 KB struct reset is
# concerned). The timed runs use glibc's normal choice.
CALLGRIND_ENV = {
    "GLIBC_TUNABLES": "glibc.cpu.x86_rep_stosb_threshold=0x7fffffff:"
                      "glibc.cpu.x86_rep_movsb_threshold=0x7fffffff"
}


def die(msg):
    print("bench: " + msg, file=sys.stderr)
    sys.exit(1)


def run(cmd, env=None, what=None):
    full_env = dict(os.environ)
    full_env.update(env or {})
    p = subprocess.run(cmd, capture_output=True, text=True, env=full_env, cwd=ROOT)
    if p.returncode != 0:
        sys.stderr.write(p.stderr)
        die("%s failed (exit %d): %s" % (what or cmd[0], p.returncode, " ".join(cmd)))
    return p.stdout


def run_json(cmd, env=None, what=None):
    return json.loads(run(cmd, env, what))


# ---- callgrind ---------------------------------------------------------------

def callgrind(binary, outdir, k, only=None):
    """Instructions per call of each row, net of the empty-call row.
    Returns ({index: instr}, {index: gross instr}, {index: dump file})."""
    if os.path.isdir(outdir):
        shutil.rmtree(outdir)
    os.makedirs(outdir)
    cmd = ["valgrind", "--tool=callgrind", "--callgrind-out-file=" + os.path.join(outdir, "callgrind.out"),
           binary, "--count", "--k", str(k)]
    if only:
        cmd += ["--only", only]
    run(cmd, CALLGRIND_ENV, "callgrind")
    totals, files = {}, {}
    for f in glob.glob(os.path.join(outdir, "callgrind.out.*")):
        text = open(f).read()
        m = re.search(r"^desc: Trigger: Client Request: row (\d+)$", text, re.M)
        t = re.search(r"^totals: (\d+)", text, re.M) or re.search(r"^summary: (\d+)", text, re.M)
        if m and t:
            totals[int(m.group(1))] = int(t.group(1))
            files[int(m.group(1))] = f
    if 0 not in totals:
        die("callgrind produced no dump for the empty-call row")
    net = {i: (v - totals[0]) / k for i, v in totals.items()}
    gross = {i: v / k for i, v in totals.items()}
    return net, gross, files


def annotate(dump, dest):
    """Where the instructions go: callgrind_annotate, inclusive, with source."""
    out = run(["callgrind_annotate", "--inclusive=yes", "--auto=yes", "--show-percs=no", dump],
              what="callgrind_annotate")
    with open(dest, "w") as fh:
        fh.write(out)


# ---- statistics --------------------------------------------------------------

def ns_stats(values):
    v = sorted(values)
    med = statistics.median(v)
    q = statistics.quantiles(v, n=4) if len(v) >= 2 else [v[0], v[0], v[0]]
    return {"median": med, "p25": q[0], "p75": q[2], "min": v[0], "max": v[-1], "rounds": len(v),
            "spread": (q[2] - q[0]) / med if med else 0.0}


# ---- formatting --------------------------------------------------------------

def fmt_ns(x):
    if x is None:
        return ""
    return "%.1f" % x if x < 100 else "%.0f" % x


def fmt_instr(x):
    if x is None:
        return ""
    return "%.0f" % x if abs(x - round(x)) < 0.05 else "%.1f" % x


def fmt_ratio(x):
    if x is None:
        return ""
    return "%.2fx" % x if x < 10 else "%.0fx" % x


def markdown(header, rows):
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    right = [i >= 2 for i in range(len(header))]

    def line(cells):
        out = []
        for i, c in enumerate(cells):
            c = str(c)
            out.append(c.rjust(widths[i]) if right[i] else c.ljust(widths[i]))
        return "| " + " | ".join(out) + " |"

    sep = "|" + "|".join(("-" * (w + 1) + ":") if right[i] else ("-" * (w + 2))
                         for i, w in enumerate(widths)) + "|"
    return "\n".join([line(header), sep] + [line(r) for r in rows])


# ---- budgets -----------------------------------------------------------------

def load_budgets(path):
    if not path or not os.path.exists(path):
        return {"budgets": {}, "ratios": []}
    return json.load(open(path))


def budget_verdicts(rows_by_key, budgets):
    """[(name, value, limit, ok, note)] for every budget and ratio rule."""
    out = []
    for op, b in budgets.get("budgets", {}).items():
        row = rows_by_key.get((op, "tracewire"))
        if row is None or row.get("pending"):
            out.append((op, None, b["instr"], None, "pending: no such operation in the codec yet"))
            continue
        v = row.get("instr")
        if v is None:
            out.append((op, None, b["instr"], False, "not measured"))
            continue
        out.append((op, v, b["instr"], v <= b["instr"], b.get("source", "")))
    for r in budgets.get("ratios", []):
        mine = rows_by_key.get((r["op"], "tracewire"), {}).get("instr")
        peer = rows_by_key.get((r["op"], r["peer"]), {}).get("instr")
        name = "%s: %s / tracewire" % (r["op"], r["peer"])
        if not mine or peer is None:
            out.append((name, None, r["at_least"], False, "not measured"))
            continue
        ratio = peer / mine
        out.append((name, ratio, r["at_least"], ratio >= r["at_least"], r.get("source", "")))
    return out


# ---- the full run ------------------------------------------------------------

def machine_meta(args):
    def first_line(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT).stdout.splitlines()[0]
        except (OSError, IndexError):
            return "unknown"
    cpu = "unknown"
    try:
        for ln in open("/proc/cpuinfo"):
            if ln.startswith("model name"):
                cpu = ln.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    codec = os.path.join(ROOT, "codec", "tracewire.c")
    dirty = subprocess.run(["git", "status", "--porcelain", "--", "codec"], capture_output=True, text=True,
                           cwd=ROOT).stdout.strip() != ""
    return {
        "date_utc": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "host": platform.node(),
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "kernel": platform.release(),
        "load_avg_at_start": os.getloadavg(),
        "cc": first_line([os.environ.get("BENCH_CC", "cc"), "--version"]),
        "glibc": platform.libc_ver()[1],
        "valgrind": first_line(["valgrind", "--version"]),
        "git_head": first_line(["git", "rev-parse", "--short", "HEAD"]),
        "codec_uncommitted_changes": dirty,
        "codec_sha256": hashlib.sha256(open(codec, "rb").read()).hexdigest()[:16],
    }


def wire_table(inputs):
    """Bytes on the wire per frame: the binary header against W3C text."""
    def uvarint_len(n):
        k = 1
        while n >= 0x80:
            n >>= 7
            k += 1
        return k

    def kafka_pair(key, value_len):  # record v2 header: zigzag varint lengths
        return uvarint_len(2 * len(key)) + len(key) + uvarint_len(2 * value_len) + value_len

    def http_line(name, value_len):
        return len(name) + 2 + value_len + 2  # "name: value\r\n"

    uuid = inputs["correlation_id"]
    uuid_text = "%s-%s-%s-%s-%s" % (uuid[0:8], uuid[8:12], uuid[12:16], uuid[16:20], uuid[20:32])
    cid_member = "correlation_id=" + uuid_text
    tp, ts, bg = inputs["traceparent"], inputs["tracestate"], inputs["baggage"]
    cases = [
        ("minimal: ids + flags", "minimal", [("traceparent", tp)]),
        ("+ correlation-id", "with_cid", [("traceparent", tp), ("baggage", cid_member)]),
        ("full: + tracestate (4) + baggage (3)", "full",
         [("traceparent", tp), ("tracestate", ts), ("baggage", cid_member + "," + bg)]),
    ]
    rows = []
    for label, key, text in cases:
        msg = len(inputs[key]) // 2
        block = 1 + uvarint_len(msg) + msg
        field = 1 + uvarint_len(msg) + msg
        http = sum(http_line(n, len(v)) for n, v in text)
        kafka = sum(kafka_pair(n, len(v)) for n, v in text)
        rows.append({"header": label, "message": msg, "prefix_block": block, "protobuf_field": field,
                     "kafka_binary": kafka_pair("tracewire", msg), "http_text": http, "kafka_text": kafka,
                     "text_headers": [n for n, _ in text]})
    return rows


def full_run(args):
    budgets = load_budgets(args.budgets)
    os.makedirs(args.out, exist_ok=True)
    meta = machine_meta(args)
    info = run_json([args.bin, "--info"], what="bench --info")
    inputs_path = os.path.join(args.out, "inputs.json")
    json.dump(info["inputs"], open(inputs_path, "w"))

    timing = run_json([args.bin, "--time", "--rounds", str(args.rounds), "--samples", str(args.samples),
                       "--batch-us", str(args.batch_us)], what="bench --time")
    net, gross, dumps = callgrind(args.bin, os.path.join(args.out, "callgrind"), args.k)
    js = None
    if not args.no_js:
        js = run_json(["node", os.path.join(HERE, "otel_bench.js"), inputs_path, "--rounds", str(args.rounds),
                       "--samples", str(args.samples), "--batch-us", str(args.batch_us)], what="node otel_bench.js")
    meta["load_avg_at_end"] = os.getloadavg()
    if js:
        meta["node"] = js["node"]
        meta["npm_packages"] = js["packages"]
    meta.update({"rounds": args.rounds, "samples_per_round": args.samples, "batch_us": args.batch_us,
                 "callgrind_calls_per_row": args.k})

    ns_by_index = {r["index"]: ns_stats(r["round_medians_ns"]) for r in timing["rows"]}
    rows = []
    for r in info["rows"]:
        i = r["index"]
        row = {"op": r["op"], "label": r["label"], "impl": r["impl"], "pending": r["pending"], "bytes": r["bytes"]}
        if not r["pending"]:
            row["ns"] = ns_by_index.get(i)
            row["instr"] = net.get(i) if i != 0 else gross.get(0)
            row["allocs"] = r["allocs"]
            if i in dumps:
                row["callgrind_dump"] = os.path.relpath(dumps[i], ROOT)
        rows.append(row)
    # JS rows join their operation, after its C rows.
    labels = {r["op"]: r["label"] for r in rows}
    for jr in (js or {"rows": []})["rows"]:
        row = {"op": jr["op"], "label": labels.get(jr["op"], jr["op"]), "impl": "otel-js", "pending": False,
               "call": jr["call"], "ns": ns_stats(jr["round_medians_ns"]), "instr": None, "allocs": None}
        last = max((k for k, r in enumerate(rows) if r["op"] == jr["op"]), default=len(rows) - 1)
        rows.insert(last + 1, row)

    by_key = {(r["op"], r["impl"]): r for r in rows}
    floor = by_key.get(("decode-minimal", "floor"))
    for r in rows:
        if r.get("pending") or r["impl"] == "harness":
            continue
        ns = r["ns"]["median"] if r.get("ns") else None
        if floor and ns:
            r["x_floor_ns"] = ns / floor["ns"]["median"]
        if floor and r.get("instr"):
            r["x_floor_instr"] = r["instr"] / floor["instr"]
        tw = by_key.get((r["op"], "tracewire"))
        if r["impl"] not in ("tracewire", "floor") and tw and not tw.get("pending"):
            if ns:
                r["x_tracewire_ns"] = ns / tw["ns"]["median"]
            if r.get("instr") is not None and tw.get("instr"):
                r["x_tracewire_instr"] = r["instr"] / tw["instr"]
        if r["impl"] == "tracewire" and r.get("instr") and r.get("bytes"):
            r["instr_per_byte"] = r["instr"] / r["bytes"]
        if r["impl"] == "tracewire":  # how many times cheaper than each peer
            r["peers"] = {}
            for p in rows:
                if p["op"] == r["op"] and p["impl"] not in ("tracewire", "floor") and not p.get("pending"):
                    r["peers"][p["impl"]] = {
                        "ns": p["ns"]["median"] / ns if ns and p.get("ns") else None,
                        "instr": p["instr"] / r["instr"] if p.get("instr") is not None and r.get("instr") else None}

    verdicts = budget_verdicts(by_key, budgets)
    limits = budgets.get("budgets", {})

    header = ["operation", "implementation", "ns/op", "spread", "instr/op", "allocs/op", "x floor ns/instr",
              "x tracewire ns/instr", "budget (instr)"]
    table = []
    prev = None
    for r in rows:
        label = r["label"] if r["op"] != prev else ""
        prev = r["op"]
        impl = r["impl"]
        if r.get("pending"):
            b = limits.get(r["op"])
            table.append([label, impl, "pending", "", "", "", "", "", "<= %d (pending)" % b["instr"] if b else ""])
            continue
        ns = r["ns"]["median"] if r.get("ns") else None
        spread = "%.0f%%" % (100 * r["ns"]["spread"]) if r.get("ns") else ""
        xf = "%s / %s" % (fmt_ratio(r.get("x_floor_ns")), fmt_ratio(r.get("x_floor_instr")) or "-") \
            if "x_floor_ns" in r else ""
        xt = "%s / %s" % (fmt_ratio(r.get("x_tracewire_ns")), fmt_ratio(r.get("x_tracewire_instr")) or "-") \
            if "x_tracewire_ns" in r else ""
        bcell = ""
        if impl == "tracewire" and r["op"] in limits:
            lim = limits[r["op"]]["instr"]
            bcell = "<= %d %s" % (lim, "ok" if r["instr"] <= lim else "FAIL")
            if limits[r["op"]].get("per_byte") and r.get("instr_per_byte"):
                bcell = "%.1f/B, %s" % (r["instr_per_byte"], bcell)
        instr = fmt_instr(r.get("instr")) if r.get("instr") is not None else "-"
        allocs = fmt_instr(r["allocs"]) if r.get("allocs") is not None else "-"
        if impl == "harness":
            xf, bcell = "", "(subtracted)"
        table.append([label, impl, fmt_ns(ns), spread, instr, allocs, xf, xt, bcell])

    wire = wire_table(info["inputs"])
    results = {"meta": meta, "rows": rows, "budget_checks": [
        {"name": n, "value": v, "limit": lim, "ok": ok, "note": note} for n, v, lim, ok, note in verdicts],
        "wire_bytes": wire}
    json.dump(results, open(os.path.join(args.out, "results.json"), "w"), indent=1)

    print("tracewire benchmark, %s on %s (%s, %d CPUs, load %.2f), commit %s%s, %s, node %s" % (
        meta["date_utc"], meta["host"], meta["cpu"], meta["cpus"], meta["load_avg_at_start"][0], meta["git_head"],
        " + uncommitted codec changes" if meta["codec_uncommitted_changes"] else "", meta["cc"],
        meta.get("node", "-")))
    print("ns: median of %d per-round medians (rows rotated each round), spread = interquartile range of the "
          "round medians; instr: callgrind, net of the empty call; JS rows: ns only\n"
          % args.rounds)
    print(markdown(header, table))
    failing = [v for v in verdicts if v[3] is False]
    print()
    for n, v, lim, ok, note in verdicts:
        if ok is False and "/" in n:
            print("ratio check FAIL: %s = %.1fx, target >= %dx" % (n, v or 0, lim))
    print("\nbytes on the wire per frame (computed from the same inputs)\n")
    print(markdown(["header", "text headers", "binary msg", "prefix block", "as protobuf field",
                    "HTTP/1.1 lines", "Kafka text pairs", "Kafka binary pair"],
                   [[w["header"], "+".join(w["text_headers"]), w["message"], w["prefix_block"], w["protobuf_field"],
                     w["http_text"], w["kafka_text"], w["kafka_binary"]] for w in wire]))
    print("\nresults: %s; callgrind dumps: %s"
          % (os.path.relpath(os.path.join(args.out, "results.json"), ROOT),
             os.path.relpath(os.path.join(args.out, "callgrind"), ROOT)))
    print("bench: %d passed, %d failed (instruction budgets and ratio targets; make bench-gate enforces them)"
          % (sum(1 for v in verdicts if v[3]), len(failing)))
    return 0


# ---- the gate ----------------------------------------------------------------

def gate(args):
    budgets = load_budgets(args.budgets)
    if not budgets.get("budgets"):
        die("no budgets in %s" % args.budgets)
    info = run_json([args.bin, "--info", "--only", "tracewire"], what="bench --info")
    peers = sorted({r["op"] for r in budgets.get("ratios", [])})
    net, _, dumps = callgrind(args.bin, os.path.join(args.out, "gate-callgrind"), args.k,
                              only=",".join(["tracewire"] + peers))
    rows, by_key = [], {}
    for r in info["rows"]:
        row = {"op": r["op"], "impl": r["impl"], "pending": r["pending"], "instr": net.get(r["index"])}
        rows.append(row)
        by_key[(r["op"], r["impl"])] = row
    passed = failed = 0
    ann_dir = os.path.join(args.out, "annotate")
    for r in rows:  # live tracewire rows without a budget are a failure too
        if r["impl"] == "tracewire" and not r["pending"] and r["op"] not in budgets["budgets"]:
            print("bench-gate: FAIL %-30s %8s instr  no budget in %s" % (r["op"], fmt_instr(r["instr"]),
                                                                        args.budgets))
            failed += 1
    for name, v, lim, ok, note in budget_verdicts(by_key, budgets):
        is_ratio = "/" in name
        if ok is None:
            print("bench-gate: pend %-30s %8s        budget %6s  (%s)" % (name, "-", lim, note))
            continue
        if is_ratio:
            shown = "%7.1fx" % v if v is not None else "-"
            print("bench-gate: %s %-30s %8s        needs >= %dx" % ("ok  " if ok else "FAIL", name, shown, lim))
        else:
            print("bench-gate: %s %-30s %8s instr  budget %6d  %s"
                  % ("ok  " if ok else "FAIL", name, fmt_instr(v), lim, "" if ok else "(%s)" % note))
        if ok:
            passed += 1
            continue
        failed += 1
        op = name.split(":")[0]
        row = by_key.get((op, "tracewire"))
        idx = next((x["index"] for x in info["rows"] if x["op"] == op and x["impl"] == "tracewire"), None)
        if row is not None and idx in dumps:
            os.makedirs(ann_dir, exist_ok=True)
            dest = os.path.join(ann_dir, op + ".txt")
            annotate(dumps[idx], dest)
            print("            where the instructions go: %s" % os.path.relpath(dest, ROOT))
    if args.suggest:
        print("\nmeasured + 10 % (for operations without a target; see bench/README.md before using):")
        for r in rows:
            if r["impl"] == "tracewire" and r["instr"] is not None:
                print("  %-30s measured %8s  -> %d" % (r["op"], fmt_instr(r["instr"]), int(r["instr"] * 1.1 + 0.999)))
    print("bench-gate: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--budgets", default=os.path.join(HERE, "budgets.json"))
    ap.add_argument("--gate", action="store_true")
    ap.add_argument("--k", type=int, default=1000, help="calls per row under callgrind")
    ap.add_argument("--rounds", type=int, default=31)
    ap.add_argument("--samples", type=int, default=9)
    ap.add_argument("--batch-us", type=int, default=200)
    ap.add_argument("--no-js", action="store_true")
    ap.add_argument("--suggest", action="store_true", help="gate: also print measured + 10 %% per operation")
    args = ap.parse_args()
    args.bin = os.path.abspath(args.bin)
    args.out = os.path.abspath(args.out)
    if shutil.which("valgrind") is None:
        die("valgrind is missing: sh bench/install-deps.sh")
    sys.exit(gate(args) if args.gate else full_run(args))


if __name__ == "__main__":
    main()
