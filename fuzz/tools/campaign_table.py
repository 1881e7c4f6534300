#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""campaign_table.py - prints the runs of a campaign (build/fuzz/stats/runs.tsv) as the Markdown table of fuzz/README.md.

Usage: campaign_table.py RUNS_TSV [MIN_SECONDS]
Only runs of at least MIN_SECONDS (default 60) are shown; for a target and
engine run more than once, the last run is shown.
"""

import csv
import sys


def main(argv):
    path = argv[1] if len(argv) > 1 else "build/fuzz/stats/runs.tsv"
    least = int(argv[2]) if len(argv) > 2 else 60
    last = {}
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            if int(row["seconds"]) >= least:
                last[(row["target"], row["engine"])] = row
    print("| Target | Engine | Seconds | Execs | Exec/s | Coverage | Corpus | Findings |")
    print("|---|---|---:|---:|---:|---|---:|---:|")
    for (target, engine), r in sorted(last.items()):
        eps = r["execs_per_sec"].split(".")[0]
        print("| %s | %s | %s | %s | %s | %s | %s | %s |" % (
            target, engine, r["seconds"], "{:,}".format(int(r["execs"] or 0)), "{:,}".format(int(eps or 0)),
            r["coverage"], r["corpus"], r["findings"]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
