#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""make_capture.py - sends tracewire frames over TCP on 127.0.0.1 and captures them, for the dissector test.

Usage: make_capture.py --out FILE.pcap [--mode live|file|auto] [--vectors DIR]

Writes FILE.pcap and FILE.json (the manifest: every frame in stream order,
with the values it carries or the status the vectors expect for it).

Frames use the framing of the example network (examples/tasknet/frame.h):
an unsigned-varint length, then a prefix block and the application frame.
They are, in order:
  - frames whose headers this script encodes itself from fresh random ids
    (the "sent" values the test looks for in tshark's output);
  - every header-decode.json message, in a block;
  - every block.decode case of block.json and binding.json, as the frame body;
  - every text-validate.json text, in a header with ids and flags.

Modes:
  live  a client sends the frames to a server on 127.0.0.1 while dumpcap
        captures the loopback interface (needs the capture privilege: root,
        or a dumpcap with capabilities);
  file  the same byte stream written straight into a pcap file, with
        hand-built Ethernet, IPv4 and TCP headers; frames are cut into
        segments of varied sizes, so that tshark must reassemble them;
  auto  live, and file when live capture is not possible (the default).
"""

import json
import os
import signal
import socket
import struct
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def varint(n):
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def encode_header(h):
    """Canonical encoding of a header dict in the vector format (spec §4.3)."""
    out = bytearray()
    if h.get("trace_id"):
        out += b"\x0a\x10" + bytes.fromhex(h["trace_id"]) + b"\x12\x08" + bytes.fromhex(h["span_id"])
    if h.get("trace_flags"):
        out += b"\x18" + varint(h["trace_flags"])
    if h.get("correlation_id"):
        out += b"\x22\x10" + bytes.fromhex(h["correlation_id"].replace("-", ""))
    for tag, key in ((0x2A, "tracestate"), (0x32, "baggage")):
        if h.get(key):
            t = h[key].encode("utf-8")
            out += bytes([tag]) + varint(len(t)) + t
    for u in h.get("unknown", []):
        out += bytes.fromhex(u)
    return bytes(out)


def block(msg):
    return b"\x01" + varint(len(msg)) + msg


def uuid7():
    ms = int(time.time() * 1000)
    r = bytearray(os.urandom(10))
    r[0] = 0x70 | (r[0] & 0x0F)
    r[2] = 0x80 | (r[2] & 0x3F)
    h = (ms.to_bytes(6, "big") + bytes(r)).hex()
    return "%s-%s-%s-%s-%s" % (h[0:8], h[8:12], h[12:16], h[16:20], h[20:32])


def nonzero(n):
    while True:
        b = os.urandom(n)
        if any(b):
            return b.hex()


def load(vectors, name):
    with open(os.path.join(vectors, name + ".json"), encoding="utf-8") as f:
        return json.load(f)["cases"]


def expect_ok(header, canonical=True, discarded=(), payload_len=0):
    return {"status": "TW_OK", "class": "ok", "header": header, "canonical": canonical,
            "discarded": sorted(discarded), "payload_len": payload_len}


def expect_error(case_expect):
    return {"status": case_expect["code"], "class": case_expect["error"]}


def frames(vectors):
    """(name, body, expectation) of every frame, in stream order."""
    out = []
    # Headers encoded here from fresh values.
    tid, sid = nonzero(16), nonzero(8)
    h1 = {"trace_id": tid, "span_id": sid, "trace_flags": 1}
    out.append(("sent_minimal", block(encode_header(h1)) + b"submit task 1", expect_ok(h1, payload_len=13)))
    h2 = {"trace_id": tid, "span_id": nonzero(8), "trace_flags": 3, "correlation_id": uuid7(),
          "tracestate": "tw=log:debug,vendor=x", "baggage": "tenant=acme,task.kind=render"}
    out.append(("sent_every_field", block(encode_header(h2)) + b"assign attempt 1", expect_ok(h2, payload_len=16)))
    out.append(("sent_empty_block", b"\x01\x00" + b"hello", expect_ok({}, payload_len=5)))
    h3 = {"correlation_id": uuid7()}
    out.append(("sent_correlation_id_only", block(encode_header(h3)) + b"log line", expect_ok(h3, payload_len=8)))
    # Every header-decode case, in a block.
    for c in load(vectors, "header-decode"):
        msg = bytes.fromhex(c["input"]["message_hex"])
        e = c["expect"]
        if "error" in e:
            exp = expect_error(e)
        else:
            exp = expect_ok(e["header"], e["canonical"], e.get("discarded", []))
        out.append((c["name"], block(msg), exp))
    # Every block.decode case: the block (and what follows it) is the frame body.
    for fn in ("block", "binding"):
        for c in load(vectors, fn):
            if c["op"] != "block.decode":
                continue
            body = bytes.fromhex(c["input"]["block_hex"])
            e = c["expect"]
            if "error" in e:
                exp = expect_error(e)
            else:
                exp = expect_ok(e["header"], e["canonical"], e.get("discarded", []), len(body) - e["consumed"])
            out.append((c["name"], body, exp))
    # Every tracestate and baggage text of text-validate.json, in a header.
    ids = {"trace_id": "4bf92f3577b34da6a3ce929d0e0e4736", "span_id": "00f067aa0ba902b7", "trace_flags": 1}
    for c in load(vectors, "text-validate"):
        key = "tracestate" if c["op"] == "tracestate.validate" else "baggage"
        text = c["input"]["text"]
        if not text:
            continue
        h = dict(ids)
        h[key] = text
        e = c["expect"]
        if "error" not in e:
            exp = expect_ok(h)
        elif e["code"] == "TW_E_TOO_LONG":
            exp = expect_error(e)
        else:
            exp = expect_ok(dict(ids), canonical=False, discarded=[key])
        out.append((c["name"], block(encode_header(h)), exp))
    return out


# ---- live capture -------------------------------------------------------------------


def live(stream_frames, out):
    """Send the frames over TCP on 127.0.0.1 while dumpcap captures lo. Returns the port, or None."""
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    port = srv.getsockname()[1]
    try:
        cap = subprocess.Popen(["dumpcap", "-q", "-i", "lo", "-f", "tcp port %d" % port, "-P", "-w", out],
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    except OSError as e:
        sys.stderr.write("make_capture: cannot start dumpcap: %s\n" % e)
        srv.close()
        return None
    # dumpcap says "Capturing on ..." once the capture runs; it exits at once when it cannot capture.
    ready = b""
    deadline = time.time() + 10
    while b"Capturing on" not in ready and time.time() < deadline:
        line = cap.stderr.readline()
        if not line:
            break
        ready += line
    if b"Capturing on" not in ready:
        cap.wait()
        sys.stderr.write("make_capture: dumpcap cannot capture on lo: %s\n" % ready.decode("utf-8", "replace").strip().split("\n")[0])
        srv.close()
        return None
    time.sleep(0.3)
    got = []

    def serve():
        conn, _ = srv.accept()
        while True:
            data = conn.recv(65536)
            if not data:
                break
            got.append(data)
        conn.close()

    t = threading.Thread(target=serve)
    t.start()
    cli = socket.create_connection(("127.0.0.1", port))
    cli.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    for f in stream_frames:
        cli.sendall(f)
    cli.shutdown(socket.SHUT_WR)
    cli.close()
    t.join()
    srv.close()
    time.sleep(0.5)
    cap.send_signal(signal.SIGINT)  # the dumpcap this script started
    try:
        cap.wait(timeout=10)
    except subprocess.TimeoutExpired:
        cap.kill()
        cap.wait()
    sent = b"".join(stream_frames)
    if b"".join(got) != sent:
        sys.stderr.write("make_capture: the server received other bytes than were sent\n")
        return None
    return port


# ---- pcap written directly ------------------------------------------------------------


def checksum(data):
    if len(data) % 2:
        data += b"\x00"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def packet(src, dst, sport, dport, seq, ack, flags, payload, ident):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0)
    pseudo = struct.pack("!4s4sBBH", src, dst, 0, 6, len(tcp) + len(payload))
    tcp = tcp[:16] + struct.pack("!H", checksum(pseudo + tcp + payload)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp) + len(payload), ident & 0xFFFF, 0x4000, 64, 6, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    eth = b"\x00" * 12 + b"\x08\x00"
    return eth + ip + tcp + payload


def write_pcap(stream_frames, out, port):
    """One TCP connection from 127.0.0.1:40000 to port, the stream cut into segments of varied sizes."""
    lo = socket.inet_aton("127.0.0.1")
    cport = 40000
    SYN, ACK, PSH, FIN = 0x02, 0x10, 0x08, 0x01
    pkts = []
    cseq, sseq = 1000, 5000
    pkts.append(packet(lo, lo, cport, port, cseq, 0, SYN, b"", 1))
    pkts.append(packet(lo, lo, port, cport, sseq, cseq + 1, SYN | ACK, b"", 2))
    cseq += 1
    sseq += 1
    pkts.append(packet(lo, lo, cport, port, cseq, sseq, ACK, b"", 3))
    # The first frame alone in its segment (a heuristic sees a whole frame),
    # then segments of cycling sizes: frames split across segments and several
    # frames in one segment.
    stream = b"".join(stream_frames)
    sizes = [len(stream_frames[0])]
    cycle = [1, 5, 37, 300, 1448, 9000, 60000, 2]
    i = 0
    while sum(sizes) < len(stream):
        sizes.append(cycle[i % len(cycle)])
        i += 1
    off = 0
    ident = 4
    for sz in sizes:
        seg = stream[off : off + sz]
        if not seg:
            break
        pkts.append(packet(lo, lo, cport, port, cseq, sseq, PSH | ACK, seg, ident))
        cseq += len(seg)
        off += len(seg)
        ident += 1
        pkts.append(packet(lo, lo, port, cport, sseq, cseq, ACK, b"", ident))
        ident += 1
    pkts.append(packet(lo, lo, cport, port, cseq, sseq, FIN | ACK, b"", ident))
    pkts.append(packet(lo, lo, port, cport, sseq, cseq + 1, FIN | ACK, b"", ident + 1))
    pkts.append(packet(lo, lo, cport, port, cseq + 1, sseq + 1, ACK, b"", ident + 2))
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
        t = 1700000000
        for n, p in enumerate(pkts):
            f.write(struct.pack("<IIII", t, n * 1000, len(p), len(p)))
            f.write(p)


def captured_stream(pcap, port):
    """The client-to-server TCP payload of a pcap (Ethernet or Linux cooked), in sequence order."""
    with open(pcap, "rb") as f:
        data = f.read()
    if len(data) < 24:
        return b""
    endian = "<" if data[:4] == b"\xd4\xc3\xb2\xa1" else ">"
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    link_len = {1: 14, 113: 16}.get(linktype)
    if link_len is None:
        return b""
    segs = {}
    off = 24
    while off + 16 <= len(data):
        incl = struct.unpack(endian + "I", data[off + 8 : off + 12])[0]
        pkt = data[off + 16 : off + 16 + incl]
        off += 16 + incl
        ip = pkt[link_len:]
        if len(ip) < 20 or ip[0] >> 4 != 4 or ip[9] != 6:
            continue
        ihl = (ip[0] & 0x0F) * 4
        total = struct.unpack("!H", ip[2:4])[0]
        tcp = ip[ihl:total]
        dport = struct.unpack("!H", tcp[2:4])[0]
        seq = struct.unpack("!I", tcp[4:8])[0]
        payload = tcp[(tcp[12] >> 4) * 4 :]
        if dport == port and payload:
            segs[seq] = payload
    out = b""
    for seq in sorted(segs):
        out += segs[seq]
    return out


def main(argv):
    out, mode, vectors = None, "auto", os.path.join(ROOT, "conformance", "vectors")
    i = 0
    while i < len(argv):
        if argv[i] == "--out":
            out = argv[i + 1]
            i += 2
        elif argv[i] == "--mode":
            mode = argv[i + 1]
            i += 2
        elif argv[i] == "--vectors":
            vectors = argv[i + 1]
            i += 2
        else:
            sys.stderr.write(__doc__)
            return 2
    if not out or mode not in ("live", "file", "auto"):
        sys.stderr.write(__doc__)
        return 2
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    fr = frames(vectors)
    stream_frames = [varint(len(body)) + body for _, body, _ in fr]
    port, how = None, None
    if mode in ("live", "auto"):
        for attempt in range(2):
            port = live(stream_frames, out)
            if port is None or captured_stream(out, port) == b"".join(stream_frames):
                break
            sys.stderr.write("make_capture: the live capture misses bytes of the stream; trying again\n")
            port = None
        how = "live"
        if port is None and mode == "live":
            return 1
        if port is None:
            sys.stderr.write("make_capture: no live capture; writing the pcap file directly\n")
    if port is None:
        port = 4717
        write_pcap(stream_frames, out, port)
        how = "file"
    manifest = {"mode": how, "port": port,
                "frames": [{"name": n, "body_hex": body.hex() if len(body) <= 64 else None, "expect": e} for n, body, e in fr]}
    with open(os.path.splitext(out)[0] + ".json", "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=1)
    print("make_capture: %d frames (%d bytes) on TCP port %d, %s" % (
        len(fr), sum(len(x) for x in stream_frames), port,
        "captured on lo with dumpcap" if how == "live" else "written as a pcap file with hand-built Ethernet/IPv4/TCP headers"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
