//! `traceparent` parsing and formatting: every valid and invalid case of W3C Trace Context
//! §3.2 (and the cases of the W3C test suite), plus inject / extract through carriers.

use std::collections::HashMap;

use traced_runtime::propagation::{
    ExtractError, ParseTraceParentError, TraceParent, extract, extract_or_root, inject,
};
use traced_runtime::{ParseIdError, SpanId, TraceContext, TraceFlags, TraceId};

const TRACE: &str = "12345678901234567890123456789012";
const PARENT: &str = "1234567890123456";

fn tp(s: &str) -> Result<TraceParent, ParseTraceParentError> {
    s.parse()
}

#[test]
fn valid_values() {
    let cases: &[(&str, u8, u8)] = &[
        // (value, version, flags)
        (
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            0,
            0x01,
        ),
        (
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00",
            0,
            0x00,
        ),
        (
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-03",
            0,
            0x03,
        ),
        (
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-ff",
            0,
            0xff,
        ),
        // Optional whitespace around the whole value.
        (
            " 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            0,
            0x01,
        ),
        (
            "\t00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            0,
            0x01,
        ),
        (
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01 ",
            0,
            0x01,
        ),
        (
            "\t 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01 \t",
            0,
            0x01,
        ),
        // Future versions: the first four fields, then optionally "-" and more.
        (
            "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            0xcc,
            0x01,
        ),
        (
            "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-the-future-will-be-like",
            0xcc,
            0x01,
        ),
        (
            "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-09-",
            0x01,
            0x09,
        ),
        (
            "fe-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            0xfe,
            0x01,
        ),
    ];
    for &(value, version, flags) in cases {
        let parsed = tp(value).unwrap_or_else(|e| panic!("{value:?}: {e}"));
        assert_eq!(parsed.version(), version, "{value:?}");
        assert_eq!(parsed.trace_flags().bits(), flags, "{value:?}");
        assert_eq!(
            parsed.trace_id().to_string(),
            "4bf92f3577b34da6a3ce929d0e0e4736"
        );
        assert_eq!(parsed.parent_id().to_string(), "00f067aa0ba902b7");
    }
}

#[test]
fn invalid_values() {
    use ParseTraceParentError as E;
    let t = TRACE;
    let p = PARENT;
    let cases: Vec<(String, E)> = vec![
        (String::new(), E::InvalidLength { found: 0 }),
        ("   ".into(), E::InvalidLength { found: 0 }),
        ("00".into(), E::InvalidLength { found: 2 }),
        // Version.
        (format!("ff-{t}-{p}-01"), E::ForbiddenVersion),
        (
            format!(".0-{t}-{p}-01"),
            E::Version(ParseIdError::InvalidCharacter {
                index: 0,
                found: b'.',
            }),
        ),
        (
            format!("0.-{t}-{p}-01"),
            E::Version(ParseIdError::InvalidCharacter {
                index: 1,
                found: b'.',
            }),
        ),
        (
            format!("0-{t}-{p}-01"),
            E::Version(ParseIdError::InvalidCharacter {
                index: 1,
                found: b'-',
            }),
        ),
        (format!("000-{t}-{p}-01"), E::Delimiter { index: 2 }),
        (format!("0000-{t}-{p}-01"), E::Delimiter { index: 2 }),
        (
            format!("CC-{t}-{p}-01"),
            E::Version(ParseIdError::InvalidCharacter {
                index: 0,
                found: b'C',
            }),
        ),
        // Version 00 is exactly 55 characters.
        (format!("00-{t}-{p}-01."), E::InvalidLength { found: 56 }),
        (
            format!("00-{t}-{p}-01-what-the-future-will-be-like"),
            E::InvalidLength { found: 84 },
        ),
        (format!("00-{t}-{p}-001"), E::InvalidLength { found: 56 }),
        (format!("00-{t}-{p}-1"), E::InvalidLength { found: 54 }),
        (format!("00-{t}3-{p}-01"), E::InvalidLength { found: 56 }),
        (
            format!("00-{}-{p}-01", &t[1..]),
            E::InvalidLength { found: 54 },
        ),
        (format!("00-{t}-{p}7-01"), E::InvalidLength { found: 56 }),
        (
            format!("00-{t}-{}-01", &p[1..]),
            E::InvalidLength { found: 54 },
        ),
        // Future versions need a dash after the flags.
        (
            format!("cc-{t}-{p}-01.what-the-future-will-be-like"),
            E::Delimiter { index: 55 },
        ),
        (format!("cc-{t}-{p}-0"), E::InvalidLength { found: 54 }),
        // Misplaced dashes: a too-long trace-id shifts the parent-id.
        (
            format!("cc-{t}3-{}-01", &p[1..]),
            E::Delimiter { index: 35 },
        ),
        (format!("00-{t}_{p}-01"), E::Delimiter { index: 35 }),
        (format!("00-{t}-{p}_01"), E::Delimiter { index: 52 }),
        // All-zero ids.
        (
            format!("00-00000000000000000000000000000000-{p}-01"),
            E::TraceId(ParseIdError::Zero),
        ),
        (
            format!("00-{t}-0000000000000000-01"),
            E::ParentId(ParseIdError::Zero),
        ),
        // Stray and uppercase characters inside fields.
        (
            format!("00-.{}-{p}-01", &t[1..]),
            E::TraceId(ParseIdError::InvalidCharacter {
                index: 0,
                found: b'.',
            }),
        ),
        (
            format!("00-{}.-{p}-01", &t[..31]),
            E::TraceId(ParseIdError::InvalidCharacter {
                index: 31,
                found: b'.',
            }),
        ),
        (
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01".into(),
            E::TraceId(ParseIdError::InvalidCharacter {
                index: 1,
                found: b'B',
            }),
        ),
        (
            format!("00-{t}-.{}-01", &p[1..]),
            E::ParentId(ParseIdError::InvalidCharacter {
                index: 0,
                found: b'.',
            }),
        ),
        (
            format!("00-{t}-{}.-01", &p[..15]),
            E::ParentId(ParseIdError::InvalidCharacter {
                index: 15,
                found: b'.',
            }),
        ),
        (
            format!("00-{t}-00F067AA0BA902B7-01"),
            E::ParentId(ParseIdError::InvalidCharacter {
                index: 2,
                found: b'F',
            }),
        ),
        (
            format!("00-{t}-{p}-.0"),
            E::TraceFlags(ParseIdError::InvalidCharacter {
                index: 0,
                found: b'.',
            }),
        ),
        (
            format!("00-{t}-{p}-0."),
            E::TraceFlags(ParseIdError::InvalidCharacter {
                index: 1,
                found: b'.',
            }),
        ),
        (
            format!("00-{t}-{p}-0A"),
            E::TraceFlags(ParseIdError::InvalidCharacter {
                index: 1,
                found: b'A',
            }),
        ),
        // Whitespace inside the value is not optional whitespace.
        (format!("00 -{t}-{p}-01"), E::Delimiter { index: 2 }),
        (format!("00-{t}-{p}-0 1"), E::InvalidLength { found: 56 }),
        (format!("00-{t}-{p}-01\n"), E::InvalidLength { found: 56 }),
    ];
    for (value, expected) in cases {
        assert_eq!(tp(&value), Err(expected), "{value:?}");
    }
    // Non-UTF-8 bytes are rejected, not panicked on.
    let mut bytes = format!("00-{TRACE}-{PARENT}-01").into_bytes();
    bytes[10] = 0xc3;
    assert!(matches!(
        TraceParent::parse(&bytes),
        Err(ParseTraceParentError::TraceId(_))
    ));
}

#[test]
fn formats_version_00_and_known_flags_only() {
    for (value, expected) in [
        (
            "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-ff-extra",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-03",
        ),
        (
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-fd",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        ),
        (
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-02",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-02",
        ),
        (
            " 00-00000000000000000000000000000001-0000000000000001-00\t",
            "00-00000000000000000000000000000001-0000000000000001-00",
        ),
    ] {
        assert_eq!(tp(value).unwrap().to_string(), expected);
    }
    let built = TraceParent::new(
        TraceId::from_hex(TRACE).unwrap(),
        SpanId::from_hex(PARENT).unwrap(),
        TraceFlags::SAMPLED,
    );
    assert_eq!(built.to_string(), format!("00-{TRACE}-{PARENT}-01"));
    assert_eq!(built.version(), 0);
}

fn carrier(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn inject_writes_span_id_as_parent_id() {
    let ctx = TraceContext::new_root().child();
    let mut map = HashMap::new();
    inject(&ctx, &mut map);
    let span = ctx.span_id().unwrap();
    assert_eq!(
        map["traceparent"],
        format!("00-{}-{span}-01", ctx.trace_id())
    );
}

#[test]
fn inject_without_span_writes_a_fresh_parent_id_each_time() {
    let ctx = TraceContext::new_root();
    assert_eq!(ctx.span_id(), None);
    let mut a = HashMap::new();
    let mut b = HashMap::new();
    inject(&ctx, &mut a);
    inject(&ctx, &mut b);
    let a = TraceParent::parse(a["traceparent"].as_bytes()).unwrap();
    let b = TraceParent::parse(b["traceparent"].as_bytes()).unwrap();
    assert_eq!(a.trace_id(), ctx.trace_id());
    assert_eq!(b.trace_id(), ctx.trace_id());
    assert_ne!(a.parent_id(), b.parent_id());
}

#[test]
fn inject_drops_unknown_flags() {
    let ctx = TraceContext::new(
        TraceId::from_hex(TRACE).unwrap(),
        Some(SpanId::from_hex(PARENT).unwrap()),
        TraceFlags::from_bits(0xff),
    );
    let mut map = HashMap::new();
    inject(&ctx, &mut map);
    assert_eq!(map["traceparent"], format!("00-{TRACE}-{PARENT}-03"));
}

#[test]
fn extract_continues_the_remote_trace() {
    let map = carrier(&[("traceparent", &format!("00-{TRACE}-{PARENT}-01"))]);
    let remote = extract(&map).unwrap();
    assert_eq!(remote.trace_id().to_string(), TRACE);
    assert_eq!(remote.span_id().unwrap().to_string(), PARENT);
    assert_eq!(remote.parent_span_id(), None);
    assert!(remote.is_sampled());
    let server = remote.child();
    assert_eq!(server.parent_span_id(), remote.span_id());
    assert_eq!(server.trace_id(), remote.trace_id());
}

#[test]
fn extract_header_name_is_case_insensitive() {
    for name in ["traceparent", "TraceParent", "TRACEPARENT", "TrAcEpArEnT"] {
        let map = carrier(&[(name, &format!("00-{TRACE}-{PARENT}-00"))]);
        assert_eq!(extract(&map).unwrap().trace_id().to_string(), TRACE);
    }
    for name in ["trace-parent", "trace.parent", "traceparent "] {
        let map = carrier(&[(name, &format!("00-{TRACE}-{PARENT}-00"))]);
        assert_eq!(extract(&map), Err(ExtractError::Missing), "{name:?}");
    }
}

#[test]
fn extract_rejects_two_traceparents() {
    let map = carrier(&[
        ("traceparent", &format!("00-{TRACE}-{PARENT}-01")),
        ("TraceParent", &format!("00-{TRACE}-{PARENT}-01")),
    ]);
    assert_eq!(extract(&map), Err(ExtractError::Duplicate { count: 2 }));
    let fresh = extract_or_root(&map);
    assert_ne!(fresh.trace_id().to_string(), TRACE);
}

#[test]
fn extract_or_root_restarts_on_invalid_input() {
    let map = carrier(&[(
        "traceparent",
        "00-00000000000000000000000000000000-1234567890123456-01",
    )]);
    assert!(matches!(
        extract(&map),
        Err(ExtractError::Invalid(ParseTraceParentError::TraceId(
            ParseIdError::Zero
        )))
    ));
    let root = extract_or_root(&map);
    assert_eq!(root.span_id(), None);
    assert_eq!(root.parent_span_id(), None);
    assert!(root.is_sampled());
    assert_eq!(
        extract(&HashMap::<String, String>::new()),
        Err(ExtractError::Missing)
    );
}

#[test]
fn http_header_map_carrier() {
    use http::header::{HeaderMap, HeaderValue};

    let ctx = TraceContext::new_root().child();
    let mut headers = HeaderMap::new();
    inject(&ctx, &mut headers);
    assert_eq!(extract(&headers).unwrap().span_id(), ctx.span_id());

    headers.append(
        "traceparent",
        HeaderValue::from_static("00-12345678901234567890123456789012-1234567890123456-01"),
    );
    assert_eq!(extract(&headers), Err(ExtractError::Duplicate { count: 2 }));

    let mut bad = HeaderMap::new();
    bad.insert(
        "traceparent",
        HeaderValue::from_bytes(b"00-1234567890123456789012345678901\xff-1234567890123456-01")
            .unwrap(),
    );
    assert!(matches!(extract(&bad), Err(ExtractError::Invalid(_))));
}
