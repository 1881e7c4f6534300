#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""selftest.py - proves the conformance runner can fail: runs it against broken adapters (the fixtures here) and checks its verdicts.

Usage (from the repository root, after `make build/tracewire`):
  /usr/bin/python3 conformance/tests/selftest.py [--adapter "COMMAND"] [-v]

Each scenario wraps the real adapter (default: build/tracewire adapter) in a
fixture that breaks one thing, runs conformance/run.py, and checks its exit
status and what it printed. Most scenarios use a small copy of the vectors
(cases whose input is at most 1000 bytes) written to build/conformance/;
the one-byte flip runs on the full suite. Prints "N passed, N failed".
"""
import json
import os
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RUNNER = ROOT / "conformance" / "run.py"
TESTS = ROOT / "conformance" / "tests"
SMALL = ROOT / "build" / "conformance" / "small-vectors"
PY = "/usr/bin/python3"
SUMMARY = re.compile(r"^(\d+) passed, (\d+) failed(?:, (\d+) skipped)?(?:, (\d+) warnings)?$", re.M)


class Result:
    def __init__(self, rc, out, err):
        self.rc, self.out, self.err = rc, out, err
        m = list(SUMMARY.finditer(out))
        self.summary = m[-1] if m else None
        self.last_line = out.rstrip("\n").split("\n")[-1] if out.strip() else ""

    def count(self, i):
        return int(self.summary.group(i) or 0) if self.summary else None


def run(adapter, args, timeout=300):
    cmd = [PY, str(RUNNER)] + (["--adapter", adapter] if adapter is not None else []) + args
    p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    return Result(p.returncode, p.stdout, p.stderr)


def fixture(name, base, *extra):
    return " ".join([PY, shlex.quote(str(TESTS / name))] + [shlex.quote(x) for x in extra] + [base])


def make_small_vectors():
    SMALL.mkdir(parents=True, exist_ok=True)
    for path in sorted((ROOT / "conformance" / "vectors").glob("*.json")):
        doc = json.loads(path.read_text())
        doc["cases"] = [c for c in doc["cases"] if len(json.dumps(c["input"])) <= 2100]
        (SMALL / path.name).write_text(json.dumps(doc, indent=1) + "\n")


def stderr_field(res, pattern):
    m = re.search(pattern, res.err, re.M)
    return m.groups() if m else None


def failure_block(res, name):
    """The lines the runner printed for a failed check, from its FAIL line to the next blank-indented end."""
    m = re.search(r"^(FAIL|WARN)  %s \[(MUST|SHOULD)\]\n((?:      .*\n)+)" % re.escape(name), res.out, re.M)
    return m.group(3) if m else None


# ------------------------------------------------------------------ scenarios
# Each returns a list of problems (empty: the scenario passed).

def sc_baseline(base):
    res = run(base, ["--vectors", str(SMALL), "--strict-codes"])
    probs = []
    if res.rc != 0 or not res.summary or res.count(2) != 0:
        probs.append("the real adapter must pass the small vectors (rc %d, last line %r)" % (res.rc, res.last_line))
    return probs, res


def sc_flip(base):
    res = run(fixture("flip_one_byte.py", base), [])
    probs = []
    got = stderr_field(res, r'^flip_one_byte: case (\S+): (\S+) "([0-9a-f]+)" -> "([0-9a-f]+)"$')
    if not got:
        return ["the fixture did not report a flip"], res
    case, key, before, after = got
    block = failure_block(res, case)
    if res.rc != 1:
        probs.append("exit status %d, want 1" % res.rc)
    if block is None:
        probs.append("no FAIL block for %s" % case)
    else:
        exp = re.search(r"^      expected: (.*)$", block, re.M)
        act = re.search(r"^      actual:   (.*)$", block, re.M)
        if not exp or '"%s"' % before not in exp.group(1):
            probs.append("the expected line does not show %s %s" % (key, before))
        if not act or '"%s"' % after not in act.group(1):
            probs.append("the actual line does not show %s %s" % (key, after))
        if "diff:     " not in block or key.split("[")[0] not in block.split("diff:")[1]:
            probs.append("the diff line does not name %s" % key)
    if res.count(2) != 1:
        probs.append("want exactly 1 failed, last line %r" % res.last_line)
    return probs, res


def sc_garbage(base):
    res = run(fixture("garbage_once.py", base), ["--vectors", str(SMALL), "--file", "header-decode"])
    got = stderr_field(res, r"^garbage_once: case (\S+)$")
    probs = []
    if not got:
        return ["the fixture did not report its case"], res
    block = failure_block(res, got[0])
    if res.rc != 1:
        probs.append("exit status %d, want 1" % res.rc)
    if block is None or "not JSON" not in block:
        probs.append("no FAIL block saying 'not JSON' for %s" % got[0])
    if res.count(2) != 1 or res.count(1) < 50:
        probs.append("want 1 failed and the other cases run, last line %r" % res.last_line)
    return probs, res


def sc_exit(base):
    res = run(fixture("exit_midrun.py", base), ["--vectors", str(SMALL)])
    got = stderr_field(res, r"^exit_midrun: exiting on case (\S+)$")
    probs = []
    if not got:
        return ["the fixture did not report its case"], res
    if res.rc != 2:
        probs.append("exit status %d, want 2" % res.rc)
    if not re.search(r"^ERROR the adapter exited with status 3 .*%s" % re.escape(got[0]), res.out, re.M):
        probs.append("no ERROR line naming the exit status and case %s" % got[0])
    if not res.summary or res.count(2) < 1:
        probs.append("the summary must count the interrupted check as failed, last line %r" % res.last_line)
    return probs, res


def sc_hang(base):
    t0 = time.monotonic()
    res = run(fixture("hang_once.py", base), ["--vectors", str(SMALL), "--file", "ids", "--timeout", "1"])
    took = time.monotonic() - t0
    got = stderr_field(res, r"^hang_once: pid (\d+) hangs on case (\S+)$")
    probs = []
    if not got:
        return ["the fixture did not report its case"], res
    pid, case = int(got[0]), got[1]
    if res.rc != 2:
        probs.append("exit status %d, want 2" % res.rc)
    if not re.search(r"^ERROR the adapter did not answer request '%s' within 1 s" % re.escape(case), res.out, re.M):
        probs.append("no ERROR line naming the timeout and case %s" % case)
    if took > 30:
        probs.append("took %.0f s for a 1 s timeout" % took)
    try:
        os.kill(pid, 0)
        probs.append("the hung fixture (pid %d) is still running" % pid)
        os.kill(pid, 9)
    except ProcessLookupError:
        pass
    return probs, res


def sc_tweak(base, mode, args, rc, failed=None, failing=None, extra=None):
    res = run(fixture("tweak_output.py", base, mode), ["--vectors", str(SMALL)] + args)
    probs = []
    if res.rc != rc:
        probs.append("exit status %d, want %d" % (res.rc, rc))
    if not res.summary:
        probs.append("no summary line")
    elif failed is not None and res.count(2) != failed:
        probs.append("want %d failed, last line %r" % (failed, res.last_line))
    if failing:
        got = stderr_field(res, r"^tweak_output: %s: case (\S+)$" % re.escape(mode))
        if not got:
            probs.append("the fixture did not report its case")
        else:
            name = got[0].rsplit("/", 1)[0] if failing == "truncation" else got[0]
            if failure_block(res, name) is None:
                probs.append("no FAIL/WARN block for %s" % name)
    if extra:
        probs.extend(extra(res))
    return probs, res


def expect_out(pattern, why):
    return lambda res: [] if re.search(pattern, res.out, re.M) else [why]


def sc_usage(base):
    probs = []
    for args, adapter, why in [
        ([], None, "no --adapter"),
        (["--file", "nosuch"], base, "unknown --file"),
        (["--level", "MAYBE"], base, "bad --level"),
        (["--version", "one"], base, "bad --version"),
        (["--role", "decoder", "--level", "SHOULD", "--file", "header-decode"], base, "empty selection"),
        ([], "/nonexistent/adapter --x", "adapter that cannot start"),
    ]:
        res = run(adapter, args)
        if res.rc != 2:
            probs.append("%s: exit status %d, want 2" % (why, res.rc))
    res = run(None, ["--list", "--file", "ids", "--role", "gateway"])
    rows = [ln for ln in res.out.splitlines() if ln.startswith("ids.json ")]
    if res.rc != 0 or len(rows) != 17 or not res.out.rstrip().endswith("17 cases") \
            or any(ln.split()[3] != "gateway" for ln in rows):
        probs.append("--list --file ids --role gateway: want 17 gateway rows, got rc %d, %d rows" % (res.rc, len(rows)))
    return probs, res


def main(argv):
    verbose = "-v" in argv
    base = "build/tracewire adapter"
    if "--adapter" in argv:
        base = argv[argv.index("--adapter") + 1]
    if not (ROOT / "build" / "tracewire").exists() and base.startswith("build/tracewire"):
        sys.exit("selftest.py: build/tracewire is missing; run `make build/tracewire` first")
    make_small_vectors()
    scenarios = [
        ("the real adapter passes", lambda: sc_baseline(base)),
        ("flip_one_byte: one flipped hex digit fails its case with expected/actual", lambda: sc_flip(base)),
        ("garbage_once: a non-JSON answer fails that case only", lambda: sc_garbage(base)),
        ("exit_midrun: an adapter that exits stops the run with status 2", lambda: sc_exit(base)),
        ("hang_once: an adapter that hangs is stopped after the timeout", lambda: sc_hang(base)),
        ("true and 1 are different JSON values", lambda: sc_tweak(
            base, "bool-as-int", ["--file", "text-validate"], 1, 1, "case")),
        ("a decoded header must not have extra keys", lambda: sc_tweak(
            base, "extra-header-key", ["--file", "header-decode"], 1, 1, "case")),
        ("outputs may have extra keys", lambda: sc_tweak(base, "extra-output-key", [], 0, 0)),
        ("a missing discarded equals []", lambda: sc_tweak(
            base, "drop-discarded", ["--file", "header-decode", "--file", "block"], 0, 0)),
        ("codes are advisory by default", lambda: sc_tweak(
            base, "wrong-code", ["--file", "header-decode"], 0, 0)),
        ("codes are compared with --strict-codes", lambda: sc_tweak(
            base, "wrong-code", ["--file", "header-decode", "--strict-codes"], 1, 1, "case")),
        ("the truncation rule is checked", lambda: sc_tweak(
            base, "break-prefix", ["--file", "block"], 1, 1, "truncation",
            expect_out(r"^FAIL  \S+/derived-truncation \[MUST\]$", "no FAIL line for a derived-truncation check"))),
        ("a SHOULD failure is a warning by default", lambda: sc_tweak(
            base, "break-prefix", ["--file", "block", "--role", "relay"], 0, 0, "truncation",
            expect_out(r"^\d+ passed, 0 failed, 1 warnings$", "want '..., 1 warnings' in the summary"))),
        ("a SHOULD failure fails with --level SHOULD", lambda: sc_tweak(
            base, "break-prefix", ["--file", "block", "--role", "relay", "--level", "SHOULD"], 1, 1, "truncation")),
        ("the canonical re-encoding rule is checked", lambda: sc_tweak(
            base, "break-reencode", ["--file", "header-decode"], 1, 1, None,
            expect_out(r"^FAIL  \S+/derived-canonical \[MUST\]$", "no FAIL line for a derived-canonical check"))),
        ("ops missing from hello are skipped", lambda: sc_tweak(
            base, "hide-ops", [], 0, 0, None,
            expect_out(r"^\d+ passed, 0 failed, \d+ skipped$", "want '..., N skipped' in the summary"))),
        ("an adapter may skip a case it cannot express", lambda: sc_tweak(
            base, "skip-one", ["--file", "header-encode"], 0, 0, None,
            expect_out(r"^SKIP  \S+ \(the adapter skips it: .*\)\n(.|\n)*^\d+ passed, 0 failed, 1 skipped$",
                       "want a SKIP line and '..., 1 skipped' in the summary"))),
        ("a duplicated answer is ignored", lambda: sc_tweak(base, "duplicate", ["--file", "header-decode"], 0, 0)),
        ("usage errors exit 2; --list needs no adapter", lambda: sc_usage(base)),
    ]
    passed = failed = 0
    for title, fn in scenarios:
        probs, res = fn()
        if probs:
            failed += 1
            print("FAIL %s" % title)
            for p in probs:
                print("     - %s" % p)
            print("     runner output (last lines):")
            for ln in res.out.rstrip("\n").split("\n")[-12:]:
                print("       | " + ln)
        else:
            passed += 1
            print("ok   %s%s" % (title, ("  [%s]" % res.last_line) if verbose else ""))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
