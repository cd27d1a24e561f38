"""Interop test with OpenTelemetry Python's pika instrumentation, through a real RabbitMQ:

    python producer -> RabbitMQ -> traced (examples/amqp_relay) -> RabbitMQ -> python consumer

everyone exporting OTLP/HTTP to a receiver in this script (decoded with the official proto
classes, as tests/interop/run.py does).

    AMQP_URL=amqp://127.0.0.1:5672/%2f python tests/interop/pika_run.py COMMAND...
    # COMMAND starts the relay, e.g. target/debug/examples/amqp_relay

Asserts one trace-id end to end; the parent chain python PRODUCER -> traced CONSUMER ->
traced PRODUCER -> python CONSUMER; on traced's spans `messaging.system` = rabbitmq and
`messaging.destination.name` = the queue (pika's spans carry the older `messaging.destination`
with the same value), `messaging.operation.type` = process / send.
"""

import os
import subprocess
import sys
import threading
import time
import uuid
import http.server

from opentelemetry.proto.trace.v1.trace_pb2 import Span

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import run  # noqa: E402  (the OTLP receiver)

OUR_SERVICE = "traced-amqp-relay"


def main():
    receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), run.Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    otlp = f"http://127.0.0.1:{receiver.server_address[1]}"
    suffix = uuid.uuid4().hex[:8]
    q_in, q_out = f"pika-in-{suffix}", f"pika-out-{suffix}"
    peer_env = dict(os.environ, OTLP_ENDPOINT=otlp, PYTHONUNBUFFERED="1")

    relay = subprocess.Popen(
        sys.argv[1:] + [q_in, q_out, "1"],
        env=dict(
            os.environ,
            OTEL_EXPORTER_OTLP_ENDPOINT=otlp,
            OTEL_SERVICE_NAME=OUR_SERVICE,
            OTEL_TRACES_SAMPLER="parentbased_always_on",
            OTEL_BSP_SCHEDULE_DELAY="100",
        ),
        stdout=subprocess.PIPE, text=True,
    )
    try:
        line = relay.stdout.readline()
        assert line.strip() == "ready", line
        peer = os.path.join(HERE, "pika_peer.py")
        subprocess.run([sys.executable, peer, "produce", q_in], env=peer_env, check=True, timeout=60)
        consumed = subprocess.run(
            [sys.executable, peer, "consume", q_out], env=peer_env, check=True, timeout=60,
            capture_output=True, text=True,
        ).stdout
        print(consumed.strip())
        assert relay.wait(timeout=60) == 0, relay.returncode
    finally:
        if relay.poll() is None:
            relay.terminate()
            relay.wait()

    trace_id = consumed.strip().rsplit(" ", 1)[1]
    spans = run.wait_for_spans(trace_id, 4)
    time.sleep(0.5)  # anything more that would arrive
    spans = run.spans_of(trace_id)
    # pika's instrumentation (0.66b1) wraps both BlockingChannel.basic_publish and the channel
    # implementation's basic_publish under it, so one publish gives two nested PRODUCER spans;
    # the inner one's ids are the ones in the headers.
    producers = [r[3] for r in spans if r[0] == "python-produce"]
    assert 1 <= len(producers) <= 2, [(r[0], r[3].name) for r in spans]
    assert all(p.kind == Span.SPAN_KIND_PRODUCER for p in producers)
    inner = [p for p in producers if p.parent_span_id in {q.span_id for q in producers}]
    producer = inner[0] if inner else producers[0]
    assert len(spans) == len(producers) + 3, [(r[0], r[3].name) for r in spans]
    our_consumer = run.one(spans, OUR_SERVICE, Span.SPAN_KIND_CONSUMER)[3]
    our_producer = run.one(spans, OUR_SERVICE, Span.SPAN_KIND_PRODUCER)[3]
    consumer = run.one(spans, "python-consume", Span.SPAN_KIND_CONSUMER)[3]
    assert our_consumer.parent_span_id == producer.span_id, "traced CONSUMER under python PRODUCER"
    assert our_producer.parent_span_id == our_consumer.span_id, "traced PRODUCER under its CONSUMER"
    assert consumer.parent_span_id == our_producer.span_id, "python CONSUMER under traced PRODUCER"

    assert our_consumer.name == f"process {q_in}", our_consumer.name
    assert our_producer.name == f"publish {q_out}", our_producer.name
    for span, queue, operation in ((our_consumer, q_in, "process"), (our_producer, q_out, "send")):
        attributes = run.attrs(span)
        assert attributes["messaging.system"] == "rabbitmq", attributes
        assert attributes["messaging.destination.name"] == queue, attributes
        assert attributes["messaging.operation.type"] == operation, attributes
    # pika's spans: the older name of the same value.
    assert run.attrs(producer)["messaging.destination"] == q_in, run.attrs(producer)
    assert run.attrs(consumer)["messaging.destination"] == q_out, run.attrs(consumer)
    print(f"pika interop: OK (trace {trace_id}: python PRODUCER -> traced CONSUMER -> traced PRODUCER -> python CONSUMER)")


if __name__ == "__main__":
    main()
