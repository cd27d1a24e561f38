"""A Python service of the interop test, instrumented the way OpenTelemetry users do it:
the SDK with a simple span processor exporting OTLP/HTTP, the Flask and requests
instrumentations, the default propagators (W3C traceparent/tracestate and baggage), and the
SDK's logging export (a `LoggingHandler` on the service's logger, simple processor, OTLP/HTTP).

    python service.py front PORT   # /front: sets BAGGAGE, calls $NEXT_URL with the same query
    python service.py back PORT    # /back: answers with the headers and baggage it received

Environment: OTLP_ENDPOINT (the receiver's base URL), NEXT_URL (front only).
"""

import json
import logging
import os
import sys
import warnings

from flask import Flask, Response, request
from opentelemetry import baggage, context, trace
from opentelemetry._logs import set_logger_provider
from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.flask import FlaskInstrumentor
from opentelemetry.instrumentation.requests import RequestsInstrumentor
from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler
from opentelemetry.sdk._logs.export import SimpleLogRecordProcessor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
import requests

from values import BAGGAGE

ROLE, PORT = sys.argv[1], int(sys.argv[2])

resource = Resource.create({"service.name": f"python-{ROLE}"})
provider = TracerProvider(resource=resource)
provider.add_span_processor(
    SimpleSpanProcessor(OTLPSpanExporter(endpoint=os.environ["OTLP_ENDPOINT"] + "/v1/traces"))
)
trace.set_tracer_provider(provider)

# Log records to OTLP, with the trace-id and span-id of the span current when logged. Only the
# service's own logger: the exporter's HTTP client logs would be exported in turn.
logger_provider = LoggerProvider(resource=resource)
logger_provider.add_log_record_processor(
    SimpleLogRecordProcessor(OTLPLogExporter(endpoint=os.environ["OTLP_ENDPOINT"] + "/v1/logs"))
)
set_logger_provider(logger_provider)
with warnings.catch_warnings():
    # Deprecated in favour of opentelemetry-instrumentation-logging, still the SDK's own mapping.
    warnings.simplefilter("ignore", DeprecationWarning)
    handler = LoggingHandler(level=logging.INFO, logger_provider=logger_provider)
log = logging.getLogger(f"python-{ROLE}")
log.setLevel(logging.INFO)
log.addHandler(handler)

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
        log.info("calling %s", url, extra={"hop": ROLE})
        answer = requests.get(url, timeout=30)
        if answer.status_code >= 500:
            log.warning("the next service answered %d", answer.status_code, extra={"hop": ROLE})
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
    log.info("answering %d", status, extra={"hop": ROLE})
    return Response(json.dumps(body), status=status, mimetype="application/json")


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=PORT, threaded=True)
