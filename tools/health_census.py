#!/usr/bin/env python3
"""How often each health code fires, by severity, in t2's fit files and validation files (issue 21, item 5).

Usage: python3 tools/health_census.py LABEL=FILE [LABEL=FILE ...]
A FILE is a loss-law fit (`t2 fit loss --json` output or --out file), a T² fit file (`t2 fit t2 --out`), or a
validation.json (`t2 validate`: the Fig. 5 plan rows' severities). Prints one Markdown table: per label, per code,
how many findings are warn / error / info (a finding is counted once per task, approach and scope it appears in).
Standard library only; reads nothing but the files named."""
import collections
import json
import sys


def walk(node, out):
    """Collects every finding object ({code, severity, ...}) anywhere in the document."""
    if isinstance(node, dict):
        if "code" in node and "severity" in node and "message" in node:
            out.append((node["code"], node["severity"]))
            return
        for v in node.values():
            walk(v, out)
    elif isinstance(node, list):
        for v in node:
            walk(v, out)


def census(path):
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    counts = collections.Counter()
    plans = collections.Counter()
    if isinstance(doc, dict) and "frontier" in doc and "rq2" in doc:  # validation.json: the Fig. 5 plan rows
        for row in doc["frontier"]:
            plans[row.get("severity", "?")] += 1
        return counts, plans
    found = []
    # Bootstrap replicates' own findings are summarised by bootstrap_* codes; skip the per-replicate lists if any.
    walk(doc, found)
    for code, sev in found:
        counts[(code, sev)] += 1
    return counts, plans


def main(args):
    if not args:
        print(__doc__)
        return 2
    print("| data | code | warn | error | info |")
    print("|---|---|---:|---:|---:|")
    for arg in args:
        label, _, path = arg.partition("=")
        counts, plans = census(path)
        if not counts and not plans:
            print(f"| {label} | (no findings) | 0 | 0 | 0 |")
        for code in sorted({c for c, _ in counts}):
            print(f"| {label} | `{code}` | {counts[(code, 'warn')]} | {counts[(code, 'error')]} | {counts[(code, 'info')]} |")
        if plans:
            total = sum(plans.values())
            print(f"| {label} | Fig. 5 plan rows (of {total}) | {plans['warn']} | {plans['error']} | {plans['info']} |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
