"""gRPC interop test against the OpenTelemetry Python SDK's gRPC instrumentation: a Python
client -> our tonic service (examples/grpc_interop_service) -> a Python gRPC server, all
exporting OTLP/HTTP to the receiver of run.py.

    python tests/interop/grpc_run.py COMMAND...   # COMMAND starts our service

Asserts, for a call that succeeds: one trace, the parent chain
their CLIENT -> our SERVER -> our CLIENT -> their SERVER, our spans' `rpc.*` attribute names among
those of the Python peer of the same kind (the conventions' four in both), their values equal, and status UNSET. For a call the last
service fails with UNAVAILABLE: the same chain, status ERROR on every span, both sides, and
rpc.grpc.status_code 14 on ours.
"""

import http.server
import json
import os
import subprocess
import sys
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from run import Receiver, attrs, free_port, received, received_lock, wait_for_port, wait_for_spans  # noqa: E402
from opentelemetry.proto.trace.v1.trace_pb2 import Span, Status  # noqa: E402

OUR_SERVICE = "traced-grpc-relay"


def one(spans, service, kind):
    found = [r[3] for r in spans if r[0] == service and r[3].kind == kind]
    assert len(found) == 1, (service, kind, [(r[0], r[3].name, r[3].kind) for r in spans])
    return found[0]


def rpc(span):
    return {k: v for k, v in attrs(span).items() if k.startswith("rpc.")}


def main():
    receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    otlp = f"http://127.0.0.1:{receiver.server_address[1]}"
    env = dict(os.environ, OTLP_ENDPOINT=otlp, PYTHONUNBUFFERED="1")
    processes = []
    try:
        back_port = free_port()
        back = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "grpc_peer.py"), "back", str(back_port)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        processes.append(back)
        wait_for_port(back_port, back, "python gRPC server")
        ours = subprocess.Popen(
            sys.argv[1:],
            env=dict(
                os.environ,
                NEXT_ADDR=f"127.0.0.1:{back_port}",
                OTEL_EXPORTER_OTLP_ENDPOINT=otlp,
                OTEL_SERVICE_NAME=OUR_SERVICE,
                OTEL_TRACES_SAMPLER="parentbased_always_on",
                OTEL_BSP_SCHEDULE_DELAY="100",
            ),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )
        processes.append(ours)
        line = ours.stdout.readline()
        assert line.startswith("listening on "), line
        our_addr = line.strip().rsplit(" ", 1)[1]

        front = subprocess.run(
            [sys.executable, os.path.join(HERE, "grpc_peer.py"), "front", our_addr, "42", "fail"],
            env=env, capture_output=True, text=True, timeout=120,
        )
        assert front.returncode == 0, front.stderr
        answers = [json.loads(line) for line in front.stdout.splitlines()]
        assert answers == [
            {"id": "42", "code": "OK", "order": "42"},
            {"id": "fail", "code": "UNAVAILABLE"},
        ], answers

        ours.stdin.close()
        assert ours.wait(timeout=120) == 0, ours.returncode

        with received_lock:
            clients = [r[3] for r in received
                       if r[0] == "python-grpc-front" and r[3].kind == Span.SPAN_KIND_CLIENT]
        assert len(clients) == 2, clients
        ok, failing = sorted(clients, key=lambda s: s.status.code == Status.STATUS_CODE_ERROR)
        check(wait_for_spans(ok.trace_id.hex(), 4), failed=False)
        check(wait_for_spans(failing.trace_id.hex(), 4), failed=True)
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()
                process.wait()
    print("grpc interop: OK")


def check(spans, failed):
    assert len(spans) == 4, [(r[0], r[3].name) for r in spans]
    their_client = one(spans, "python-grpc-front", Span.SPAN_KIND_CLIENT)
    our_server = one(spans, OUR_SERVICE, Span.SPAN_KIND_SERVER)
    our_client = one(spans, OUR_SERVICE, Span.SPAN_KIND_CLIENT)
    their_server = one(spans, "python-grpc-back", Span.SPAN_KIND_SERVER)

    # One trace, and the parent chain through us.
    assert our_server.parent_span_id == their_client.span_id, "our SERVER under their CLIENT"
    assert our_client.parent_span_id == our_server.span_id
    assert their_server.parent_span_id == our_client.span_id, "their SERVER under our CLIENT"

    # Our rpc.* attributes: the names (and values) the Python instrumentation uses.
    assert our_server.name == "orders.Orders/GetOrder", our_server.name
    assert our_client.name == "orders.Orders/GetOrder", our_client.name
    code = 14 if failed else 0
    core = {"rpc.system", "rpc.service", "rpc.method", "rpc.grpc.status_code"}
    for ours, theirs in ((our_server, their_server), (our_client, their_client)):
        # Every rpc.* name of ours is one of theirs, and the conventions' four are in both
        # (their server adds `rpc.user_agent`, which is not in the conventions).
        assert core <= set(rpc(ours)) <= set(rpc(theirs)), (rpc(ours), rpc(theirs))
        for key in ("rpc.system", "rpc.service", "rpc.method"):
            assert rpc(ours)[key] == rpc(theirs)[key], (key, rpc(ours), rpc(theirs))
        assert rpc(ours)["rpc.grpc.status_code"] == code, rpc(ours)
    print(f"  {'failing' if failed else 'ok'} call: ours {sorted(rpc(our_server))}, "
          f"theirs {sorted(rpc(their_server))} / {sorted(rpc(their_client))}")

    expected = Status.STATUS_CODE_ERROR if failed else Status.STATUS_CODE_UNSET
    for span in (our_server, our_client):
        assert span.status.code == expected, (span.name, span.status)
    if failed:
        for span in (their_client, their_server):
            assert span.status.code == Status.STATUS_CODE_ERROR, (span.name, span.status)


if __name__ == "__main__":
    main()
