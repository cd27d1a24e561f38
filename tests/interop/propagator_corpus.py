"""A fixed-seed corpus of propagation headers per format: valid values, edge cases and
malformed ones (lengths, case, padding, missing parts, sampling values, 64-bit trace ids).

Each case is (tag, headers): the tag names what the case exercises, so that a disagreement with
a peer can be traced to the rule that decides it (see KNOWN in propagators.py).

    python tests/interop/propagator_corpus.py [SEED]   # prints the corpus as JSON lines
"""

import json
import random
import sys

SEED = 21
PER_FORMAT = 120  # random valid bases per format; each also yields its mutations


def hexs(rng, n, upper=False):
    s = "".join(rng.choice("0123456789abcdef") for _ in range(n))
    if s.strip("0") == "":
        s = s[:-1] + "1"
    return s.upper() if upper else s


def b3_single(rng):
    out = []
    for _ in range(PER_FORMAT):
        t32, t16, s, p = hexs(rng, 32), hexs(rng, 16), hexs(rng, 16), hexs(rng, 16)
        samp = rng.choice(["1", "0", "d"])
        out += [
            ("b3.valid", {"b3": f"{t32}-{s}-{samp}"}),
            ("b3.valid_parent", {"b3": f"{t32}-{s}-{samp}-{p}"}),
            ("b3.valid_64bit", {"b3": f"{t16}-{s}-{samp}"}),
            ("b3.deferred", {"b3": f"{t32}-{s}"}),
        ]
        mutation = rng.randrange(16)
        if mutation == 0:
            out.append(("b3.uppercase", {"b3": f"{t32.upper()}-{s}-{samp}"}))
        elif mutation == 1:
            out.append(("b3.padding", {"b3": f" {t32}-{s}-{samp}\t"}))
        elif mutation == 2:
            n = rng.choice([1, 15, 17, 20, 31, 33, 40])
            out.append(("b3.trace_length", {"b3": f"{hexs(rng, n)}-{s}-{samp}"}))
        elif mutation == 3:
            n = rng.choice([1, 8, 15, 17, 32])
            out.append(("b3.span_length", {"b3": f"{t32}-{hexs(rng, n)}-{samp}"}))
        elif mutation == 4:
            bad = rng.choice(["2", "x", "true", "D", "01", ""])
            out.append(("b3.bad_sampling", {"b3": f"{t32}-{s}-{bad}"}))
        elif mutation == 5:
            bad = rng.choice([hexs(rng, 15), p.upper(), "0" * 16, "xyz"])
            out.append(("b3.bad_parent", {"b3": f"{t32}-{s}-{samp}-{bad}"}))
        elif mutation == 6:
            out.append(("b3.zero_ids", {"b3": rng.choice([f"{'0' * 32}-{s}-1", f"{t32}-{'0' * 16}-1"])}))
        elif mutation == 7:
            out.append(("b3.too_many_fields", {"b3": f"{t32}-{s}-{samp}-{p}-{p}"}))
        elif mutation == 8:
            out.append(("b3.sampling_only", {"b3": rng.choice(["0", "1", "d"])}))
        elif mutation == 9:
            out.append(("b3.missing_span", {"b3": rng.choice([t32, f"{t32}-", f"-{s}"])}))
        elif mutation == 10:
            pos = rng.randrange(32)
            out.append(("b3.non_hex", {"b3": f"{t32[:pos]}g{t32[pos + 1:]}-{s}-1"}))
        elif mutation == 11:
            out.append(("b3.empty", {"b3": rng.choice(["", " "])}))
        elif mutation == 12:
            out.append(("b3.parent_without_sampling", {"b3": f"{t32}-{s}--{p}"}))
        elif mutation == 13:
            out.append(("b3.header_case", {"B3": f"{t32}-{s}-{samp}"}))
        elif mutation == 14:
            out.append(("b3.uppercase_span", {"b3": f"{t32}-{s.upper()}-{samp}"}))
        else:
            out.append(("b3.unicode", {"b3": f"{t32}-{s}-\u00e9"}))
    return out


def b3_multi(rng):
    out = []
    for _ in range(PER_FORMAT):
        t32, t16, s, p = hexs(rng, 32), hexs(rng, 16), hexs(rng, 16), hexs(rng, 16)
        samp = rng.choice(["1", "0"])
        base = {"X-B3-TraceId": t32, "X-B3-SpanId": s, "X-B3-Sampled": samp}
        out += [
            ("b3multi.valid", dict(base)),
            ("b3multi.valid_parent", dict(base, **{"X-B3-ParentSpanId": p})),
            ("b3multi.valid_64bit", dict(base, **{"X-B3-TraceId": t16})),
            ("b3multi.deferred", {"X-B3-TraceId": t32, "X-B3-SpanId": s}),
            ("b3multi.debug", {"X-B3-TraceId": t32, "X-B3-SpanId": s, "X-B3-Flags": "1"}),
        ]
        mutation = rng.randrange(13)
        if mutation == 0:
            out.append(("b3multi.uppercase", dict(base, **{"X-B3-TraceId": t32.upper()})))
        elif mutation == 1:
            out.append(("b3multi.padding", dict(base, **{"X-B3-SpanId": f" {s} "})))
        elif mutation == 2:
            n = rng.choice([1, 15, 17, 20, 31, 33])
            out.append(("b3multi.trace_length", dict(base, **{"X-B3-TraceId": hexs(rng, n)})))
        elif mutation == 3:
            n = rng.choice([1, 15, 17, 32])
            out.append(("b3multi.span_length", dict(base, **{"X-B3-SpanId": hexs(rng, n)})))
        elif mutation == 4:
            v = rng.choice(["true", "false"])
            out.append(("b3multi.sampled_bool", dict(base, **{"X-B3-Sampled": v})))
        elif mutation == 5:
            v = rng.choice(["True", "x", "2", "d", ""])
            out.append(("b3multi.bad_sampled", dict(base, **{"X-B3-Sampled": v})))
        elif mutation == 6:
            v = rng.choice(["0", "2", "x"])
            out.append(("b3multi.flags", dict(base, **{"X-B3-Flags": v})))
        elif mutation == 7:
            bad = rng.choice([hexs(rng, 15), p.upper(), "0" * 16])
            out.append(("b3multi.bad_parent", dict(base, **{"X-B3-ParentSpanId": bad})))
        elif mutation == 8:
            out.append(("b3multi.missing_id", rng.choice([{"X-B3-TraceId": t32}, {"X-B3-SpanId": s}])))
        elif mutation == 9:
            out.append(("b3multi.sampling_only", {"X-B3-Sampled": rng.choice(["0", "1"])}))
        elif mutation == 10:
            out.append(("b3multi.zero_ids", dict(base, **rng.choice([{"X-B3-TraceId": "0" * 32}, {"X-B3-SpanId": "0" * 16}]))))
        elif mutation == 11:
            out.append(("b3multi.lowercase_names", {k.lower(): v for k, v in base.items()}))
        else:
            out.append(("b3multi.single_wins", dict(base, b3=f"{hexs(rng, 32)}-{hexs(rng, 16)}-1")))
    return out


def jaeger(rng):
    out = []
    h = "uber-trace-id"
    for _ in range(PER_FORMAT):
        t32, t16, s, p = hexs(rng, 32), hexs(rng, 16), hexs(rng, 16), hexs(rng, 16)
        flags = rng.choice(["1", "0", "01", "00", "03", "02"])
        out += [
            ("jaeger.valid", {h: f"{t32}:{s}:0:{flags}"}),
            ("jaeger.valid_parent", {h: f"{t32}:{s}:{p}:{flags}"}),
            ("jaeger.valid_64bit", {h: f"{t16}:{s}:0:{flags}"}),
            ("jaeger.short_ids", {h: f"{t16.lstrip('0') or '1'}:{s.lstrip('0') or '1'}:0:1"}),
        ]
        mutation = rng.randrange(14)
        if mutation == 0:
            out.append(("jaeger.uppercase", {h: f"{t32.upper()}:{s.upper()}:0:1"}))
        elif mutation == 1:
            out.append(("jaeger.padding", {h: f" {t32}:{s}:0:1 "}))
        elif mutation == 2:
            out.append(("jaeger.trace_too_long", {h: f"{hexs(rng, rng.choice([33, 40]))}:{s}:0:1"}))
        elif mutation == 3:
            out.append(("jaeger.span_too_long", {h: f"{t32}:{hexs(rng, 17)}:0:1"}))
        elif mutation == 4:
            out.append(("jaeger.field_count", {h: rng.choice([f"{t32}:{s}:1", f"{t32}:{s}:0:1:0", t32])}))
        elif mutation == 5:
            out.append(("jaeger.url_encoded", {h: f"{t32}%3A{s}%3A0%3A1"}))
        elif mutation == 6:
            out.append(("jaeger.bad_flags", {h: f"{t32}:{s}:0:{rng.choice(['x', '100', ''])}"}))
        elif mutation == 7:
            out.append(("jaeger.zero_ids", {h: rng.choice([f"0:{s}:0:1", f"{t32}:0:0:1"])}))
        elif mutation == 8:
            out.append(("jaeger.bad_parent", {h: f"{t32}:{s}:{rng.choice(['x', '', hexs(rng, 17)])}:1"}))
        elif mutation == 9:
            out.append(("jaeger.int_syntax", {h: f"{rng.choice(['0x', '+', ' '])}{t16}:{s}:0:1"}))
        elif mutation == 10:
            out.append(("jaeger.underscore", {h: f"{t16[:4]}_{t16[4:]}:{s}:0:1"}))
        elif mutation == 11:
            out.append(("jaeger.baggage", {h: f"{t32}:{s}:0:1", "uberctx-tenant": "acme%20corp", "uberctx-k2": " v "}))
        elif mutation == 12:
            out.append(("jaeger.non_hex", {h: f"{t32[:5]}z{t32[6:]}:{s}:0:1"}))
        else:
            out.append(("jaeger.header_case", {"Uber-Trace-Id": f"{t32}:{s}:0:1"}))
    return out


def xray(rng):
    out = []
    h = "X-Amzn-Trace-Id"
    for _ in range(PER_FORMAT):
        t, r, p = hexs(rng, 8), hexs(rng, 24), hexs(rng, 16)
        root = f"1-{t}-{r}"
        samp = rng.choice(["1", "0"])
        fields = [f"Root={root}", f"Parent={p}", f"Sampled={samp}"]
        shuffled = fields[:]
        rng.shuffle(shuffled)
        out += [
            ("xray.valid", {h: ";".join(fields)}),
            ("xray.valid_order", {h: ";".join(shuffled)}),
            ("xray.valid_extra", {h: ";".join(fields + [f"Lineage={hexs(rng, 8)}:1"])}),
            ("xray.deferred", {h: f"Root={root};Parent={p}"}),
        ]
        mutation = rng.randrange(15)
        if mutation == 0:
            out.append(("xray.root_only", {h: f"Root={root}"}))
        elif mutation == 1:
            out.append(("xray.sampled_requested", {h: f"Root={root};Parent={p};Sampled=?"}))
        elif mutation == 2:
            out.append(("xray.uppercase", {h: f"Root=1-{t.upper()}-{r};Parent={p};Sampled=1"}))
        elif mutation == 3:
            out.append(("xray.spaces", {h: f"Root = {root} ; Parent={p};Sampled=1"}))
        elif mutation == 4:
            out.append(("xray.trailing_semicolon", {h: ";".join(fields) + ";"}))
        elif mutation == 5:
            out.append(("xray.bad_version", {h: f"Root=2-{t}-{r};Parent={p};Sampled=1"}))
        elif mutation == 6:
            out.append(("xray.root_length", {h: f"Root=1-{t}-{r[:-1]};Parent={p};Sampled=1"}))
        elif mutation == 7:
            out.append(("xray.key_case", {h: f"root={root};parent={p};sampled=1"}))
        elif mutation == 8:
            out.append(("xray.duplicate_key", {h: f"Root={root};Parent={p};Parent={hexs(rng, 16)};Sampled=1"}))
        elif mutation == 9:
            out.append(("xray.zero_ids", {h: rng.choice([f"Root=1-00000000-{'0' * 24};Parent={p};Sampled=1", f"Root={root};Parent={'0' * 16};Sampled=1"])}))
        elif mutation == 10:
            out.append(("xray.bad_sampled", {h: f"Root={root};Parent={p};Sampled={rng.choice(['2', 'true', ''])}"}))
        elif mutation == 11:
            out.append(("xray.parent_length", {h: f"Root={root};Parent={hexs(rng, rng.choice([15, 17]))};Sampled=1"}))
        elif mutation == 12:
            out.append(("xray.missing_root", {h: f"Parent={p};Sampled=1"}))
        elif mutation == 13:
            out.append(("xray.no_equals", {h: f"Root={root};Parent={p};Sampled"}))
        else:
            out.append(("xray.self_field", {h: f"Self=1-{hexs(rng, 8)}-{hexs(rng, 24)};Root={root};Parent={p};Sampled=1"}))
    return out


def gcp(rng):
    out = []
    h = "X-Cloud-Trace-Context"
    for _ in range(PER_FORMAT):
        t = hexs(rng, 32)
        span = rng.randrange(1, 2**64)
        o = rng.choice(["1", "0"])
        out += [
            ("gcp.valid", {h: f"{t}/{span};o={o}"}),
            ("gcp.valid_small_span", {h: f"{t}/{rng.randrange(1, 1000)};o={o}"}),
            ("gcp.deferred", {h: f"{t}/{span}"}),
        ]
        mutation = rng.randrange(13)
        if mutation == 0:
            out.append(("gcp.uppercase", {h: f"{t.upper()}/{span};o=1"}))
        elif mutation == 1:
            out.append(("gcp.padding", {h: f" {t}/{span};o=1 "}))
        elif mutation == 2:
            out.append(("gcp.options_value", {h: f"{t}/{span};o={rng.choice(['2', '3', '01', '10'])}"}))
        elif mutation == 3:
            out.append(("gcp.span_overflow", {h: f"{t}/{rng.randrange(2**64, 10**20)};o=1"}))
        elif mutation == 4:
            out.append(("gcp.span_zero", {h: f"{t}/0;o=1"}))
        elif mutation == 5:
            out.append(("gcp.leading_zeros", {h: f"{t}/{str(span).zfill(20)};o=1"}))
        elif mutation == 6:
            out.append(("gcp.missing_span", {h: rng.choice([t, f"{t}/", f"{t}/;o=1"])}))
        elif mutation == 7:
            out.append(("gcp.trace_length", {h: f"{hexs(rng, rng.choice([16, 31, 33]))}/{span};o=1"}))
        elif mutation == 8:
            out.append(("gcp.zero_trace", {h: f"{'0' * 32}/{span};o=1"}))
        elif mutation == 9:
            out.append(("gcp.bad_options", {h: f"{t}/{span};{rng.choice(['o=', 'x=1', 'o=1;x'])}"}))
        elif mutation == 10:
            out.append(("gcp.hex_span", {h: f"{t}/{hexs(rng, 16)};o=1"}))
        elif mutation == 11:
            out.append(("gcp.span_too_long", {h: f"{t}/{'1' * 21};o=1"}))
        else:
            out.append(("gcp.header_case", {h.lower(): f"{t}/{span};o=1"}))
    return out


GENERATORS = {
    "b3": b3_single,
    "b3multi": b3_multi,
    "jaeger": jaeger,
    "xray": xray,
    "gcp_trace": gcp,
}


def corpus(seed=SEED):
    """{format: [(tag, headers), ...]} for every format, from one seeded generator each."""
    return {fmt: gen(random.Random(f"{seed}:{fmt}")) for fmt, gen in GENERATORS.items()}


if __name__ == "__main__":
    seed = int(sys.argv[1]) if len(sys.argv) > 1 else SEED
    for fmt, cases in corpus(seed).items():
        for tag, headers in cases:
            print(json.dumps({"formats": [fmt], "headers": headers, "tag": tag}))
