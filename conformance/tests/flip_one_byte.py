#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""flip_one_byte.py - test fixture: a real adapter whose first hex output has one hex digit changed, so the runner must fail that case.

Usage: flip_one_byte.py [ADAPTER COMMAND...]   (default: build/tracewire adapter)
Reports the change on stderr as one line:
  flip_one_byte: case NAME: KEY "ORIGINAL" -> "FLIPPED"
"""
import string

from fixture_wrap import dumps, log, serve

HEX_KEYS = ("trace_id", "span_id", "message_hex", "block_hex", "uuid_hex", "id_hex", "unknown")
flipped = False


def is_hex(s):
    return isinstance(s, str) and s and len(s) % 2 == 0 and all(c in string.hexdigits.lower()[:16] for c in s)


def flip_first_hex(value, case):
    """Change the first hex digit of the first hex string in value (depth first, keys in output order)."""
    if isinstance(value, dict):
        for k, v in value.items():
            if k in HEX_KEYS and is_hex(v):
                new = "%x" % (int(v[0], 16) ^ 1) + v[1:]
                log("flip_one_byte", "case %s: %s \"%s\" -> \"%s\"" % (case, k, v, new))
                value[k] = new
                return True
            if k == "unknown" and isinstance(v, list):
                for i, item in enumerate(v):
                    if is_hex(item):
                        new = "%x" % (int(item[0], 16) ^ 1) + item[1:]
                        log("flip_one_byte", "case %s: %s[%d] \"%s\" -> \"%s\"" % (case, k, i, item, new))
                        v[i] = new
                        return True
            if isinstance(v, dict) and flip_first_hex(v, case):
                return True
    return False


def answer(request, ask):
    global flipped
    response = ask()
    if not flipped and request.get("op") != "hello":
        flipped = flip_first_hex(response.get("output"), request.get("id"))
    return dumps(response)


if __name__ == "__main__":
    serve(answer)
