#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""tweak_output.py - test fixture: a real adapter with one kind of change to its answers, to pin the runner's comparison rules.

Usage: tweak_output.py MODE [ADAPTER COMMAND...]   (default: build/tracewire adapter)

Modes (the runner's expected verdict in brackets):
  bool-as-int      the first {"valid": true} becomes {"valid": 1}                   [that case fails]
  extra-header-key the first decoded header gains "unknown": []                      [that case fails]
  extra-output-key every output gains "note": "extra"                                [all pass]
  drop-discarded   an empty "discarded" list is left out of every output             [all pass]
  wrong-code       the first error output gets code "TW_E_WRONG"                     [passes; fails with --strict-codes]
  break-prefix     the first truncated-prefix request of a derived check is answered
                   {"error": "malformed", "code": "TW_E_OVERRUN"}                   [that derived check fails]
  break-reencode   the first re-encoding request of a derived check gets one hex digit
                   changed in its message_hex                                        [that derived check fails]
  hide-ops         hello lists header.decode only                                    [the rest is skipped]
  duplicate        the first case's answer is written twice                          [all pass]
  skip-one         the first header.encode request is answered {"skip": "..."}         [1 skipped]
The changed request's id is reported on stderr: "tweak_output: MODE: case NAME".
"""
import sys

from fixture_wrap import dumps, log, serve

MODE = sys.argv[1] if len(sys.argv) > 1 else ""
done = False


def note(request):
    global done
    done = True
    log("tweak_output", "%s: case %s" % (MODE, request.get("id")))


def answer(request, ask):
    response = ask()
    out = response.get("output")
    rid = str(request.get("id"))
    if request.get("op") == "hello":
        if MODE == "hide-ops":
            out["ops"] = ["header.decode"]
        return dumps(response)
    if not isinstance(out, dict):
        return dumps(response)
    if MODE == "extra-output-key":
        out["note"] = "extra"
    elif MODE == "drop-discarded":
        if out.get("discarded") == []:
            del out["discarded"]
    elif done:
        pass
    elif MODE == "bool-as-int" and out.get("valid") is True:
        out["valid"] = 1
        note(request)
    elif MODE == "extra-header-key" and isinstance(out.get("header"), dict) and "unknown" not in out["header"]:
        out["header"]["unknown"] = []
        note(request)
    elif MODE == "wrong-code" and "code" in out:
        out["code"] = "TW_E_WRONG"
        note(request)
    elif MODE == "break-prefix" and "/derived-truncation/" in rid:
        response["output"] = {"error": "malformed", "code": "TW_E_OVERRUN"}
        note(request)
    elif MODE == "break-reencode" and rid.endswith("/derived-canonical") and out.get("message_hex"):
        h = out["message_hex"]
        out["message_hex"] = h[:-1] + "%x" % (int(h[-1], 16) ^ 1)
        note(request)
    elif MODE == "skip-one" and request.get("op") == "header.encode":
        response["output"] = {"skip": "this interface cannot hold the input"}
        note(request)
    elif MODE == "duplicate":
        note(request)
        return dumps(response) + "\n" + dumps(response)
    return dumps(response)


if __name__ == "__main__":
    if MODE not in ("bool-as-int", "extra-header-key", "extra-output-key", "drop-discarded", "wrong-code",
                    "break-prefix", "break-reencode", "hide-ops", "duplicate", "skip-one"):
        sys.exit("tweak_output.py: unknown mode %r (see the docstring)" % MODE)
    serve(answer, sys.argv[2:])
