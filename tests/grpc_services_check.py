#!/usr/bin/env python3
"""Checks the stderr of `RUST_LOG=debug cargo run --example grpc_services` (stdin).

Usage: grpc_services_check.py fmt|traced

fmt: tracing-subscriber's JSON lines with traced's format; traced: traced's JSON lines
(`--traced`, TRACED_LOG_FORMAT=json). Each request is framed by `== request N` and
`== end N trace_id=ID status=CODE`; exported spans are JSON lines with an `exported_span` key.

- Every log line in a request's frame carries that request's trace-id (or an earlier request's,
  for a line that finished late), with one exception: h2's connection-level lines (frames read and
  written by the connection task of an HTTP/2 connection that all requests share, outside any
  request's span) belong to no request and carry none; they are counted.
- Each request has lines with its trace-id from the gateway's and the backend's access lines,
  the app, tower-http and tower's buffer worker; over the run, from hyper-util and h2 too.
- The failing call (request 3): the backend's access line is an ERROR naming
  `grpc=UNAVAILABLE(14)`, with method, path, status, grpc_status, grpc_status_code and latency_ms
  as typed fields (JSON keys); its SERVER span and the gateway's CLIENT span are ERROR with
  rpc.grpc.status_code 14; the gateway's SERVER span is ERROR (502).
- Request 1 continues the given traceparent, and the spans chain
  gateway SERVER -> gateway CLIENT -> backend SERVER.
"""

import json
import re
import sys

mode = sys.argv[1]
GIVEN_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
GIVEN_PARENT = "00f067aa0ba902b7"

problems = []
windows = []  # (n, lines, spans, trace_id, status)
current = None
for raw in sys.stdin:
    line = raw.rstrip("\n")
    if re.match(r"^== request \d+$", line):
        current = ([], [])
        continue
    m = re.match(r"^== end (\d+) trace_id=([0-9a-f]{32}) status=(\d+)$", line)
    if m:
        windows.append((int(m.group(1)), current[0], current[1], m.group(2), int(m.group(3))))
        current = None
        continue
    if current is None or not line.strip():
        continue
    try:
        obj = json.loads(line)
    except json.JSONDecodeError:
        problems.append(f"not a JSON line: {line}")
        continue
    (current[1] if "exported_span" in obj else current[0]).append(obj)


def message(obj):
    return obj.get("message") or obj.get("fields", {}).get("message", "")


def in_request_span(obj):
    if mode == "fmt":
        return any(s.get("name") == "request" for s in obj.get("spans", []))
    return "uri" in obj  # the request span's fields, copied by LogLayer


def level(obj):
    return obj.get("level") or obj.get("severity")


if len(windows) != 3:
    problems.append(f"expected 3 requests, found {len(windows)}")

seen = []
overall = set()
connection_lines = 0
late = 0
checked = 0
for n, lines, spans, tid, status in windows:
    crates = set()
    for obj in lines:
        checked += 1
        target = obj.get("target", "")
        got = obj.get("trace_id")
        if got == tid:
            crates.add(target if target in ("gateway", "backend") else target.split("::")[0])
        elif got in seen:
            late += 1
        elif got is None and target.startswith("h2::") and not in_request_span(obj):
            connection_lines += 1
        else:
            problems.append(f"request {n}: line without its trace-id {tid}: {json.dumps(obj)}")
    overall |= crates
    for crate in ("gateway", "backend", "grpc_services", "tower_http", "tower"):
        if crate not in crates:
            problems.append(f"request {n}: no {crate} line with its trace-id")
    for obj in spans:
        if obj["trace_id"] != tid:
            problems.append(f"request {n}: span of another trace: {obj}")
    seen.append(tid)
for crate in ("hyper_util", "h2"):
    if crate not in overall:
        problems.append(f"no {crate} line with a request's trace-id")


def find_span(spans, kind, name):
    found = [s for s in spans if s["kind"] == kind and s["exported_span"] == name]
    if len(found) != 1:
        problems.append(f"expected one {kind} span {name}, got {found}")
        return {"status": "", "attributes": {}, "span_id": None, "parent_span_id": None}
    return found[0]


if len(windows) == 3:
    # Request 1: the given trace, and the chain SERVER -> CLIENT -> SERVER.
    n, lines, spans, tid, status = windows[0]
    if tid != GIVEN_TRACE or status != 200:
        problems.append(f"request 1: trace {tid} status {status}")
    gw = find_span(spans, "Server", "GET")
    client = find_span(spans, "Client", "orders.Orders/GetOrder")
    backend = find_span(spans, "Server", "orders.Orders/GetOrder")
    if gw["parent_span_id"] != GIVEN_PARENT:
        problems.append(f"request 1: gateway span's parent {gw['parent_span_id']}")
    if client["parent_span_id"] != gw["span_id"] or backend["parent_span_id"] != client["span_id"]:
        problems.append(f"request 1: no SERVER -> CLIENT -> SERVER chain: {gw} {client} {backend}")
    for s in (client, backend):
        attrs = s["attributes"]
        if (attrs.get("rpc.system"), attrs.get("rpc.service"), attrs.get("rpc.method"),
                attrs.get("rpc.grpc.status_code")) != ("grpc", "orders.Orders", "GetOrder", 0):
            problems.append(f"request 1: rpc attributes {attrs}")
        if s["status"] != "UNSET":
            problems.append(f"request 1: {s}")
    stream = find_span(spans, "Server", "orders.Orders/ListOrders")
    if stream["attributes"].get("rpc.grpc.status_code") != 0:
        problems.append(f"request 1: streaming span {stream}")

    # Request 3: the failing call.
    n, lines, spans, tid, status = windows[2]
    if status != 502:
        problems.append(f"request 3: gateway answered {status}")
    access = [o for o in lines if o.get("target") == "backend" and "grpc=" in message(o)]
    if len(access) != 1 or level(access[0]) != "ERROR" \
            or " 200 grpc=UNAVAILABLE(14) " not in message(access[0]) \
            or access[0].get("trace_id") != tid:
        problems.append(f"request 3: backend access line {access}")
    else:
        # Its values are fields (JSON keys), typed, in both set-ups, not only message text.
        fields = access[0].get("fields", access[0])
        want = {"method": "POST", "path": "/orders.Orders/GetOrder", "status": 200,
                "grpc_status": "UNAVAILABLE", "grpc_status_code": 14}
        got = {k: fields.get(k) for k in want}
        if got != want or not isinstance(fields.get("latency_ms"), float):
            problems.append(f"request 3: access line fields {got}, latency_ms "
                            f"{fields.get('latency_ms')!r}: {access[0]}")
    for kind in ("Server", "Client"):
        s = find_span(spans, kind, "orders.Orders/GetOrder")
        if not s["status"].startswith("ERROR: UNAVAILABLE") \
                or s["attributes"].get("rpc.grpc.status_code") != 14:
            problems.append(f"request 3: {kind} span is not the gRPC error: {s}")
    if not find_span(spans, "Server", "GET")["status"].startswith("ERROR"):
        problems.append("request 3: the gateway's server span is not an error")

for p in problems:
    print(p, file=sys.stderr)
print(f"{len(windows)} requests, {checked} lines checked ({late} late lines of an earlier "
      f"request, {connection_lines} h2 connection-level lines outside any request), "
      f"{len(problems)} problems")
sys.exit(1 if problems else 0)
