"""Differential test: traced's propagation driver against OpenTelemetry's Python propagators
(opentelemetry-propagator-b3, -jaeger, -aws-xray, -gcp; versions pinned in requirements.txt).

    python tests/interop/propagators.py COMMAND...   # COMMAND runs examples/propagation_driver

For every case of the fixed-seed corpus (propagator_corpus.py), both sides extract; then:
- both must agree on validity, and when valid on trace-id, span-id and the sampled flag;
- what traced injects must be read back by the Python propagator as the same context;
- what both inject for the extracted context must be byte-equal.
Every disagreement must be one listed in KNOWN below (and in PROPAGATION.md, with the format's
text that decides it); any other fails the run. Prints the corpus size and the disagreements
per format.
"""

import json
import subprocess
import sys
from collections import Counter, defaultdict

from opentelemetry import trace
from opentelemetry.propagators.aws import AwsXRayPropagator
from opentelemetry.propagators.b3 import B3MultiFormat, B3SingleFormat
from opentelemetry.propagators.cloud_trace_propagator import CloudTraceFormatPropagator
from opentelemetry.propagators.jaeger import JaegerPropagator
from opentelemetry.propagators.textmap import Getter

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from propagator_corpus import corpus  # noqa: E402

PEERS = {
    "b3": B3SingleFormat(),
    "b3multi": B3MultiFormat(),
    "jaeger": JaegerPropagator(),
    "xray": AwsXRayPropagator(),
    "gcp_trace": CloudTraceFormatPropagator(),
}

# (tag, kind) -> reason. kind: "ours_invalid" (traced rejects what the peer accepts),
# "ours_valid" (the reverse), "sampled" (the sampled flags differ), "deferred" (traced reports
# the decision as deferred, the peer picks one), "inject" (the bytes written differ).
KNOWN = {
    ("b3.uppercase", "ours_invalid"): "B3: ids are 'lower-hex'",
    ("b3.uppercase_span", "ours_invalid"): "B3: ids are 'lower-hex'",
    ("b3.padding", "ours_valid"): "RFC 9110 5.5: whitespace around a field value is not part of it",
    ("b3.bad_sampling", "ours_invalid"): "B3: sampling state is 0, 1 or d",
    ("b3.unicode", "ours_invalid"): "B3: sampling state is 0, 1 or d",
    ("b3.bad_parent", "ours_invalid"): "B3: ParentSpanId is 16 lower-hex characters",
    ("b3.parent_without_sampling", "ours_invalid"): "B3: b3={TraceId}-{SpanId}-{SamplingState}-{ParentSpanId}",
    ("b3.deferred", "deferred"): "B3: absent sampling state means defer",
    ("b3multi.uppercase", "ours_invalid"): "B3: ids are 'lower-hex'",
    ("b3multi.padding", "ours_valid"): "RFC 9110 5.5: whitespace around a field value is not part of it",
    ("b3multi.bad_sampled", "ours_invalid"): "B3: X-B3-Sampled is 1 or 0 (true/false leniently)",
    ("b3multi.flags", "ours_invalid"): "B3: debug is X-B3-Flags: 1",
    ("b3multi.bad_parent", "ours_invalid"): "B3: X-B3-ParentSpanId is 16 lower-hex characters",
    ("b3multi.deferred", "deferred"): "B3: absent X-B3-Sampled means defer",
    ("b3multi.single_wins", "ours_valid"): "B3: the single header takes precedence (peer B3MultiFormat also reads b3; agrees)",
    ("jaeger.padding", "ours_valid"): "RFC 9110 5.5: whitespace around a field value is not part of it",
    ("jaeger.trace_too_long", "ours_invalid"): "Jaeger: trace-id is 64 or 128 bits (at most 32 hex digits)",
    ("jaeger.url_encoded", "ours_valid"): "Jaeger clients URL-encode header values over HTTP (%3A for ':')",
    ("jaeger.bad_flags", "ours_invalid"): "Jaeger: flags are one byte, as hex digits",
    ("jaeger.bad_parent", "ours_invalid"): "Jaeger: parent-span-id is a 64-bit base16 number (0 when none)",
    ("jaeger.int_syntax", "ours_invalid"): "Jaeger: ids are base16 digits (no 0x, sign or spaces)",
    ("jaeger.underscore", "ours_invalid"): "Jaeger: ids are base16 digits (no separators)",
    ("jaeger.valid", "inject"): "Jaeger: parent-span-id deprecated, written 0; flags as received in the sampled bit (the peer adds debug 0x02 to every sampled span and writes the parent as 16 zeros)",
    ("jaeger.valid_parent", "inject"): "as jaeger.valid",
    ("jaeger.valid_64bit", "inject"): "as jaeger.valid",
    ("jaeger.short_ids", "inject"): "as jaeger.valid",
    ("jaeger.uppercase", "inject"): "as jaeger.valid",
    ("jaeger.padding", "inject"): "as jaeger.valid",
    ("jaeger.baggage", "inject"): "as jaeger.valid",
    ("jaeger.header_case", "inject"): "as jaeger.valid",
    ("jaeger.int_syntax", "inject"): "as jaeger.valid (a leading space is trimmed by both)",
    ("xray.root_only", "ours_valid"): "X-Ray: a load balancer that starts a trace sends Root without Parent",
    ("xray.sampled_requested", "ours_valid"): "X-Ray: Sampled=? asks the receiver to decide",
    ("xray.deferred", "deferred"): "X-Ray: no Sampled field leaves the decision to the receiver",
    ("xray.uppercase", "ours_invalid"): "X-Ray: trace ids are lowercase hex as documented",
    ("xray.duplicate_key", "ours_invalid"): "a repeated Parent is ambiguous; the peer keeps the last",
    ("gcp.padding", "ours_valid"): "RFC 9110 5.5: whitespace around a field value is not part of it",
    ("gcp.options_value", "ours_invalid"): "Cloud Trace: OPTIONS supports 0 and 1",
    ("gcp.deferred", "deferred"): "Cloud Trace: o= is optional; without it the receiver decides",
    ("gcp.bad_options", "ours_invalid"): "Cloud Trace: TRACE_ID/SPAN_ID;o=OPTIONS and nothing else",
}


class CaseInsensitiveGetter(Getter):
    """What an HTTP framework gives a propagator: header names compared ignoring case."""

    def get(self, carrier, key):
        values = [v for k, v in carrier.items() if k.lower() == key.lower()]
        return values or None

    def keys(self, carrier):
        return list(carrier.keys())


GETTER = CaseInsensitiveGetter()


def peer_extract(fmt, headers):
    ctx = PEERS[fmt].extract(headers, getter=GETTER)
    sc = trace.get_current_span(ctx).get_span_context()
    if not sc.is_valid:
        return None, ctx
    return {
        "trace_id": f"{sc.trace_id:032x}",
        "span_id": f"{sc.span_id:016x}",
        "sampled": sc.trace_flags.sampled,
    }, ctx


def peer_inject(fmt, ctx):
    out = {}
    PEERS[fmt].inject(out, context=ctx)
    return {k.lower(): v for k, v in out.items()}


def run_driver(command, lines):
    proc = subprocess.run(
        command,
        input="".join(json.dumps(line) + "\n" for line in lines),
        capture_output=True,
        text=True,
        check=True,
    )
    answers = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(answers) == len(lines), (len(answers), len(lines), proc.stderr[-2000:])
    return answers


def compare(fmt, tag, headers, ours):
    """The kinds of disagreement of one case (empty: full agreement)."""
    theirs, peer_ctx = peer_extract(fmt, headers)
    kinds = []
    if ours["valid"] != (theirs is not None):
        kinds.append("ours_valid" if ours["valid"] else "ours_invalid")
        return kinds
    if theirs is None:
        return kinds
    for key in ("trace_id", "span_id"):
        if ours[key] != theirs[key]:
            kinds.append(f"{key}_differs")
    if ours["sampled"] is None:
        kinds.append("deferred")
    elif ours["sampled"] != theirs["sampled"]:
        kinds.append("sampled")
    # The peer reads back what traced writes as the same context.
    back, _ = peer_extract(fmt, ours["inject"])
    if back is None or back["trace_id"] != ours["trace_id"] or back["span_id"] != ours["span_id"]:
        kinds.append("inject_unreadable")
    elif ours["sampled"] is not None and back["sampled"] != ours["sampled"]:
        kinds.append("inject_sampled")
    # Byte-equal injection of the same context (traced's baggage headers aside).
    mine = {k: v for k, v in ours["inject"].items() if not k.startswith("uberctx-") and k != "baggage"}
    peer = {k: v for k, v in peer_inject(fmt, peer_ctx).items() if not k.startswith("uberctx-")}
    if mine != peer and "deferred" not in kinds:
        kinds.append("inject")
    return kinds


def garbage(seed=21, n=400):
    """Lines the driver must survive: broken JSON, wrong types, random header values."""
    import random

    rng = random.Random(seed)
    alphabet = "0123456789abcdefABCDEF-:;=/ ?%\t\u00e9\u0000\ufffd"
    names = ["b3", "x-b3-traceid", "x-b3-spanid", "x-b3-sampled", "x-b3-flags", "uber-trace-id",
             "uberctx-k", "x-amzn-trace-id", "x-cloud-trace-context", "traceparent", "baggage"]
    lines = ["{", "[]", "null", '{"formats": "b3"}', '{"formats": [1], "headers": {}}',
             '{"formats": ["nope"], "headers": {}}', '{"formats": ["b3"], "headers": {"b3": 7}}',
             '{"formats": ["b3"], "headers": []}', "\u00ff" * 3]
    for _ in range(n):
        fmts = rng.sample(list(PEERS) + ["tracecontext", "baggage"], rng.randint(1, 3))
        headers = {rng.choice(names): "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 90)))
                   for _ in range(rng.randint(0, 4))}
        lines.append(json.dumps({"formats": fmts, "headers": headers}))
    return lines


def main():
    command = sys.argv[1:]
    if not command:
        sys.exit(__doc__)
    cases = corpus()
    lines = [{"formats": [fmt], "headers": h} for fmt, cs in cases.items() for _, h in cs]
    answers = iter(run_driver(command, lines))
    unknown = []
    seen = defaultdict(Counter)
    for fmt, cs in cases.items():
        for tag, headers in cs:
            ours = next(answers)
            for kind in compare(fmt, tag, headers, ours):
                seen[fmt][(tag, kind)] += 1
                if (tag, kind) not in KNOWN:
                    unknown.append((fmt, tag, kind, headers, ours))
    for fmt, cs in cases.items():
        total = sum(seen[fmt].values())
        print(f"{fmt}: {len(cs)} cases, {total} documented disagreements")
        for (tag, kind), n in sorted(seen[fmt].items()):
            print(f"    {n:4d} {tag} [{kind}]: {KNOWN.get((tag, kind), 'UNEXPLAINED')}")
    for fmt, tag, kind, headers, ours in unknown[:20]:
        print(f"UNEXPLAINED {fmt} {tag} [{kind}]: {headers} -> {ours}", file=sys.stderr)
    if unknown:
        sys.exit(f"{len(unknown)} unexplained disagreements")
    # Never a panic: one JSON answer per line, whatever the line.
    junk = garbage()
    proc = subprocess.run(command, input="\n".join(junk) + "\n", capture_output=True, text=True, check=True)
    answers = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(answers) == len(junk) and all(isinstance(a.get("valid"), bool) for a in answers), proc.stderr[-2000:]
    print(f"garbage: {len(junk)} lines, {sum(not a['valid'] for a in answers)} rejected, no panic")
    total = sum(len(cs) for cs in cases.values()) + len(junk)
    print(f"{total} passed, 0 failed")


if __name__ == "__main__":
    main()
