#!/usr/bin/env python3
"""Checks the output of `cargo run --example tracing_interop` (stdin).

Usage: tracing_interop_check.py text|json|fmt [--unstamped-body-ok]

Each request is framed by `== request N trace_id=ID` and `== end N`. Every log line between the
two must carry a trace-id: that request's, or an earlier request's (a connection's upkeep that
finished late). Each request must have lines from tower_http, hyper_util and the app carrying
its id; in JSON, tower-http's `finished processing request` must have `status` and `latency`
keys. With --unstamped-body-ok, lines written while the streamed body is polled (`streaming
chunk`, tower-http's `end of stream`) may lack the id.
"""

import json
import re
import sys

fmt = sys.argv[1]
unstamped_body_ok = "--unstamped-body-ok" in sys.argv[2:]
# traced's text line, after its optional RFC 3339 timestamp.
TEXT = re.compile(r"^(?:\S+ )?\[([0-9a-f]{32}|-)\] \[([0-9a-f]{16}|-)\] [A-Z]+ ([\w:]+): (.*)$")
FMT_ID = re.compile(r" trace_id=([0-9a-f]{32}|-)")
FMT_TARGET = re.compile(r" ([a-z_][\w]*(?:::\w+)*): ")
BODY = ("streaming chunk", "end of stream")


def parse(line):
    """(trace_id or None, target, message, json object or None) of a log line."""
    if fmt == "json":
        obj = json.loads(line)
        return obj.get("trace_id"), obj["target"], obj["message"], obj
    if fmt == "text":
        m = TEXT.match(line)
        assert m, f"not a traced text line: {line}"
        tid = None if m.group(1) == "-" else m.group(1)
        return tid, m.group(3), m.group(4), None
    m = FMT_ID.search(line)
    assert m, f"no trace_id on a tracing-subscriber line: {line}"
    tid = None if m.group(1) == "-" else m.group(1)
    # The target is the last `word::path: ` before the message (after any `span{..}: `).
    head = line.split(" trace_id=")[0]
    targets = [t for t in FMT_TARGET.findall(head) if t.split("::")[0] in ("tower_http", "hyper_util", "tracing_interop", "traced_runtime")]
    return tid, targets[-1] if targets else "", head, None


window = None  # (n, trace_id, crates seen)
seen_ids = []
requests = 0
problems = []
lines_checked = 0
for raw in sys.stdin:
    line = raw.rstrip("\n")
    m = re.match(r"^== request (\d+) trace_id=([0-9a-f]{32})$", line)
    if m:
        window = (int(m.group(1)), m.group(2), set())
        seen_ids.append(m.group(2))
        continue
    if re.match(r"^== end \d+$", line):
        n, tid, crates = window
        for crate in ("tower_http", "hyper_util", "tracing_interop"):
            if crate not in crates:
                problems.append(f"request {n}: no {crate} line with its trace-id")
        requests += 1
        window = None
        continue
    if window is None or not line.strip():
        continue
    n, tid, crates = window
    trace_id, target, message, obj = parse(line)
    lines_checked += 1
    if trace_id == tid:
        crates.add(target.split("::")[0])
    elif trace_id in seen_ids[:-1]:
        pass  # an earlier request's late line: attributed to the right trace
    elif unstamped_body_ok and trace_id is None and any(b in message for b in BODY):
        print(f"(body line without id, allowed: {line})")
    else:
        problems.append(f"request {n}: line without its trace-id {tid}: {line}")
    if obj is not None and target == "tower_http::trace::on_response":
        if not isinstance(obj.get("status"), int) or "latency" not in obj:
            problems.append(f"request {n}: tower-http's status/latency are not keys: {line}")

if requests == 0:
    problems.append("no request window found")
for p in problems:
    print(p, file=sys.stderr)
print(f"{requests} requests, {lines_checked} lines checked, {len(problems)} problems")
sys.exit(1 if problems else 0)
