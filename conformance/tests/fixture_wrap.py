# SPDX-License-Identifier: Apache-2.0
"""fixture_wrap.py - plumbing shared by the runner's test fixtures: relay JSON lines to a real adapter, let the fixture change the answers."""
import json
import subprocess
import sys

DEFAULT_ADAPTER = ["build/tracewire", "adapter"]


def log(fixture, message):
    sys.stderr.write("%s: %s\n" % (fixture, message))
    sys.stderr.flush()


def write(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def serve(answer, argv=None):
    """Start the wrapped adapter (argv, or the command after the fixture's name) and relay requests.

    answer(request, ask) is called for every request (a dict) and returns the
    line to write, or None to write nothing; ask() forwards the request to the
    wrapped adapter and returns its response as a dict.
    """
    if argv is None:
        argv = sys.argv[1:]
    argv = argv or DEFAULT_ADAPTER
    child = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        for line in sys.stdin:
            request = json.loads(line)

            def ask(line=line):
                child.stdin.write(line if line.endswith("\n") else line + "\n")
                child.stdin.flush()
                return json.loads(child.stdout.readline())

            out = answer(request, ask)
            if out is not None:
                write(out)
    finally:
        child.stdin.close()
        child.wait()


def dumps(response):
    return json.dumps(response, separators=(",", ":"))
