#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""run.py - the language-neutral conformance runner: drives an adapter over JSON lines and checks it against the vectors.

Usage:
  run.py --adapter "COMMAND LINE" [--vectors DIR] [--file NAME]... [--role ROLE]...
         [--level MUST|SHOULD] [--version W.R] [--strict-codes] [--timeout S] [--list] [--verbose]

The adapter protocol, the comparison rules, the derived checks and the exit
codes are described in conformance/README.md ("Adapter protocol" and
"Running the suite"). Python 3.9 or later, standard library only, so that
another project can copy conformance/ and run it with nothing else.

Exit status: 0 every check passed (SHOULD-level warnings allowed), 1 at
least one check failed, 2 usage error, unreadable vectors, or an adapter
that could not be started, exited, hung or gave an unusable hello.
"""
import argparse
import json
import os
import select
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

ROLES = ("encoder", "decoder", "originator", "receiver", "relay", "gateway")
LEVELS = ("MUST", "SHOULD")
DEFAULT_VECTORS = Path(__file__).resolve().parent / "vectors"
DEFAULT_TIMEOUT = 10.0

# The derived checks, by the name suffix they get (CASE/derived-...).
TRUNCATION = "derived-truncation"
CANONICAL = "derived-canonical"


class UsageError(Exception):
    """Bad command line or unreadable vectors: exit 2."""


class AdapterError(Exception):
    """The adapter exited, hung, or could not be started: exit 2."""


# ------------------------------------------------------------------ vectors

class Case:
    __slots__ = ("file", "name", "op", "role", "level", "version", "input", "expect")

    def __init__(self, file, raw):
        self.file = file
        for key in ("name", "op", "role", "level", "version", "input", "expect"):
            if key not in raw:
                raise UsageError("%s: a case has no %r" % (file, key))
            setattr(self, key, raw[key])
        if not isinstance(self.input, dict) or not isinstance(self.expect, dict):
            raise UsageError("%s: case %s: input and expect must be objects" % (file, self.name))


def version_tuple(text):
    parts = text.split(".")
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        return None
    return int(parts[0]), int(parts[1])


def load_cases(directory, wanted_files):
    directory = Path(directory)
    paths = sorted(directory.glob("*.json"))
    if not paths:
        raise UsageError("no vector files (*.json) in %s" % directory)
    if wanted_files:
        by_name = {}
        for p in paths:
            by_name[p.name] = p
            by_name[p.stem] = p
        chosen = []
        for name in wanted_files:
            p = by_name.get(Path(name).name)
            if p is None:
                raise UsageError("--file %s: not in %s (have: %s)"
                                 % (name, directory, ", ".join(q.name for q in paths)))
            if p not in chosen:
                chosen.append(p)
        paths = sorted(chosen)
    cases, seen = [], set()
    for p in paths:
        try:
            doc = json.loads(p.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise UsageError("%s: cannot read: %s" % (p, e))
        if not isinstance(doc, dict) or not isinstance(doc.get("cases"), list):
            raise UsageError("%s: not a vector file (no \"cases\" array)" % p)
        for raw in doc["cases"]:
            if not isinstance(raw, dict):
                raise UsageError("%s: a case is not an object" % p)
            c = Case(p.name, raw)
            if c.name in seen:
                raise UsageError("%s: case name %s is used twice" % (p, c.name))
            seen.add(c.name)
            cases.append(c)
    return cases


def select_cases(cases, roles, level, version):
    out = []
    for c in cases:
        if roles and c.role not in roles:
            continue
        if level and c.level != level:
            continue
        if version:
            v = version_tuple(str(c.version))
            if v is None or v > version:
                continue
        out.append(c)
    return out


# ------------------------------------------------------------------ JSON helpers

def same_json(a, b):
    """JSON equality: true and 1 differ, 1 and 1.0 do not, objects ignore key order."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_json(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_json(x, y) for x, y in zip(a, b))
    if type(a) is not type(b):
        return False
    return a == b


def dump(v):
    return json.dumps(v, ensure_ascii=True, separators=(", ", ": "))


def shorten(v, limit):
    """A copy of a JSON value with every string longer than limit cut in the middle."""
    if isinstance(v, str):
        if len(v) <= limit:
            return v
        keep = max(limit // 2, 8)
        return "%s...(%d chars)...%s" % (v[:keep], len(v), v[-8:])
    if isinstance(v, dict):
        return {k: shorten(x, limit) for k, x in v.items()}
    if isinstance(v, list):
        return [shorten(x, limit) for x in v]
    return v


def string_diff(path, e, a):
    i = 0
    while i < len(e) and i < len(a) and e[i] == a[i]:
        i += 1
    lo = max(i - 12, 0)
    pre = "..." if lo else ""
    return ("%s: differs at character %d: expected %s%s, got %s%s"
            % (path, i, pre, dump(e[lo:i + 12]), pre, dump(a[lo:i + 12])))


def first_diff(e, a, path):
    """A one-line description of the first difference between two JSON values, or None."""
    if same_json(e, a):
        return None
    if isinstance(e, dict) and isinstance(a, dict):
        for k in e:
            if k not in a:
                return "%s.%s: missing (expected %s)" % (path, k, dump(shorten(e[k], 40)))
            d = first_diff(e[k], a[k], "%s.%s" % (path, k))
            if d:
                return d
        for k in a:
            if k not in e:
                return "%s.%s: unexpected key (value %s)" % (path, k, dump(shorten(a[k], 40)))
    if isinstance(e, list) and isinstance(a, list):
        for i, (x, y) in enumerate(zip(e, a)):
            d = first_diff(x, y, "%s[%d]" % (path, i))
            if d:
                return d
        return "%s: expected %d items, got %d" % (path, len(e), len(a))
    if isinstance(e, str) and isinstance(a, str):
        return string_diff(path, e, a)
    return "%s: expected %s, got %s" % (path, dump(shorten(e, 40)), dump(shorten(a, 40)))


def compare(expect, actual, strict_codes):
    """(passed, first difference or None, advisory note or None)."""
    if not isinstance(actual, dict):
        return False, "output: expected an object, got %s" % dump(shorten(actual, 40)), None
    if "error" in expect:
        if "error" not in actual:
            return False, "error: expected class %s, got a success result" % dump(expect["error"]), None
        if not same_json(expect["error"], actual["error"]):
            return False, "error: expected class %s, got %s" % (dump(expect["error"]),
                                                                 dump(shorten(actual["error"], 40))), None
        if "code" in expect and not same_json(expect["code"], actual.get("code")):
            what = ("code: expected %s, got %s" % (dump(expect["code"]), dump(actual["code"]))
                    if "code" in actual else "code: expected %s, the output has none" % dump(expect["code"]))
            return (False, what, None) if strict_codes else (True, None, what)
        return True, None, None
    if "error" in actual:
        return False, "error: expected success, got %s" % dump(shorten(
            {k: actual[k] for k in ("error", "code", "message") if k in actual}, 60)), None
    for key, want in expect.items():
        if key == "discarded":
            continue
        if key not in actual:
            return False, "%s: missing (expected %s)" % (key, dump(shorten(want, 40))), None
        d = first_diff(want, actual[key], key)
        if d:
            return False, d, None
    if "discarded" in expect or "discarded" in actual:
        d = first_diff(expect.get("discarded", []), actual.get("discarded", []), "discarded")
        if d:
            return False, d, None
    return True, None, None


# ------------------------------------------------------------------ the adapter

class Garbage:
    """A response line that is not a usable JSON response."""

    def __init__(self, text, why):
        self.text, self.why = text, why

    def shown(self):
        return "(%s) %s" % (self.why, dump(shorten(self.text, 120)))


class Adapter:
    """One adapter process, spoken to one request at a time."""

    def __init__(self, command, timeout):
        try:
            argv = shlex.split(command)
        except ValueError as e:
            raise UsageError("--adapter %r: %s" % (command, e))
        if not argv:
            raise UsageError("--adapter is empty")
        self.command, self.timeout = command, timeout
        try:
            # Own process group, so that whatever the adapter starts can be stopped with it.
            self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         start_new_session=True)
        except OSError as e:
            raise AdapterError("cannot start the adapter %r: %s" % (command, e))
        self.wfd, self.rfd = self.proc.stdin.fileno(), self.proc.stdout.fileno()
        os.set_blocking(self.wfd, False)
        self.buf = bytearray()
        self.sent_ids = set()
        self.stdin_open = True

    def _died(self, rid):
        try:
            status = self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            status = None
        how = ("exited with status %d" % status if status is not None and status >= 0
               else "was killed by signal %d" % -status if status is not None
               else "closed its output")
        return AdapterError("the adapter %s while answering request %r" % (how, rid))

    def _read_line(self, rid, deadline, pending):
        """Send the pending bytes and return the next output line (bytes, without the newline)."""
        while True:
            nl = self.buf.find(b"\n")
            if nl >= 0 and not pending:
                line = bytes(self.buf[:nl])
                del self.buf[:nl + 1]
                return line
            left = deadline - time.monotonic()
            if left <= 0:
                raise AdapterError("the adapter did not answer request %r within %g s" % (rid, self.timeout))
            wlist = [self.wfd] if pending and self.stdin_open else []
            r, w, _ = select.select([self.rfd], wlist, [], left)
            if w:
                try:
                    n = os.write(self.wfd, pending[:65536])
                    pending = pending[n:]
                except BlockingIOError:
                    pass
                except BrokenPipeError:
                    self.stdin_open = False
                    pending = b""
            if r:
                chunk = os.read(self.rfd, 65536)
                if not chunk:
                    raise self._died(rid)
                self.buf += chunk
            if not self.stdin_open and self.proc.poll() is not None and self.buf.find(b"\n") < 0:
                raise self._died(rid)

    def request(self, rid, op, inp=None):
        """The "output" of the response to one request, or a Garbage."""
        req = {"id": rid, "op": op}
        if inp is not None:
            req["input"] = inp
        pending = (json.dumps(req, ensure_ascii=True, separators=(",", ":")) + "\n").encode("ascii")
        self.sent_ids.add(rid)
        deadline = time.monotonic() + self.timeout
        while True:
            raw = self._read_line(rid, deadline, pending)
            pending = b""
            text = raw.decode("utf-8", "replace").rstrip("\r")
            if not text.strip():
                continue  # a blank line answers nothing
            try:
                resp = json.loads(text)
            except ValueError:
                return Garbage(text, "not JSON")
            if not isinstance(resp, dict):
                return Garbage(text, "not a JSON object")
            got = resp.get("id")
            if got != rid and isinstance(got, str) and got in self.sent_ids:
                continue  # a late or duplicate answer to an earlier request
            if got != rid:
                return Garbage(text, "answers id %s, not %s" % (dump(got), dump(rid)))
            if "output" not in resp:
                return Garbage(text, "no \"output\"")
            return resp["output"]

    def close(self):
        """Close stdin, let the adapter exit, and stop its process group if it does not."""
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.kill()
        self.proc.stdout.close()

    def kill(self):
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass


# ------------------------------------------------------------------ checks

class Report:
    def __init__(self, verbose, strict_levels):
        self.passed = self.failed = self.skipped = self.warned = 0
        self.verbose = verbose
        self.strict_levels = strict_levels  # SHOULD failures count as failures

    def ok(self, name, note=None):
        self.passed += 1
        if self.verbose:
            print("ok    %s" % name)
            if note:
                print("      note (codes are advisory without --strict-codes): %s" % note)

    def skip(self, name, why, always=False):
        self.skipped += 1
        if self.verbose or always:
            print("SKIP  %s (%s)" % (name, why))

    def fail(self, case, name, op, inp, expected, actual, diff):
        warn = case.level == "SHOULD" and not self.strict_levels
        if warn:
            self.warned += 1
        else:
            self.failed += 1
        print("%s  %s [%s]" % ("WARN" if warn else "FAIL", name, case.level))
        print("      file:     %s" % case.file)
        print("      op:       %s" % op)
        print("      input:    %s" % dump(shorten(inp, 80)))
        print("      expected: %s" % (expected if isinstance(expected, str) else dump(shorten(expected, 200))))
        print("      actual:   %s" % (actual.shown() if isinstance(actual, Garbage)
                                      else dump(shorten(actual, 200))))
        print("      diff:     %s" % diff)

    def summary(self):
        line = "%d passed, %d failed" % (self.passed, self.failed)
        if self.skipped:
            line += ", %d skipped" % self.skipped
        if self.warned:
            line += ", %d warnings" % self.warned
        return line


def skip_reason(actual):
    """The reason of an adapter's {"skip": REASON} answer, or None."""
    if isinstance(actual, dict) and list(actual) == ["skip"] and isinstance(actual["skip"], str):
        return "the adapter skips it: " + actual["skip"]
    return None


def check(report, adapter, case, name, op, inp, expect, strict_codes):
    """Run one request and record the result. Returns (passed, actual)."""
    actual = adapter.request(name, op, inp)
    if skip_reason(actual):
        report.skip(name, skip_reason(actual), always=True)
        return False, actual
    if isinstance(actual, Garbage):
        report.fail(case, name, op, inp, expect, actual, "output: " + actual.why)
        return False, actual
    passed, diff, note = compare(expect, actual, strict_codes)
    if passed:
        report.ok(name, note)
    else:
        report.fail(case, name, op, inp, expect, actual, diff)
    return passed, actual


def check_truncation(report, adapter, case, strict_codes):
    """Derived rule: every proper prefix of a successful block reads as "truncated"."""
    name = "%s/%s" % (case.name, TRUNCATION)
    size = case.expect["consumed"] if case.op == "block.decode" else case.expect["length"]
    block = case.input["block_hex"]
    want = {"error": "truncated", "code": "TW_E_TRUNCATED"}
    for k in range(size):
        inp = {"block_hex": block[:2 * k]}
        actual = adapter.request("%s/%d" % (name, k), case.op, inp)
        if skip_reason(actual):
            report.skip(name, "prefix of %d bytes: %s" % (k, skip_reason(actual)), always=True)
            return
        if isinstance(actual, Garbage):
            report.fail(case, name, case.op, inp, want, actual, "prefix of %d bytes: output: %s" % (k, actual.why))
            return
        passed, diff, _ = compare(want, actual, strict_codes)
        if not passed:
            report.fail(case, name, case.op, inp, want, actual, "prefix of %d bytes: %s" % (k, diff))
            return
    report.ok(name)


def check_canonical(report, adapter, case):
    """Derived rule: re-encoding the decoded header reproduces the input exactly when it is canonical."""
    name = "%s/%s" % (case.name, CANONICAL)
    message = case.input["message_hex"]
    inp = {"header": case.expect["header"]}
    actual = adapter.request(name, "header.encode", inp)
    canonical = case.expect["canonical"] is True
    want = {"message_hex": message} if canonical else "any message_hex except %s" % dump(shorten(message, 80))
    if skip_reason(actual):
        report.skip(name, skip_reason(actual), always=True)
        return
    if isinstance(actual, Garbage):
        report.fail(case, name, "header.encode", inp, want, actual, "output: " + actual.why)
        return
    if not isinstance(actual, dict) or "error" in actual or not isinstance(actual.get("message_hex"), str):
        report.fail(case, name, "header.encode", inp, want, actual,
                    "the decoded header must encode, but the output has no message_hex")
        return
    got = actual["message_hex"]
    if canonical and got != message:
        report.fail(case, name, "header.encode", inp, want, actual,
                    "canonical is true, so re-encoding must give the input: " + string_diff("message_hex", message, got))
    elif not canonical and got == message:
        report.fail(case, name, "header.encode", inp, want, actual,
                    "canonical is false, but re-encoding gives the input bytes exactly")
    else:
        report.ok(name)


def derived_rules(case):
    if "error" in case.expect:
        return []
    if case.op in ("block.decode", "block.measure"):
        return [TRUNCATION]
    if case.op == "header.decode":
        return [CANONICAL]
    return []


def run(args, cases):
    adapter = Adapter(args.adapter, args.timeout)
    report = Report(args.verbose, args.level == "SHOULD")
    current = ("hello", None, "hello")  # (check name, file, op) of the request in flight
    done = 0
    try:
        hello = adapter.request("hello", "hello")
        if (not isinstance(hello, dict) or not isinstance(hello.get("ops"), list)
                or not all(isinstance(o, str) for o in hello["ops"])):
            shown = hello.shown() if isinstance(hello, Garbage) else dump(shorten(hello, 200))
            raise AdapterError("the adapter's hello output has no \"ops\" list of strings: %s" % shown)
        ops = set(hello["ops"])
        print("adapter: %s %s (%s); %d cases from %s"
              % (hello.get("implementation", "?"), hello.get("version", "?"), args.adapter, len(cases),
                 ", ".join(sorted({c.file for c in cases}))))
        for case in cases:
            current = (case.name, case.file, case.op)
            rules = derived_rules(case)
            if case.op not in ops:
                report.skip(case.name, "the adapter does not offer %s" % case.op)
                for rule in rules:
                    report.skip("%s/%s" % (case.name, rule), "the adapter does not offer %s" % case.op)
                done += 1
                continue
            check(report, adapter, case, case.name, case.op, case.input, case.expect, args.strict_codes)
            for rule in rules:
                name = "%s/%s" % (case.name, rule)
                if rule == TRUNCATION:
                    current = (name, case.file, case.op)
                    check_truncation(report, adapter, case, args.strict_codes)
                elif "header.encode" in ops:
                    current = (name, case.file, "header.encode")
                    check_canonical(report, adapter, case)
                else:
                    report.skip(name, "the adapter does not offer header.encode")
            done += 1
    except AdapterError as e:
        adapter.kill()
        print("ERROR %s" % e)
        if current[1] is not None:
            print("      check %s (file %s, op %s); %d of the %d selected cases were not run"
                  % (current[0], current[1], current[2], len(cases) - done - 1, len(cases)))
        report.failed += 1  # the check in progress did not pass
        print(report.summary())
        return 2
    except BaseException:
        adapter.kill()
        raise
    adapter.close()
    if report.warned:
        print("note: %d SHOULD-level check(s) failed; they are warnings (use --level SHOULD to make them failures)"
              % report.warned)
    print(report.summary())
    return 1 if report.failed else 0


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="run.py",
        description="Run the tracewire conformance vectors against an adapter that speaks JSON lines "
                    "(conformance/README.md, \"Adapter protocol\").")
    p.add_argument("--adapter", metavar="COMMAND", help="the adapter's command line (split like a shell does)")
    p.add_argument("--vectors", metavar="DIR", default=str(DEFAULT_VECTORS),
                   help="directory of vector files (default: the vectors/ next to this script)")
    p.add_argument("--file", action="append", default=[], metavar="NAME",
                   help="only this vector file (block or block.json); repeatable")
    p.add_argument("--role", action="append", default=[], choices=ROLES, help="only cases of this role; repeatable")
    p.add_argument("--level", choices=LEVELS,
                   help="only cases of this level (with SHOULD, their failures count as failures)")
    p.add_argument("--version", metavar="W.R", help="only cases introduced in revision W.R or earlier")
    p.add_argument("--strict-codes", action="store_true", help="an expected error's status code must match too")
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="S",
                   help="seconds to wait for each answer (default %g)" % DEFAULT_TIMEOUT)
    p.add_argument("--list", action="store_true", help="list the selected cases and exit")
    p.add_argument("--verbose", "-v", action="store_true", help="print every check, and code mismatches")
    args = p.parse_args(argv)
    if args.version is not None and version_tuple(args.version) is None:
        p.error("--version takes a revision W.R, such as 1.0")
    if not args.list and not args.adapter:
        p.error("--adapter is required (except with --list)")
    if args.timeout <= 0:
        p.error("--timeout must be positive")
    return args


def main(argv):
    args = parse_args(argv)
    try:
        cases = select_cases(load_cases(args.vectors, args.file), set(args.role), args.level,
                             version_tuple(args.version) if args.version else None)
        if not cases:
            raise UsageError("no case matches the selection")
        if args.list:
            width = max(len(c.name) for c in cases)
            for c in cases:
                print("%-20s %-*s %-20s %-10s %s" % (c.file, width, c.name, c.op, c.role, c.level))
            print("%d cases" % len(cases))
            return 0
        return run(args, cases)
    except UsageError as e:
        print("run.py: %s" % e, file=sys.stderr)
        return 2
    except AdapterError as e:
        print("ERROR %s" % e)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    try:
        sys.stdout.reconfigure(line_buffering=True)
    except AttributeError:
        pass
    sys.exit(main(sys.argv[1:]))
