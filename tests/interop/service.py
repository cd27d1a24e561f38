"""A Python service of the interop test, instrumented the way OpenTelemetry users do it:
the SDK with a simple span processor exporting OTLP/HTTP, the Flask and requests
instrumentations, the default propagators (W3C traceparent/tracestate and baggage).

    python service.py front PORT   # /front: sets BAGGAGE, calls $NEXT_URL with the same query
    python service.py back PORT    # /back: answers with the headers and baggage it received

Environment: OTLP_ENDPOINT (the receiver's base URL), NEXT_URL (front only).
"""

import json
import os
import sys

from flask import Flask, Response, request
from opentelemetry import baggage, context, trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.flask import FlaskInstrumentor
from opentelemetry.instrumentation.requests import RequestsInstrumentor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
import requests

from values import BAGGAGE

ROLE, PORT = sys.argv[1], int(sys.argv[2])

provider = TracerProvider(resource=Resource.create({"service.name": f"python-{ROLE}"}))
provider.add_span_processor(
    SimpleSpanProcessor(OTLPSpanExporter(endpoint=os.environ["OTLP_ENDPOINT"] + "/v1/traces"))
)
trace.set_tracer_provider(provider)

app = Flask(ROLE)
FlaskInstrumentor().instrument_app(app)
RequestsInstrumentor().instrument()


@app.route("/front")
def front():
    ctx = context.get_current()
    for key, value in BAGGAGE.items():
        ctx = baggage.set_baggage(key, value, ctx)
    token = context.attach(ctx)
    try:
        url = os.environ["NEXT_URL"]
        if request.query_string:
            url += "?" + request.query_string.decode()
        answer = requests.get(url, timeout=30)
    finally:
        context.detach(token)
    return Response(answer.content, status=answer.status_code, mimetype="application/json")


@app.route("/back")
def back():
    body = {
        "traceparent": request.headers.get("traceparent"),
        "tracestate": request.headers.get("tracestate"),
        "baggage_header": request.headers.get("baggage"),
        "baggage": {k: str(v) for k, v in baggage.get_all().items()},
        "span_id": format(trace.get_current_span().get_span_context().span_id, "016x"),
    }
    status = 503 if request.args.get("fail") else 200
    return Response(json.dumps(body), status=status, mimetype="application/json")


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=PORT, threaded=True)
