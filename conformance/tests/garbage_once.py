#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""garbage_once.py - test fixture: a real adapter that answers its first header.decode request with a line that is not JSON.

Usage: garbage_once.py [ADAPTER COMMAND...]   (default: build/tracewire adapter)
Names the case on stderr: "garbage_once: case NAME".
"""
from fixture_wrap import dumps, log, serve

done = False


def answer(request, ask):
    global done
    response = ask()
    if not done and request.get("op") == "header.decode":
        done = True
        log("garbage_once", "case %s" % request.get("id"))
        return "this is not JSON {"
    return dumps(response)


if __name__ == "__main__":
    serve(answer)
