#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""exit_midrun.py - test fixture: a real adapter that exits with status 3, without answering, on its first header.encode request.

Usage: exit_midrun.py [ADAPTER COMMAND...]   (default: build/tracewire adapter)
Names the case on stderr: "exit_midrun: exiting on case NAME".
"""
import sys

from fixture_wrap import dumps, log, serve


def answer(request, ask):
    if request.get("op") == "header.encode":
        log("exit_midrun", "exiting on case %s" % request.get("id"))
        sys.exit(3)
    return dumps(ask())


if __name__ == "__main__":
    serve(answer)
