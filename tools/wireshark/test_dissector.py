#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""test_dissector.py - runs tracewire.lua in tshark over captured frames and compares every field with what was sent.

Usage: test_dissector.py [BUILD_DIR]      (default build/wireshark)

1. make_capture.py sends the frames over TCP on 127.0.0.1 and captures them
   with dumpcap (live); when live capture is not possible it writes the same
   stream as a pcap file (file). A second capture is always written as a
   file, with frames cut across TCP segments, so reassembly is tested too.
2. tshark reads each capture with the dissector (`-T pdml`); every frame's
   status, trace-id, span-id, flags, correlation-id, tracestate, baggage,
   unknown fields, canonical and dropped indications, and the length of the
   application frame after the block, must equal the manifest: the values the
   script encoded and sent, or the result the conformance vector expects.
3. `tshark -V` must print the trace-id, span-id, flags and correlation-id of
   a sent frame as text; expert infos must mark malformed input; the
   heuristic, when switched on, must find the same frames without a port.
The last line is "N passed, N failed".
"""

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
LUA = os.path.join(HERE, "tracewire.lua")
PASSED = FAILED = 0


def check(ok, what):
    global PASSED, FAILED
    if ok:
        PASSED += 1
        print("ok   %s" % what)
    else:
        FAILED += 1
        print("FAIL %s" % what)
    return ok


def tshark(pcap, opts, fmt):
    cmd = ["tshark", "-n", "-X", "lua_script:" + LUA, "-r", pcap] + opts + fmt
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    err = p.stderr.decode("utf-8", "replace")
    bad = [l for l in err.split("\n") if l.strip() and "Running as user" not in l]
    if p.returncode != 0 or bad:
        print("tshark stderr: %s" % "\n".join(bad))
    check(p.returncode == 0 and not bad, "tshark %s runs without a Lua error" % " ".join(opts + fmt))
    return p.stdout.decode("utf-8", "replace")


def pdus(pdml):
    """One dict per tracewire frame, in stream order: field name -> list of (show, value, size) and expert texts."""
    out = []
    root = ET.fromstring(pdml)
    for packet in root.iter("packet"):
        for proto in packet.findall("proto"):
            if proto.get("name") != "tracewire":
                continue
            fields, experts, kinds = {}, [], set()
            for f in proto.iter("field"):
                name = f.get("name")
                fields.setdefault(name, []).append((f.get("show"), f.get("value"), int(f.get("size") or 0)))
                if name == "_ws.expert":
                    for sub in f:
                        if sub.get("name") == "_ws.expert.message":
                            experts.append(sub.get("show"))
                        elif sub.get("name", "").startswith("tracewire."):
                            kinds.add(sub.get("name"))
            out.append({"fields": fields, "experts": experts, "kinds": kinds})
    return out


def header_of(p):
    f = p["fields"]

    def one(name, attr=0):
        v = f.get(name)
        return v[0][attr] if v else None

    h = {}
    if one("tracewire.trace_id") is not None:
        h["trace_id"] = one("tracewire.trace_id", 1)
        h["span_id"] = one("tracewire.span_id", 1)
        h["trace_flags"] = int(one("tracewire.trace_flags"), 16)
    if one("tracewire.correlation_id") is not None:
        h["correlation_id"] = one("tracewire.correlation_id")
    for key in ("tracestate", "baggage"):
        if one("tracewire." + key) is not None:
            # The raw octets: `show` escapes some characters (a tab shows as a space).
            h[key] = bytes.fromhex(one("tracewire." + key, 1)).decode("utf-8", "surrogateescape")
    if f.get("tracewire.unknown"):
        h["unknown"] = [v for _, v, _ in f["tracewire.unknown"]]
    return h


def compare(label, manifest, got):
    frames = manifest["frames"]
    check(len(got) == len(frames), "%s: tshark shows %d tracewire frames, %d were sent" % (label, len(got), len(frames)))
    bad = 0
    for fr, p in zip(frames, got):
        e = p_expect = fr["expect"]
        f = p["fields"]
        status = f.get("tracewire.status", [(None,)])[0][0]
        klass = f.get("tracewire.status_class", [(None,)])[0][0]
        problems = []
        if status != e["status"] or klass != e["class"]:
            problems.append("status %s (%s), expected %s (%s)" % (status, klass, e["status"], e["class"]))
        if e["status"] == "TW_OK":
            h = header_of(p)
            if h != p_expect["header"]:
                problems.append("header %s, expected %s" % (json.dumps(h), json.dumps(p_expect["header"])))
            canonical = f.get("tracewire.canonical", [(None,)])[0][0] == "1"
            if canonical != e["canonical"]:
                problems.append("canonical %s, expected %s" % (canonical, e["canonical"]))
            dropped = sorted(k for k in ("tracestate", "baggage") if ("tracewire.%s.dropped" % k) in f)
            if dropped != e["discarded"]:
                problems.append("dropped %s, expected %s" % (dropped, e["discarded"]))
            plen = f.get("tracewire.payload", [(None, None, 0)])[0][2]
            if plen != e["payload_len"]:
                problems.append("application frame of %d bytes, expected %d" % (plen, e["payload_len"]))
            if not e["canonical"] and "tracewire.noncanonical" not in p["kinds"]:
                problems.append("no expert info for the non-canonical encoding")
        else:
            if not any(x.startswith(e["status"] + ":") for x in p["experts"]):
                problems.append("no expert info naming %s (experts: %s)" % (e["status"], p["experts"]))
        if problems:
            bad += 1
            check(False, "%s: frame %s: %s" % (label, fr["name"], "; ".join(problems)))
    n_ok = sum(1 for fr in frames if fr["expect"]["status"] == "TW_OK")
    check(bad == 0, "%s: every frame's fields equal what was sent or what its vector case expects "
          "(%d frames: %d decoded, %d refused with the vector's status)" % (label, len(frames), n_ok, len(frames) - n_ok))
    return bad == 0


def check_text_view(pcap, manifest):
    """tshark -V prints the fields of a sent header as text."""
    fr = next(x for x in manifest["frames"] if x["name"] == "sent_every_field")
    h = fr["expect"]["header"]
    opts = ["-o", "tracewire.tcp_port:%d" % manifest["port"], "-Y", 'tracewire.correlation_id == "%s"' % h["correlation_id"]]
    text = tshark(pcap, opts, ["-V"])
    want = ["Trace ID: " + h["trace_id"], "Span ID: " + h["span_id"], "Trace flags: 0x%02x" % h["trace_flags"],
            ".... ...1 = Sampled: True", ".... ..1. = Random: True", "Correlation ID: " + h["correlation_id"],
            "Tracestate: " + h["tracestate"], "Baggage: " + h["baggage"], "Canonical: True"]
    lines = [l.strip() for l in text.split("\n")]
    missing = [w for w in want if w not in lines]
    check(not missing, "tshark -V prints the sent header's fields%s" % (": missing " + ", ".join(missing) if missing else ""))
    if not missing:
        start = next(i for i, l in enumerate(text.split("\n")) if l.startswith("tracewire"))
        shown = [l for l in text.split("\n")[start:] if any(w in l for w in want[:6])]
        print("tshark -V, frame sent_every_field:\n" + "\n".join(shown))


def main(argv):
    out = argv[0] if argv else os.path.join(ROOT, "build", "wireshark")
    os.makedirs(out, exist_ok=True)
    caps = []
    for mode, name in (("auto", "captured"), ("file", "segmented")):
        pcap = os.path.join(out, name + ".pcap")
        p = subprocess.run([sys.executable, os.path.join(HERE, "make_capture.py"), "--mode", mode, "--out", pcap])
        if not check(p.returncode == 0, "make_capture.py --mode %s" % mode):
            continue
        with open(os.path.join(out, name + ".json"), encoding="utf-8") as f:
            caps.append((name, pcap, json.load(f)))
    for name, pcap, manifest in caps:
        label = "%s (%s)" % (name, manifest["mode"])
        pdml = tshark(pcap, ["-o", "tracewire.tcp_port:%d" % manifest["port"]], ["-T", "pdml"])
        compare(label, manifest, pdus(pdml))
    if caps:
        name, pcap, manifest = caps[0]
        check_text_view(pcap, manifest)
        # Heuristic: no port, the same frames (the first frame is a valid block with trace context).
        name, pcap, manifest = caps[-1]
        pdml = tshark(pcap, ["-o", "tracewire.heuristic:TRUE"], ["-T", "pdml"])
        got = pdus(pdml)
        check(len(got) == len(manifest["frames"]), "heuristic: finds all %d frames without a port (%d)" % (len(manifest["frames"]), len(got)))
        pdml = tshark(pcap, [], ["-T", "pdml"])
        check(len(pdus(pdml)) == 0, "without a port or the heuristic, nothing is decoded as tracewire")
    print("%d passed, %d failed" % (PASSED, FAILED))
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
