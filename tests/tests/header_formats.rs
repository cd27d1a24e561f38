//! The load balancer and mesh header formats as value types: each documented example parses and
//! formats back exactly; malformed values are typed errors; no input panics.

use proptest::prelude::*;
use traced_runtime::ParseIdError;
use traced_runtime::propagation::{
    B3, B3MultiValues, B3Sampling, CloudTraceContext, ParseB3Error, ParseCloudTraceError,
    ParseJaegerError, ParseXRayError, UberTraceId, XRayHeader, XRaySampled, XRayTraceId,
};

const TRACE: &str = "80f198ee56343ba864fe8b2a57d3eff7";

#[test]
fn b3_single_examples_from_the_specification() {
    for value in [
        "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1-05e3ac9a4f6e3b90",
        "80f198ee56343ba864fe8b2a57d3eff7-05e3ac9a4f6e3b90-1",
        "80f198ee56343ba864fe8b2a57d3eff7-05e3ac9a4f6e3b90-d",
        "80f198ee56343ba864fe8b2a57d3eff7-05e3ac9a4f6e3b90",
        "0",
    ] {
        let b3: B3 = value.parse().unwrap();
        assert_eq!(b3.to_string(), value);
    }
    assert_eq!(
        "d".parse::<B3>().unwrap().sampling(),
        Some(B3Sampling::Debug)
    );
    let b3: B3 = "a3ce929d0e0e4736-05e3ac9a4f6e3b90-0".parse().unwrap();
    let B3::Context { trace_id, .. } = b3 else {
        panic!("{b3:?}")
    };
    assert_eq!(trace_id.to_string(), "0000000000000000a3ce929d0e0e4736");
}

#[test]
fn b3_single_rejects_what_the_grammar_does_not_allow() {
    let span = "05e3ac9a4f6e3b90";
    let cases: [(String, ParseB3Error); 8] = [
        (
            format!("{}-{span}-1", TRACE.to_uppercase()),
            ParseB3Error::TraceId(ParseIdError::InvalidCharacter {
                index: 2,
                found: b'F',
            }),
        ),
        (format!("{TRACE}-{span}-2"), ParseB3Error::SamplingState),
        (
            format!("{TRACE}-{span}--{span}"),
            ParseB3Error::SamplingState,
        ),
        (
            format!("a3ce929d0e0e4736-{span}-1-{span}-1"),
            ParseB3Error::FieldCount { found: 5 },
        ),
        (
            format!("{TRACE}-0000000000000000-1"),
            ParseB3Error::SpanId(ParseIdError::Zero),
        ),
        (
            format!("{}-{span}", &TRACE[..20]),
            ParseB3Error::TraceId(ParseIdError::InvalidLength {
                expected: 32,
                found: 20,
            }),
        ),
        (String::new(), ParseB3Error::Empty),
        ("x".repeat(100), ParseB3Error::TooLong { found: 100 }),
    ];
    for (value, error) in cases {
        assert_eq!(value.parse::<B3>(), Err(error), "{value}");
    }
}

#[test]
fn b3_multi_headers() {
    let values = B3MultiValues {
        trace_id: Some(b"463ac35c9f6413ad48485a3953bb6124"),
        span_id: Some(b"a2fb4a1d1a96d312"),
        parent_span_id: Some(b"0020000000000001"),
        sampled: Some(b"true"),
        flags: None,
    };
    let b3 = B3::from_multi(values).unwrap();
    assert_eq!(b3.sampling(), Some(B3Sampling::Accept));
    let headers = b3.to_multi();
    assert_eq!(
        headers,
        [
            (
                "x-b3-traceid",
                "463ac35c9f6413ad48485a3953bb6124".to_owned()
            ),
            ("x-b3-spanid", "a2fb4a1d1a96d312".to_owned()),
            ("x-b3-parentspanid", "0020000000000001".to_owned()),
            ("x-b3-sampled", "1".to_owned()),
        ]
    );
    // Debug implies accept and is written alone, without X-B3-Sampled.
    let debug = B3::from_multi(B3MultiValues {
        flags: Some(b"1"),
        sampled: Some(b"0"),
        ..values
    })
    .unwrap();
    assert_eq!(debug.sampling(), Some(B3Sampling::Debug));
    assert!(
        debug
            .to_multi()
            .iter()
            .any(|(n, v)| *n == "x-b3-flags" && v == "1")
    );
    assert!(!debug.to_multi().iter().any(|(n, _)| *n == "x-b3-sampled"));
    // A decision alone; one id alone; bad values.
    let deny = B3MultiValues {
        sampled: Some(b"0"),
        ..B3MultiValues::default()
    };
    assert_eq!(B3::from_multi(deny), Ok(B3::SamplingOnly(B3Sampling::Deny)));
    let lone = B3MultiValues {
        span_id: Some(b"a2fb4a1d1a96d312"),
        ..B3MultiValues::default()
    };
    assert_eq!(B3::from_multi(lone), Err(ParseB3Error::MissingTraceId));
    assert_eq!(
        B3::from_multi(B3MultiValues::default()),
        Err(ParseB3Error::Missing)
    );
    assert_eq!(
        B3::from_multi(B3MultiValues {
            sampled: Some(b"yes"),
            ..values
        }),
        Err(ParseB3Error::SamplingState)
    );
    assert_eq!(
        B3::from_multi(B3MultiValues {
            flags: Some(b"2"),
            ..values
        }),
        Err(ParseB3Error::Flags)
    );
}

#[test]
fn cloud_trace_context() {
    let value: CloudTraceContext = "105445aa7843bc8bf206b12000100000/18446744073709551615;o=0"
        .parse()
        .unwrap();
    assert_eq!(value.span_id().to_string(), "ffffffffffffffff");
    assert_eq!(value.sampled(), Some(false));
    assert_eq!(
        value.to_string(),
        "105445aa7843bc8bf206b12000100000/18446744073709551615;o=0"
    );
    let deferred: CloudTraceContext = "105445aa7843bc8bf206b12000100000/007".parse().unwrap();
    assert_eq!(deferred.sampled(), None);
    assert_eq!(deferred.to_string(), "105445aa7843bc8bf206b12000100000/7");
    for (value, error) in [
        (
            "105445aa7843bc8bf206b12000100000",
            ParseCloudTraceError::MissingSpanId,
        ),
        (
            "105445aa7843bc8bf206b12000100000/18446744073709551616;o=1",
            ParseCloudTraceError::SpanId,
        ),
        (
            "105445aa7843bc8bf206b12000100000/0;o=1",
            ParseCloudTraceError::SpanId,
        ),
        (
            "105445aa7843bc8bf206b12000100000/1;o=2",
            ParseCloudTraceError::Options,
        ),
        (
            "00000000000000000000000000000000/1;o=1",
            ParseCloudTraceError::TraceId(ParseIdError::Zero),
        ),
    ] {
        assert_eq!(value.parse::<CloudTraceContext>(), Err(error), "{value}");
    }
}

#[test]
fn xray_header_keeps_extra_fields_and_reads_root_alone() {
    let value: XRayHeader = "Self=1-67891234-12456789abcdef012345678;Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=?"
        .parse()
        .unwrap();
    assert_eq!(value.parent_id(), None);
    assert_eq!(value.sampled(), Some(XRaySampled::Requested));
    assert_eq!(value.extra(), "Self=1-67891234-12456789abcdef012345678");
    assert_eq!(
        value.to_string(),
        "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=?;Self=1-67891234-12456789abcdef012345678"
    );
    assert_eq!(
        XRayTraceId(value.trace_id()).to_string(),
        "1-5759e988-bd862e3fe1be46a994272793"
    );
    let spaced: XRayHeader =
        " Root = 1-5759e988-bd862e3fe1be46a994272793 ; Parent=53995c3f42cd8ad8"
            .parse()
            .unwrap();
    assert_eq!(spaced.parent_id().unwrap().to_string(), "53995c3f42cd8ad8");
    for (value, error) in [
        ("Parent=53995c3f42cd8ad8", ParseXRayError::MissingRoot),
        (
            "Root=1-5759e988-bd862e3fe1be46a994272793;",
            ParseXRayError::Field { index: 1 },
        ),
        (
            "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=2",
            ParseXRayError::Sampled,
        ),
        (
            "Root=1-5759e988-bd862e3fe1be46a994272793;Root=1-5759e988-bd862e3fe1be46a994272793",
            ParseXRayError::Repeated { key: "Root" },
        ),
        (
            "Root=2-5759e988-bd862e3fe1be46a994272793",
            ParseXRayError::Root(ParseIdError::InvalidCharacter {
                index: 0,
                found: b'2',
            }),
        ),
    ] {
        assert_eq!(value.parse::<XRayHeader>(), Err(error), "{value}");
    }
}

#[test]
fn uber_trace_id() {
    let value: UberTraceId = "ABC:Def:0:3".parse().unwrap();
    assert_eq!(
        value.trace_id().to_string(),
        "00000000000000000000000000000abc"
    );
    assert_eq!(value.span_id().to_string(), "0000000000000def");
    assert_eq!(value.parent_span_id(), None);
    assert_eq!(value.flags(), 3);
    assert_eq!(
        value.to_string(),
        "00000000000000000000000000000abc:0000000000000def:0:03"
    );
    let encoded: UberTraceId = "abc%3Adef%3A0%3A1".parse().unwrap();
    assert!(encoded.is_sampled());
    for (value, error) in [
        ("abc:def:1", ParseJaegerError::FieldCount { found: 3 }),
        ("0:def:0:1", ParseJaegerError::TraceId(ParseIdError::Zero)),
        ("abc:def:0:100", ParseJaegerError::Flags),
        (
            "0xabc:def:0:1",
            ParseJaegerError::TraceId(ParseIdError::InvalidCharacter {
                index: 1,
                found: b'x',
            }),
        ),
    ] {
        assert_eq!(value.parse::<UberTraceId>(), Err(error), "{value}");
    }
}

proptest! {
    #[test]
    fn no_input_panics(bytes in proptest::collection::vec(any::<u8>(), 0..120)) {
        let _ = B3::parse(&bytes);
        let _ = CloudTraceContext::parse(&bytes);
        let _ = XRayHeader::parse(&bytes);
        let _ = UberTraceId::parse(&bytes);
        let _ = B3::from_multi(B3MultiValues {
            trace_id: Some(&bytes),
            span_id: Some(&bytes),
            parent_span_id: Some(&bytes),
            sampled: Some(&bytes),
            flags: Some(&bytes),
        });
    }

    #[test]
    fn near_valid_input_does_not_panic(s in "[0-9a-fA-F:;=/ %3Ao1?d-]{0,80}") {
        let _ = B3::parse(s.as_bytes());
        let _ = CloudTraceContext::parse(s.as_bytes());
        let _ = XRayHeader::parse(s.as_bytes());
        let _ = UberTraceId::parse(s.as_bytes());
    }

    #[test]
    fn formatted_values_parse_back(t in 1u128.., s in 1u64.., p in 1u64.., sampled: bool) {
        let trace_id = traced_runtime::TraceId::from_bytes(t.to_be_bytes()).unwrap();
        let span_id = traced_runtime::SpanId::from_bytes(s.to_be_bytes()).unwrap();
        let parent = traced_runtime::SpanId::from_bytes(p.to_be_bytes());
        let b3 = B3::Context { trace_id, span_id, sampling: Some(if sampled { B3Sampling::Accept } else { B3Sampling::Deny }), parent_span_id: parent };
        prop_assert_eq!(b3.to_string().parse::<B3>(), Ok(b3));
        let gcp = CloudTraceContext::new(trace_id, span_id, Some(sampled));
        prop_assert_eq!(gcp.to_string().parse::<CloudTraceContext>(), Ok(gcp));
        let xray = XRayHeader::new(trace_id, Some(span_id), Some(if sampled { XRaySampled::Yes } else { XRaySampled::No }));
        prop_assert_eq!(xray.to_string().parse::<XRayHeader>(), Ok(xray));
        let jaeger = UberTraceId::new(trace_id, span_id, parent, u8::from(sampled));
        prop_assert_eq!(jaeger.to_string().parse::<UberTraceId>(), Ok(jaeger));
    }
}
