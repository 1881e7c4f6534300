#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""hang_once.py - test fixture: a real adapter that stops answering (sleeps) at its first uuid.parse request.

Usage: hang_once.py [ADAPTER COMMAND...]   (default: build/tracewire adapter)
Names the case and its own process id on stderr: "hang_once: pid N hangs on case NAME".
The runner must give up after its timeout and stop this process.
"""
import os
import time

from fixture_wrap import dumps, log, serve


def answer(request, ask):
    if request.get("op") == "uuid.parse":
        log("hang_once", "pid %d hangs on case %s" % (os.getpid(), request.get("id")))
        time.sleep(600)
    return dumps(ask())


if __name__ == "__main__":
    serve(answer)
