//! The propagator set a service chooses: extraction in order (W3C first), injection in every
//! format with one span-id, presets, OpenTelemetry's names, and what each format puts on the
//! context (origin, the platform's ids as fields, baggage).

use std::collections::HashMap;

use traced_runtime::TraceContext;
use traced_runtime::propagation::{
    ExtractError, Format, Propagators, UnknownFormat, XRAY_TRACE_ID_FIELD,
};

fn headers(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

const TP: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
const B3_SINGLE: &str = "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-0";

#[test]
fn w3c_is_the_only_default() {
    assert_eq!(
        Propagators::default().formats(),
        [Format::TraceContext, Format::Baggage]
    );
    let only_b3 = headers(&[("b3", B3_SINGLE)]);
    assert_eq!(
        Propagators::default().extract(&only_b3),
        Err(ExtractError::Missing)
    );
}

#[test]
fn extraction_tries_formats_in_order_and_w3c_wins_first() {
    let both = headers(&[("traceparent", TP), ("b3", B3_SINGLE)]);
    let ctx = Propagators::mesh().extract(&both).unwrap();
    assert_eq!(
        ctx.trace_id().to_string(),
        "4bf92f3577b34da6a3ce929d0e0e4736"
    );
    assert_eq!(ctx.origin(), Some(Format::TraceContext));
    // Told otherwise: B3 first.
    let b3_first = Propagators::new([Format::B3, Format::TraceContext]);
    let ctx = b3_first.extract(&both).unwrap();
    assert_eq!(
        ctx.trace_id().to_string(),
        "80f198ee56343ba864fe8b2a57d3eff7"
    );
    assert_eq!(ctx.origin(), Some(Format::B3));
    assert!(!ctx.is_sampled());
    // An invalid traceparent falls through to the next format.
    let bad_w3c = headers(&[("traceparent", "00-zz"), ("b3", B3_SINGLE)]);
    assert_eq!(
        Propagators::mesh().extract(&bad_w3c).unwrap().origin(),
        Some(Format::B3)
    );
    // Nothing valid: the first present format's error, and a fresh root.
    let bad = headers(&[("traceparent", "00-zz"), ("b3", "zz")]);
    assert!(matches!(
        Propagators::mesh().extract(&bad),
        Err(ExtractError::Invalid(_))
    ));
    assert_eq!(Propagators::mesh().extract_or_root(&bad).origin(), None);
}

#[test]
fn injection_writes_every_format_with_one_span_id() {
    let ctx = TraceContext::new_root(); // no span: one random span-id for every format
    let all = Propagators::new(Format::ALL);
    let mut out = HashMap::new();
    all.inject(&ctx, &mut out);
    let span = &out["traceparent"][36..52];
    let trace = ctx.trace_id().to_string();
    assert_eq!(out["b3"], format!("{trace}-{span}-1"));
    assert_eq!(out["x-b3-traceid"], trace);
    assert_eq!(out["x-b3-spanid"], span);
    assert_eq!(out["x-b3-sampled"], "1");
    assert_eq!(out["uber-trace-id"], format!("{trace}:{span}:0:01"));
    assert_eq!(
        out["x-amzn-trace-id"],
        format!(
            "Root=1-{}-{};Parent={span};Sampled=1",
            &trace[..8],
            &trace[8..]
        )
    );
    let decimal = u64::from_str_radix(span, 16).unwrap();
    assert_eq!(
        out["x-cloud-trace-context"],
        format!("{trace}/{decimal};o=1")
    );
    // Every format reads back the same context.
    for format in Format::ALL.into_iter().filter(|f| *f != Format::Baggage) {
        let back = Propagators::new([format]).extract(&out).unwrap();
        assert_eq!(back.trace_id(), ctx.trace_id(), "{format}");
        assert_eq!(back.span_id().unwrap().to_string(), span, "{format}");
        assert!(back.is_sampled(), "{format}");
    }
}

#[test]
fn a_child_span_sends_its_parent_in_b3_and_jaeger() {
    let ctx = TraceContext::new_root().child().child();
    let mut out = HashMap::new();
    Propagators::new([Format::B3, Format::Jaeger]).inject(&ctx, &mut out);
    let parent = ctx.parent_span_id().unwrap();
    assert!(out["b3"].ends_with(&format!("-1-{parent}")));
    assert!(out["uber-trace-id"].contains(&format!(":{parent}:")));
}

#[test]
fn presets_and_otel_names() {
    assert_eq!(
        Propagators::google_cloud().to_string(),
        "tracecontext,baggage,gcp_trace"
    );
    assert_eq!(Propagators::aws().to_string(), "tracecontext,baggage,xray");
    assert_eq!(
        Propagators::mesh().to_string(),
        "tracecontext,baggage,b3,b3multi"
    );
    assert_eq!(
        Propagators::from_otel_names(" b3multi , jaeger,xray,b3multi")
            .unwrap()
            .formats(),
        [Format::B3Multi, Format::Jaeger, Format::XRay]
    );
    assert_eq!(Propagators::from_otel_names("none"), Ok(Propagators::NONE));
    assert_eq!(Propagators::from_otel_names(""), Ok(Propagators::w3c()));
    assert_eq!(
        Propagators::from_otel_names("tracecontext,ottrace"),
        Err(UnknownFormat("ottrace".into()))
    );
    let mut out = HashMap::new();
    Propagators::NONE.inject(&TraceContext::new_root(), &mut out);
    assert!(out.is_empty());
}

#[test]
fn b3_deny_alone_gives_an_unsampled_root() {
    for carrier in [headers(&[("b3", "0")]), headers(&[("X-B3-Sampled", "0")])] {
        let set = Propagators::mesh();
        assert_eq!(
            set.extract(&carrier),
            Err(ExtractError::SamplingOnly { sampled: false })
        );
        let root = set.extract_or_root(&carrier);
        assert!(!root.is_sampled());
        assert_eq!(root.span_id(), None);
    }
}

#[test]
fn xray_trace_id_rides_as_a_field_and_root_alone_has_no_span() {
    let carrier = headers(&[(
        "X-Amzn-Trace-Id",
        "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1",
    )]);
    let ctx = Propagators::aws().extract(&carrier).unwrap();
    assert_eq!(ctx.origin(), Some(Format::XRay));
    assert_eq!(ctx.span_id(), None);
    assert!(ctx.is_sampled());
    assert_eq!(
        ctx.child().fields().get(XRAY_TRACE_ID_FIELD),
        Some("1-5759e988-bd862e3fe1be46a994272793")
    );
}

#[test]
fn jaeger_baggage_in_and_out() {
    let carrier = headers(&[
        ("uber-trace-id", "abc:def:0:1"),
        ("uberctx-tenant", "acme%20corp"),
        ("baggage", "region=eu"),
    ]);
    let set = Propagators::new([Format::Jaeger, Format::Baggage]);
    let ctx = set.extract(&carrier).unwrap();
    assert_eq!(ctx.baggage().get("tenant"), Some("acme corp"));
    assert_eq!(ctx.baggage().get("region"), Some("eu"));
    let mut out = HashMap::new();
    set.inject(&ctx, &mut out);
    assert_eq!(out["uberctx-tenant"], "acme%20corp");
    assert_eq!(out["uberctx-region"], "eu");
    // Without `baggage` in the set, the W3C header is neither read nor written.
    let jaeger = Propagators::new([Format::Jaeger])
        .extract(&carrier)
        .unwrap();
    assert_eq!(jaeger.baggage().get("region"), None);
}

#[test]
fn deferred_sampling_is_the_head_samplers_decision() {
    // The default head sampler samples every root.
    let carrier = headers(&[(
        "x-cloud-trace-context",
        "105445aa7843bc8bf206b12000100000/1",
    )]);
    assert!(
        Propagators::google_cloud()
            .extract(&carrier)
            .unwrap()
            .is_sampled()
    );
}

#[test]
fn http_header_maps_are_carriers_too() {
    let mut map = http::HeaderMap::new();
    map.insert(
        "X-B3-TraceId",
        "463ac35c9f6413ad48485a3953bb6124".parse().unwrap(),
    );
    map.insert("X-B3-SpanId", "a2fb4a1d1a96d312".parse().unwrap());
    map.insert("uberctx-k", "v".parse().unwrap());
    let ctx = Propagators::new([Format::B3Multi]).extract(&map).unwrap();
    assert_eq!(ctx.origin(), Some(Format::B3Multi));
    let mut out = http::HeaderMap::new();
    Propagators::new(Format::ALL).inject(&ctx, &mut out);
    assert!(out.contains_key("x-amzn-trace-id") && out.contains_key("b3"));
}
