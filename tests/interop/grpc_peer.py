"""A Python gRPC peer of the gRPC interop test, instrumented the way OpenTelemetry users do it:
the SDK with a simple span processor exporting OTLP/HTTP and the gRPC instrumentation
(`GrpcInstrumentorServer` / `GrpcInstrumentorClient`), default propagators.

    python grpc_peer.py back PORT            # serves orders.Orders/GetOrder; id "fail": UNAVAILABLE
    python grpc_peer.py front ADDR ID...     # calls GetOrder(ID) on ADDR for each ID; prints one
                                             # JSON line per call: trace_id, code, order

No generated code: the messages of examples/proto/orders.proto are encoded by hand (a string in
field 1, and field 2 for `Order.status`), with generic handlers and raw-bytes (de)serializers.
Environment: OTLP_ENDPOINT (the receiver's base URL).
"""

import json
import os
import sys
from concurrent import futures

import grpc
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.grpc import GrpcInstrumentorClient, GrpcInstrumentorServer
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

ROLE = sys.argv[1]
METHOD = "/orders.Orders/GetOrder"

provider = TracerProvider(resource=Resource.create({"service.name": f"python-grpc-{ROLE}"}))
provider.add_span_processor(
    SimpleSpanProcessor(OTLPSpanExporter(endpoint=os.environ["OTLP_ENDPOINT"] + "/v1/traces"))
)
trace.set_tracer_provider(provider)


def field(number, text):
    data = text.encode()
    assert len(data) < 128
    return bytes([number << 3 | 2, len(data)]) + data


def first_string(message):
    """Field 1 of a message whose fields are short strings."""
    i = 0
    while i < len(message):
        key, length = message[i], message[i + 1]
        if key >> 3 == 1:
            return message[i + 2:i + 2 + length].decode()
        i += 2 + length
    return ""


def get_order(request, context):
    order_id = first_string(request)
    if order_id == "fail":
        context.abort(grpc.StatusCode.UNAVAILABLE, "order store unavailable")
    return field(1, order_id) + field(2, "shipped")


def serve(port):
    GrpcInstrumentorServer().instrument()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    handler = grpc.method_handlers_generic_handler(
        "orders.Orders", {"GetOrder": grpc.unary_unary_rpc_method_handler(get_order)}
    )
    server.add_generic_rpc_handlers((handler,))
    server.add_insecure_port(f"127.0.0.1:{port}")
    server.start()
    server.wait_for_termination()


def call(addr, ids):
    GrpcInstrumentorClient().instrument()
    with grpc.insecure_channel(addr) as channel:
        get = channel.unary_unary(METHOD)
        for order_id in ids:
            # The instrumentation's CLIENT span is the root of the trace; its trace-id is read
            # back from the exported spans by the test, matched on the order id.
            try:
                answer = get(field(1, order_id), timeout=30)
                print(json.dumps({"id": order_id, "code": "OK", "order": first_string(answer)}))
            except grpc.RpcError as error:
                print(json.dumps({"id": order_id, "code": error.code().name}))
    provider.force_flush()


if __name__ == "__main__":
    if ROLE == "back":
        serve(int(sys.argv[2]))
    else:
        call(sys.argv[2], sys.argv[3:])
