"""Interop test against the OpenTelemetry Python SDK: Python service -> our service -> Python
service, all exporting OTLP/HTTP to a receiver in this script that decodes with the official
proto classes (opentelemetry-proto).

    python tests/interop/run.py COMMAND...   # COMMAND starts our service (examples/interop_service)

Asserts, for a sampled request: one trace-id end to end; the parent chain
front SERVER -> front CLIENT -> our SERVER -> our CLIENT -> back SERVER; the HTTP attributes,
names, kinds and status of our spans (OpenTelemetry's stable HTTP conventions) and their
instrumentation scope; tracestate byte-exact; the baggage set in the first service decoded
equal in the last. For a request answered 503 downstream: ERROR status and error.type on our
spans. For an unsampled request: nothing exported by us, flag 00 propagated.

Log records (all three services export them: ours through traced's logger, the Python ones
through the SDK's LoggingHandler): all three services' records of a request share its
trace-id; each of our records carries the span-id of a span we exported, each Python record
one of its service's spans; our severities (number and text) and attributes (`code.file.path`,
`code.line.number`, a key-value like Python's `extra`) map as the Python SDK maps its own; our
instrumentation scope is the record's target.
"""

import gzip
import http.server
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request

from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.trace.v1.trace_pb2 import Span, Status

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from values import BAGGAGE, TRACESTATE  # noqa: E402

OUR_SERVICE = "traced-relay"

# (service.name, scope name, scope version, Span) of everything received.
received = []
# (service.name, scope name, LogRecord) of every log record received.
received_logs = []
received_lock = threading.Lock()


def service_name(resource):
    return next(
        (a.value.string_value for a in resource.attributes if a.key == "service.name"), None
    )


class Receiver(http.server.BaseHTTPRequestHandler):
    """An OTLP/HTTP trace receiver: protobuf bodies, optionally gzip-compressed."""

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        if self.path == "/v1/logs":
            request = ExportLogsServiceRequest()
            request.ParseFromString(body)
            with received_lock:
                for resource_logs in request.resource_logs:
                    service = service_name(resource_logs.resource)
                    for scope_logs in resource_logs.scope_logs:
                        for record in scope_logs.log_records:
                            received_logs.append((service, scope_logs.scope.name, record))
            self.answer()
            return
        request = ExportTraceServiceRequest()
        request.ParseFromString(body)
        with received_lock:
            for resource_spans in request.resource_spans:
                service = next(
                    (a.value.string_value for a in resource_spans.resource.attributes
                     if a.key == "service.name"),
                    None,
                )
                for scope_spans in resource_spans.scope_spans:
                    for span in scope_spans.spans:
                        received.append(
                            (service, scope_spans.scope.name, scope_spans.scope.version, span)
                        )
        self.answer()

    def answer(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, process, name):
    for _ in range(600):
        if process.poll() is not None:
            raise SystemExit(f"{name} exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"{name} is not listening on {port}")


def get(url, headers):
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def spans_of(trace_id):
    with received_lock:
        return [r for r in received if r[3].trace_id.hex() == trace_id]


def wait_for_spans(trace_id, count):
    """The spans of trace_id once `count` have arrived (exports are asynchronous)."""
    for _ in range(300):
        spans = spans_of(trace_id)
        if len(spans) >= count:
            return spans
        time.sleep(0.1)
    raise AssertionError(f"trace {trace_id}: {len(spans_of(trace_id))} of {count} spans")


def attrs(span):
    out = {}
    for a in span.attributes:
        v = a.value
        out[a.key] = v.int_value if v.HasField("int_value") else v.string_value
    return out


def one(spans, service, kind):
    found = [r for r in spans if r[0] == service and r[3].kind == kind]
    assert len(found) == 1, (service, kind, [(r[0], r[3].name, r[3].kind) for r in spans])
    return found[0]


def main():
    receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    otlp = f"http://127.0.0.1:{receiver.server_address[1]}"

    front_port, back_port = free_port(), free_port()
    env = dict(os.environ, OTLP_ENDPOINT=otlp, PYTHONUNBUFFERED="1")
    processes = []

    def python_service(role, port, **extra):
        process = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "service.py"), role, str(port)],
            env=dict(env, **extra), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        processes.append(process)
        wait_for_port(port, process, f"python {role}")

    try:
        python_service("back", back_port)
        ours = subprocess.Popen(
            sys.argv[1:],
            env=dict(
                os.environ,
                NEXT_URL=f"http://127.0.0.1:{back_port}/back",
                OTEL_EXPORTER_OTLP_ENDPOINT=otlp,
                OTEL_SERVICE_NAME=OUR_SERVICE,
                OTEL_TRACES_SAMPLER="parentbased_always_on",
                OTEL_BSP_SCHEDULE_DELAY="100",
                OTEL_BLRP_SCHEDULE_DELAY="100",
            ),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )
        processes.append(ours)
        line = ours.stdout.readline()
        assert line.startswith("listening on http://"), line
        our_port = int(line.strip().rsplit(":", 1)[1])
        python_service("front", front_port, NEXT_URL=f"http://127.0.0.1:{our_port}/relay")
        front = f"http://127.0.0.1:{front_port}/front"

        sampled, caller = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
        status, back = get(
            front + "?q=1",
            {"traceparent": f"00-{sampled}-{caller}-01", "tracestate": TRACESTATE},
        )
        assert status == 200, (status, back)

        failing = "5bf92f3577b34da6a3ce929d0e0e4736"
        status, _ = get(front + "?fail=1", {"traceparent": f"00-{failing}-{caller}-01"})
        assert status == 503, status

        unsampled = "6bf92f3577b34da6a3ce929d0e0e4736"
        status, back_unsampled = get(front, {"traceparent": f"00-{unsampled}-{caller}-00"})
        assert status == 200, status

        # Our service flushes its spans and exits when its stdin closes.
        ours.stdin.close()
        assert ours.wait(timeout=120) == 0, ours.returncode

        check_sampled(wait_for_spans(sampled, 5), back, sampled, caller, our_port, back_port)
        check_failing(wait_for_spans(failing, 5))
        check_unsampled(back_unsampled, unsampled)
        check_logs(sampled, failing, unsampled)
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()
                process.wait()
    print("interop: OK")


def check_sampled(spans, back, trace_id, caller, our_port, back_port):
    front_server = one(spans, "python-front", Span.SPAN_KIND_SERVER)[3]
    front_client = one(spans, "python-front", Span.SPAN_KIND_CLIENT)[3]
    service, scope, version, our_server = one(spans, OUR_SERVICE, Span.SPAN_KIND_SERVER)
    our_client = one(spans, OUR_SERVICE, Span.SPAN_KIND_CLIENT)[3]
    back_server = one(spans, "python-back", Span.SPAN_KIND_SERVER)[3]
    assert len(spans) == 5, [(r[0], r[3].name) for r in spans]

    # One trace, and the parent chain across both boundaries.
    assert front_server.parent_span_id.hex() == caller
    assert front_client.parent_span_id == front_server.span_id
    assert our_server.parent_span_id == front_client.span_id, "our SERVER under their CLIENT"
    assert our_client.parent_span_id == our_server.span_id
    assert back_server.parent_span_id == our_client.span_id, "their SERVER under our CLIENT"
    assert back["traceparent"] == f"00-{trace_id}-{our_client.span_id.hex()}-01", back
    assert back["span_id"] == back_server.span_id.hex()

    # Our spans: names, scope, attributes, status.
    assert (scope, bool(version)) == ("traced", True), (scope, version)
    assert our_server.name == "GET /relay", our_server.name
    assert our_client.name == "GET", our_client.name
    server = attrs(our_server)
    expected = {
        "http.request.method": "GET",
        "url.path": "/relay",
        "url.query": "q=1",
        "url.scheme": "http",
        "http.route": "/relay",
        "http.response.status_code": 200,
        "server.address": "127.0.0.1",
        "server.port": our_port,
        "client.address": "127.0.0.1",
        "network.protocol.version": "1.1",
    }
    for key, value in expected.items():
        assert server.get(key) == value, (key, server)
    assert server["user_agent.original"].startswith("python-requests/"), server
    assert "error.type" not in server, server
    client = attrs(our_client)
    expected = {
        "http.request.method": "GET",
        "url.full": f"http://127.0.0.1:{back_port}/back?q=1",
        "server.address": "127.0.0.1",
        "server.port": back_port,
        "http.response.status_code": 200,
    }
    for key, value in expected.items():
        assert client.get(key) == value, (key, client)
    assert "error.type" not in client, client
    for span in (our_server, our_client):
        assert span.status.code == Status.STATUS_CODE_UNSET, span.status

    # tracestate byte-exact through both Python services and ours.
    assert back["tracestate"] == TRACESTATE, back
    assert our_server.trace_state == TRACESTATE, our_server.trace_state
    # Baggage set in the first service, decoded by the last.
    assert back["baggage"] == BAGGAGE, (back["baggage"], back["baggage_header"])


def check_failing(spans):
    our_server = one(spans, OUR_SERVICE, Span.SPAN_KIND_SERVER)[3]
    our_client = one(spans, OUR_SERVICE, Span.SPAN_KIND_CLIENT)[3]
    client, server = attrs(our_client), attrs(our_server)
    assert our_client.status.code == Status.STATUS_CODE_ERROR, our_client.status
    assert (client["http.response.status_code"], client["error.type"]) == (503, "503"), client
    assert our_server.status.code == Status.STATUS_CODE_ERROR, "5xx fails a server span"
    assert (server["http.response.status_code"], server["error.type"]) == (503, "503"), server


def check_unsampled(back, trace_id):
    assert back["traceparent"].startswith(f"00-{trace_id}-"), back
    assert back["traceparent"].endswith("-00"), "flag 00 propagated"
    ours = [r for r in spans_of(trace_id) if r[0] == OUR_SERVICE]
    assert ours == [], "an unsampled request exports nothing from us"


def logs_of(trace_id):
    with received_lock:
        return [r for r in received_logs if r[2].trace_id.hex() == trace_id]


def log_attrs(record):
    out = {}
    for a in record.attributes:
        v = a.value
        out[a.key] = v.int_value if v.HasField("int_value") else v.string_value
    return out


def body(record):
    return record.body.string_value


def severity(record):
    return (record.severity_number, record.severity_text)


def check_logs(sampled, failing, unsampled):
    services = {"python-front", OUR_SERVICE, "python-back"}
    logs = logs_of(sampled)
    assert {r[0] for r in logs} == services, [(r[0], body(r[2])) for r in logs]

    # Every record's span-id is a span its own service exported.
    spans = spans_of(sampled)
    for service, scope, record in logs:
        own_spans = {s[3].span_id for s in spans if s[0] == service}
        assert record.span_id in own_spans, (service, body(record), record.span_id.hex())
        assert record.flags & 0xFF == 1, (service, record.flags)

    ours = [r for r in logs if r[0] == OUR_SERVICE]
    calling = next(r[2] for r in ours if body(r[2]).startswith("calling "))
    our_server = one(spans, OUR_SERVICE, Span.SPAN_KIND_SERVER)[3]
    assert calling.span_id == our_server.span_id, "the handler's line is in our SERVER span"
    assert all(r[1] == "interop" for r in ours), {r[1] for r in ours}
    front_calling = next(
        r[2] for r in logs if r[0] == "python-front" and body(r[2]).startswith("calling ")
    )

    # Severity and attributes as the Python SDK maps its own.
    assert severity(calling) == severity(front_calling) == (9, "INFO"), (
        severity(calling), severity(front_calling))
    ours_attrs, theirs = log_attrs(calling), log_attrs(front_calling)
    for key in ("code.file.path", "code.line.number", "hop"):
        assert key in ours_attrs and key in theirs, (key, ours_attrs, theirs)
        assert type(ours_attrs[key]) is type(theirs[key]), (key, ours_attrs, theirs)
    assert ours_attrs["hop"] == "relay" and theirs["hop"] == "front", (ours_attrs, theirs)
    assert ours_attrs["code.file.path"].endswith("interop_service.rs"), ours_attrs
    assert ours_attrs["code.line.number"] > 0, ours_attrs
    assert calling.time_unix_nano > 0 and calling.observed_time_unix_nano > 0

    # WARN: our 5xx line and the Python front's.
    failing_logs = logs_of(failing)
    our_warn = next(r[2] for r in failing_logs if r[0] == OUR_SERVICE and r[2].severity_number == 13)
    front_warn = next(
        r[2] for r in failing_logs if r[0] == "python-front" and body(r[2]).startswith("the next")
    )
    assert severity(our_warn) == severity(front_warn) == (13, "WARN"), (
        severity(our_warn), severity(front_warn))
    assert body(our_warn) == "the next service answered 503", body(our_warn)

    # Log records are not sampled: an unsampled request's are exported, with flag 00.
    ours_unsampled = [r[2] for r in logs_of(unsampled) if r[0] == OUR_SERVICE]
    assert ours_unsampled and all(r.flags & 0xFF == 0 for r in ours_unsampled), ours_unsampled


if __name__ == "__main__":
    main()
