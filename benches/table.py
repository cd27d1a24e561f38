#!/usr/bin/env python3
"""Prints BENCHMARKS.md's tables from criterion's saved results.

Usage (from the workspace root, after `cargo bench -p benches`):

    python3 benches/table.py [TARGET_DIR]               # print every table
    python3 benches/table.py --update BENCHMARKS.md     # rewrite the tables in place

TARGET_DIR defaults to $CARGO_TARGET_DIR, else `target`. `--update` replaces the text between
`<!-- table:GROUP -->` and `<!-- /table -->` with GROUP's table.

Each row is one contender: the median of criterion's samples divided by the benchmark's batch
size (its `Throughput::Elements`), so the figure is ns per call / future / chain / task, and the
ratio `traced/this` of the group's traced contender to that row (< 1: traced is faster).
"""

import json
import os
import sys
from pathlib import Path

ORDER = [
    "sync_disabled",
    "sync_logged",
    "async_poll",
    "nested_spans",
    "ids",
    "spawn",
    "propagation",
]

UNIT = {
    "sync_disabled": "ns/call",
    "sync_logged": "ns/call",
    "async_poll": "ns/future (11 polls)",
    "nested_spans": "ns/chain (10 spans)",
    "ids": "ns/id",
    "spawn": "ns/task",
    "propagation": "ns/op",
}

# The traced contender each row is compared with.
HEADLINE = {
    "sync_disabled": "traced_span/in_trace",
    "sync_logged": "traced_span/env_logger",
    "async_poll": "traced_span_async_fn",
    "nested_spans": "traced_span",
    "spawn": "traced_task_spawn",
}


def reference(group, name, names):
    if group in HEADLINE:
        return HEADLINE[group]
    if group == "ids":  # traced/trace_id vs */trace_id
        return "traced/" + name.split("/", 1)[-1]
    # propagation: "<operation>/<contender>": the first traced contender of the operation
    op = name.split("/", 1)[0]
    return next(n for n in names if n.startswith(op + "/traced"))


def load(target):
    results = {}
    root = Path(target) / "criterion"
    for bench in root.glob("*/*/new/benchmark.json"):
        meta = json.loads(bench.read_text())
        est = json.loads((bench.parent / "estimates.json").read_text())
        per = (meta.get("throughput") or {}).get("Elements", 1)
        median = est["median"]["point_estimate"] / per
        lo = est["median"]["confidence_interval"]["lower_bound"] / per
        hi = est["median"]["confidence_interval"]["upper_bound"] / per
        results.setdefault(meta["group_id"], {})[meta["function_id"]] = (median, lo, hi)
    return results


def fmt(ns):
    if ns >= 100:
        return f"{ns:,.0f}"
    if ns >= 10:
        return f"{ns:.1f}"
    return f"{ns:.2f}"


def render(group, rows):
    names = list(rows)
    # Traced contenders first, then the peers, alphabetically within each.
    names.sort(key=lambda n: (0 if "traced" in n and "tracing" not in n else 1, n))
    out = [f"| contender | median {UNIT[group]} | 95% CI of median | traced/this |"]
    out.append("|---|---:|---:|---:|")
    for name in names:
        median, lo, hi = rows[name]
        ref = reference(group, name, names)
        ratio = rows[ref][0] / median if ref in rows else float("nan")
        out.append(f"| `{name}` | {fmt(median)} | {fmt(lo)}–{fmt(hi)} | {ratio:.2f} |")
    return "\n".join(out)


def main():
    args = sys.argv[1:]
    update = None
    if args[:1] == ["--update"]:
        update, args = args[1], args[2:]
    target = args[0] if args else os.environ.get("CARGO_TARGET_DIR", "target")
    results = load(target)
    if update is None:
        for group in ORDER:
            if results.get(group):
                print(f"### {group}\n\n{render(group, results[group])}\n")
        return
    text = Path(update).read_text()
    for group in ORDER:
        if not results.get(group):
            continue
        start = f"<!-- table:{group} -->"
        end = "<!-- /table -->"
        i = text.find(start)
        if i < 0:
            continue
        j = text.index(end, i)
        text = text[: i + len(start)] + "\n" + render(group, results[group]) + "\n" + text[j:]
    Path(update).write_text(text)


if __name__ == "__main__":
    main()
