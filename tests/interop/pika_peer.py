"""A Python peer of tests/interop/pika_run.py, instrumented with OpenTelemetry's pika
instrumentation, exporting OTLP/HTTP to $OTLP_ENDPOINT.

    python pika_peer.py produce QUEUE   # publishes one message (a PRODUCER span, new trace)
    python pika_peer.py consume QUEUE   # consumes one message (a CONSUMER span), prints its trace-id
"""

import os
import sys

import pika
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.pika import PikaInstrumentor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor


def main():
    role, queue = sys.argv[1], sys.argv[2]
    provider = TracerProvider(resource=Resource.create({"service.name": f"python-{role}"}))
    provider.add_span_processor(
        SimpleSpanProcessor(OTLPSpanExporter(endpoint=os.environ["OTLP_ENDPOINT"] + "/v1/traces"))
    )
    trace.set_tracer_provider(provider)
    PikaInstrumentor().instrument(tracer_provider=provider)

    parameters = pika.URLParameters(os.environ["AMQP_URL"])
    connection = pika.BlockingConnection(parameters)
    channel = connection.channel()
    channel.queue_declare(queue=queue)
    if role == "produce":
        channel.basic_publish(exchange="", routing_key=queue, body=b"order from python")
    else:
        def on_message(channel, method, properties, body):
            span = trace.get_current_span().get_span_context()
            print(f"consumed {body!r} in trace {span.trace_id:032x}", flush=True)
            channel.basic_ack(delivery_tag=method.delivery_tag)
            channel.stop_consuming()

        channel.basic_consume(queue=queue, on_message_callback=on_message)
        channel.start_consuming()
    connection.close()
    provider.shutdown()


if __name__ == "__main__":
    main()
