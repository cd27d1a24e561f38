//! `tracestate` per W3C Trace Context Level 2 ("tracestate Header Field Values",
//! "tracestate Limits"): the list-member grammar with `@` as a key character, later duplicates
//! discarded, the 32-member limit counted in distinct keys, joining of several headers, the
//! 512-character bound on what is sent, and the cases of the W3C test suite.

use std::collections::HashMap;

use traced_runtime::TraceContext;
use traced_runtime::propagation::{
    ParseTraceStateError, TRACESTATE_MAX_LEN, TraceState, extract, inject,
};

const TP: &str = "00-12345678901234567890123456789012-1234567890123456-00";

fn joined(values: &[&str]) -> Result<Option<TraceState>, ParseTraceStateError> {
    TraceState::parse_joined(values.iter().map(|v| v.as_bytes()))
}

fn all_key_chars() -> String {
    let mut s: String = ('a'..='z').collect();
    s.push_str("0123456789_-*/@");
    s
}

fn all_value_chars() -> String {
    (0x20u8..=0x7e)
        .filter(|b| *b != b',' && *b != b'=')
        .map(char::from)
        .collect()
}

#[test]
fn valid_lists_are_kept_byte_exact() {
    let key = all_key_chars();
    let value = all_value_chars();
    let cases: Vec<String> = vec![
        "foo=1".into(),
        "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE".into(),
        "foo=1 \t , \t bar=2, \t baz=3".into(),
        "foo=1\t \t,\t \tbar=2,\t \tbaz=3".into(),
        "foo=1,,bar=2".into(),
        "foo=1,".into(),
        ",foo=1".into(),
        "foo= 1".into(), // a value may start with a space
        "foo=a b".into(),
        "0foo=1".into(), // a simple key may start with a digit
        "tenant@system=1".into(),
        "0tenant@s=1".into(),
        "t@s-_*/09=1".into(),
        // `@` is a key character like any other (the tenant@system grammar is retired).
        "foo@=1,bar=2".into(),
        "foo@@bar=1,bar=2".into(),
        "foo@bar@baz=1,bar=2".into(),
        "t@0v=1".into(),
        format!("{}@v=1", "t".repeat(242)),
        format!("t@{}=1", "v".repeat(15)),
        format!("{key}={value}"),
        format!("{key}@a-z0-9_-*/={value}"),
        format!("{}=1", "z".repeat(256)),
        format!("{}@{}=1", "t".repeat(241), "v".repeat(14)),
        format!("foo={}", "v".repeat(256)),
        (1..=32)
            .map(|i| format!("k{i}=v"))
            .collect::<Vec<_>>()
            .join(","),
    ];
    for case in cases {
        let ts: TraceState = case
            .parse()
            .unwrap_or_else(|e| panic!("{case:?} should be valid: {e}"));
        assert_eq!(ts.as_str(), case.trim_matches([' ', '\t']), "byte-exact");
    }
}

#[test]
fn whitespace_around_the_value_is_trimmed() {
    for case in [" foo=1", "\tfoo=1", "foo=1 ", "foo=1\t", "\t foo=1 \t"] {
        let ts: TraceState = case.parse().unwrap();
        assert_eq!(ts.as_str(), "foo=1");
        assert_eq!(ts.get("foo"), Some("1"));
    }
}

#[test]
fn members_and_lookup() {
    let ts: TraceState = "foo=1 \t , \t bar=2, \t baz=3".parse().unwrap();
    assert_eq!(
        ts.iter().collect::<Vec<_>>(),
        [("foo", "1"), ("bar", "2"), ("baz", "3")]
    );
    assert_eq!(ts.len(), 3);
    assert_eq!(ts.get("bar"), Some("2"));
    assert_eq!(ts.get("qux"), None);
    let v: TraceState = "foo= a b".parse().unwrap();
    assert_eq!(v.get("foo"), Some(" a b"));
}

#[test]
fn invalid_lists_are_dropped_whole() {
    use ParseTraceStateError as E;
    let cases: Vec<(String, E)> = vec![
        // Keys.
        ("foo =1".into(), E::InvalidKey { member: 0 }),
        ("FOO=1".into(), E::InvalidKey { member: 0 }),
        ("foo.bar=1".into(), E::InvalidKey { member: 0 }),
        ("=1".into(), E::InvalidKey { member: 0 }),
        ("foo".into(), E::InvalidKey { member: 0 }),
        ("bar=2,foo".into(), E::InvalidKey { member: 1 }),
        ("_foo=1".into(), E::InvalidKey { member: 0 }),
        ("@foo=1,bar=2".into(), E::InvalidKey { member: 0 }),
        ("bar=2,@foo=1".into(), E::InvalidKey { member: 1 }),
        ("T@v=1".into(), E::InvalidKey { member: 0 }),
        ("t@V=1".into(), E::InvalidKey { member: 0 }),
        (
            format!("{}=1", "z".repeat(257)),
            E::InvalidKey { member: 0 },
        ),
        (
            format!("{}@v=1", "t".repeat(255)), // 257 characters
            E::InvalidKey { member: 0 },
        ),
        ("fo\u{e9}=1".into(), E::InvalidKey { member: 0 }),
        // Values.
        ("foo=bar=baz".into(), E::InvalidValue { member: 0 }),
        ("foo=,bar=3".into(), E::InvalidValue { member: 0 }),
        ("foo=".into(), E::InvalidValue { member: 0 }),
        ("foo=1 \t2".into(), E::InvalidValue { member: 0 }),
        ("foo=\u{e9}".into(), E::InvalidValue { member: 0 }),
        ("foo=\x7f".into(), E::InvalidValue { member: 0 }),
        ("bar=1,foo=a\x01".into(), E::InvalidValue { member: 1 }),
        (
            format!("foo={}", "v".repeat(257)),
            E::InvalidValue { member: 0 },
        ),
        // An error after a discarded duplicate counts the duplicate.
        ("foo=1,foo=1,Bad=1".into(), E::InvalidKey { member: 2 }),
        // Too many members.
        (
            (1..=33)
                .map(|i| format!("k{i}=v"))
                .collect::<Vec<_>>()
                .join(","),
            E::TooManyMembers,
        ),
        // Nothing there.
        (String::new(), E::Empty),
        (" , ,\t".into(), E::Empty),
    ];
    for (case, expected) in cases {
        assert_eq!(case.parse::<TraceState>(), Err(expected), "{case:?}");
    }
}

#[test]
fn several_headers_are_one_list() {
    let ts = joined(&["foo=1,bar=2", "rojo=1,congo=2", "baz=3"])
        .unwrap()
        .unwrap();
    assert_eq!(ts.as_str(), "foo=1,bar=2,rojo=1,congo=2,baz=3");

    // Empty headers are skipped.
    assert_eq!(joined(&["foo=1", ""]).unwrap().unwrap().as_str(), "foo=1");
    assert_eq!(joined(&["", "foo=1"]).unwrap().unwrap().as_str(), "foo=1");
    assert_eq!(joined(&[""]), Ok(None));
    assert_eq!(joined(&[]), Ok(None));

    // Duplicates and the 32-member limit count across headers.
    assert_eq!(
        joined(&["foo=1", "foo=1"]).unwrap().unwrap().as_str(),
        "foo=1"
    );
    assert_eq!(
        joined(&["foo=1", "foo=2"]).unwrap().unwrap().as_str(),
        "foo=1"
    );
    let h = |r: std::ops::RangeInclusive<u32>| {
        r.map(|i| format!("bar{i:02}={i:02}"))
            .collect::<Vec<_>>()
            .join(",")
    };
    let (a, b, c) = (h(1..=10), h(11..=20), h(21..=30));
    let ok = joined(&[&a, &b, &c, "bar31=31,bar32=32"]).unwrap().unwrap();
    assert_eq!(ok.len(), 32);
    assert_eq!(ok.get("bar01"), Some("01"));
    assert_eq!(
        joined(&[&a, &b, &c, "bar31=31,bar32=32,bar33=33"]),
        Err(ParseTraceStateError::TooManyMembers)
    );
    // Counted as the reference implementation counts: distinct keys, so 32 keys plus a
    // duplicate are 32 members, and empty members do not count.
    let with_duplicate = joined(&[&a, &b, &c, "bar31=31,bar01=99,,bar32=32, ,"])
        .unwrap()
        .unwrap();
    assert_eq!(with_duplicate.len(), 32);
    assert_eq!(with_duplicate.get("bar01"), Some("01"));

    // One bad header drops the others too.
    assert!(joined(&["foo=1", &format!("{}=1", "z".repeat(257))]).is_err());
    assert_eq!(
        joined(&["foo=1", &format!("{}=1", "z".repeat(256))])
            .unwrap()
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn non_ascii_bytes_are_rejected() {
    assert!(TraceState::parse_joined([b"foo=\xff".as_slice()]).is_err());
    assert!(TraceState::parse_joined([b"foo=1".as_slice(), b"\xc3\xa9=1".as_slice()]).is_err());
}

#[test]
fn mutation_moves_the_member_to_the_front() {
    let ts: TraceState = "rojo=1, congo=2".parse().unwrap();
    let updated = ts.with_member("congo", "3").unwrap();
    assert_eq!(updated.as_str(), "congo=3,rojo=1");
    let added = ts.with_member("new@vendor", "x").unwrap();
    assert_eq!(added.as_str(), "new@vendor=x,rojo=1,congo=2");
    let added = ts.with_member("foo@", "x").unwrap();
    assert_eq!(added.as_str(), "foo@=x,rojo=1,congo=2");
    assert_eq!(
        ts.with_member("Bad", "x"),
        Err(ParseTraceStateError::InvalidKey { member: 0 })
    );
    assert_eq!(
        ts.with_member("ok", "bad,value"),
        Err(ParseTraceStateError::InvalidValue { member: 0 })
    );
    assert_eq!(ts.without("rojo").unwrap().as_str(), "congo=2");
    assert_eq!(TraceState::member("a", "1").unwrap().without("a"), None);

    let full: TraceState = (1..=32)
        .map(|i| format!("k{i}=v"))
        .collect::<Vec<_>>()
        .join(",")
        .parse()
        .unwrap();
    let pushed = full.with_member("new", "v").unwrap();
    assert_eq!(pushed.len(), 32, "the right-most member is dropped");
    assert_eq!(pushed.iter().next(), Some(("new", "v")));
    assert_eq!(pushed.get("k32"), None);
}

fn carrier(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn extract_and_inject_carry_tracestate() {
    let map = carrier(&[("traceparent", TP), ("TraceState", "foo=1 , bar=2")]);
    let ctx = extract(&map).unwrap();
    assert_eq!(ctx.tracestate().unwrap().as_str(), "foo=1 , bar=2");
    let child = ctx.child();
    assert_eq!(
        child.tracestate(),
        ctx.tracestate(),
        "inherited by children"
    );
    let mut out = HashMap::new();
    inject(&child, &mut out);
    assert_eq!(out["tracestate"], "foo=1 , bar=2");

    // Invalid tracestate: the traceparent is still honoured, the tracestate is dropped.
    let map = carrier(&[("traceparent", TP), ("tracestate", "foo=1,Foo=2")]);
    let ctx = extract(&map).unwrap();
    assert_eq!(
        ctx.trace_id().to_string(),
        "12345678901234567890123456789012"
    );
    assert_eq!(ctx.tracestate(), None);
    let mut out = HashMap::new();
    inject(&ctx, &mut out);
    assert!(!out.contains_key("tracestate"));

    // Wrong header names are not tracestate.
    for name in ["trace-state", "trace.state"] {
        let map = carrier(&[("traceparent", TP), (name, "foo=1")]);
        assert_eq!(extract(&map).unwrap().tracestate(), None);
    }
}

#[test]
fn tracestate_without_traceparent_is_dropped() {
    let map = carrier(&[("tracestate", "foo=1")]);
    assert!(extract(&map).is_err());
    let root = traced_runtime::propagation::extract_or_root(&map);
    assert_eq!(root.tracestate(), None);
}

#[test]
fn cloning_shares_the_text() {
    let ts: TraceState = "foo=1".parse().unwrap();
    let ctx = TraceContext::new_root().with_tracestate(Some(ts.clone()));
    let copy = ctx.clone();
    assert!(std::ptr::eq(
        ctx.tracestate().unwrap().as_str(),
        copy.tracestate().unwrap().as_str()
    ));
}

// Regression tests: the three cases of the official W3C suite (github w3c/trace-context,
// `test/test.py`) that the retired tenant@system grammar and drop-on-duplicate failed.

#[test]
fn regression_key_ending_in_at_sign_is_kept() {
    // test_tracestate_key_illegal_vendor_format
    let ts: TraceState = "foo@=1,bar=2".parse().unwrap();
    assert_eq!(ts.get("foo@"), Some("1"));
    assert_eq!(ts.get("bar"), Some("2"));
    assert_eq!(ts.as_str(), "foo@=1,bar=2");
    for (text, key) in [
        ("foo@@bar=1,bar=2", "foo@@bar"),
        ("foo@bar@baz=1,bar=2", "foo@bar@baz"),
    ] {
        let ts: TraceState = text.parse().unwrap();
        assert_eq!(ts.get(key), Some("1"), "{text}");
        assert_eq!(ts.get("bar"), Some("2"), "{text}");
    }
    assert!("@foo=1,bar=2".parse::<TraceState>().is_err());
}

#[test]
fn regression_242_characters_before_at_sign_are_kept() {
    // test_tracestate_key_length_limit: only the whole key's 256 characters are limited.
    for key in [
        format!("{}@v", "t".repeat(242)),
        format!("t@{}", "v".repeat(15)),
        format!("{}@{}", "t".repeat(241), "v".repeat(14)),
        format!("{}@", "t".repeat(255)),
    ] {
        let ts = joined(&["foo=1", &format!("{key}=1")]).unwrap().unwrap();
        assert_eq!(ts.get("foo"), Some("1"));
        assert_eq!(ts.get(&key), Some("1"), "{} characters", key.len());
    }
    assert!(joined(&["foo=1", &format!("{}@v=1", "t".repeat(255))]).is_err());
}

#[test]
fn regression_duplicate_keys_keep_the_first_and_the_rest() {
    // test_tracestate_duplicated_keys
    let cases: [&[&str]; 4] = [
        &["foo=1,foo=1"],
        &["foo=1,foo=2"],
        &["foo=1", "foo=1"],
        &["foo=1", "foo=2"],
    ];
    for case in cases {
        let ts = joined(case).unwrap().unwrap();
        assert_eq!(ts.as_str(), "foo=1", "{case:?}");
    }
    let ts: TraceState = "a=1,b=2,a=3,c=4,b=5".parse().unwrap();
    assert_eq!(ts.as_str(), "a=1,b=2,c=4");
    let map = carrier(&[("traceparent", TP), ("tracestate", "foo=1,foo=1")]);
    let mut out = HashMap::new();
    inject(&extract(&map).unwrap(), &mut out);
    assert_eq!(out["tracestate"], "foo=1");
}

// Outgoing bound ("tracestate Limits"): at most TRACESTATE_MAX_LEN characters are sent.

fn list(members: &[String]) -> String {
    members.join(",")
}

#[test]
fn regression_padding_to_one_mebibyte_is_not_sent() {
    // `a=1` followed by ", " up to 1 MiB: valid, but only `a=1` is worth sending.
    let mut padded = String::from("a=1");
    while padded.len() < 1 << 20 {
        padded.push_str(", ");
    }
    let ts: TraceState = padded.parse().unwrap();
    assert_eq!(ts.as_str(), "a=1");
    let map = carrier(&[("traceparent", TP), ("tracestate", &padded)]);
    let mut out = HashMap::new();
    inject(&extract(&map).unwrap(), &mut out);
    assert_eq!(out["tracestate"], "a=1");

    // Whitespace is dropped too, and the members kept byte-exact.
    let spaced = format!("a=1{}b= 2", " \t,".repeat(300));
    let ts: TraceState = spaced.parse().unwrap();
    assert_eq!(ts.as_str(), "a=1,b= 2");
}

#[test]
fn valid_lists_up_to_512_characters_are_sent_byte_exact() {
    assert_eq!(TRACESTATE_MAX_LEN, 512);
    let v = "v".repeat(250);
    let exact = format!("a={v} , b={v}, c=1"); // 512 characters
    assert_eq!(exact.len(), 512);
    let ts: TraceState = exact.parse().unwrap();
    assert_eq!(ts.as_str(), exact);
    // One character more: rewritten without the whitespace, every member still fits.
    let over = format!("a={v} ,  b={v}, c=1");
    let ts: TraceState = over.parse().unwrap();
    assert_eq!(ts.as_str(), format!("a={v},b={v},c=1"));
}

#[test]
fn entries_longer_than_128_characters_are_removed_first() {
    let big = |k: &str| format!("{k}={}", "x".repeat(200)); // 202 characters
    let small = |k: &str| format!("{k}={}", "y".repeat(60)); // 63 characters
    let members = vec![
        small("s1"),
        big("b1"),
        small("s2"),
        big("b2"),
        small("s3"),
        big("b3"),
        small("s4"),
    ];
    let ts: TraceState = list(&members).parse().unwrap();
    // Removing b3 (the right-most large entry) and b2 is enough: s1,b1,s2,s3,s4 = 458.
    assert_eq!(
        ts.iter().map(|(k, _)| k).collect::<Vec<_>>(),
        ["s1", "b1", "s2", "s3", "s4"]
    );
    assert!(ts.as_str().len() <= TRACESTATE_MAX_LEN);
}

#[test]
fn then_entries_are_removed_from_the_end() {
    let members: Vec<String> = (0..32)
        .map(|i| format!("k{i:02}={}", "v".repeat(60)))
        .collect();
    let ts: TraceState = list(&members).parse().unwrap();
    // 64 characters each plus a comma: 7 fit in 512 (7 * 65 - 1 = 454, 8 * 65 - 1 = 519).
    assert_eq!(ts.len(), 7);
    assert_eq!(ts.as_str(), list(&members[..7]));
}

#[test]
fn a_member_that_alone_exceeds_the_bound_is_not_sent() {
    let key = "k".repeat(256);
    let value = "v".repeat(256);
    let alone = format!("{key}={value}"); // 513 characters: valid, but never sendable
    assert_eq!(
        alone.parse::<TraceState>(),
        Err(ParseTraceStateError::Empty)
    );
    assert_eq!(joined(&[&alone]), Ok(None));
    let ts = joined(&[&alone, "b=1"]).unwrap().unwrap();
    assert_eq!(ts.as_str(), "b=1");
    assert_eq!(
        TraceState::member(&key, &value),
        Err(ParseTraceStateError::TooLong { len: 513 })
    );
}

#[test]
fn updates_stay_within_the_bound_and_keep_the_new_member() {
    let members: Vec<String> = (0..7)
        .map(|i| format!("k{i:02}={}", "v".repeat(60)))
        .collect();
    let ts: TraceState = list(&members).parse().unwrap();
    let updated = ts.with_member("mine", &"m".repeat(100)).unwrap();
    assert!(updated.as_str().len() <= TRACESTATE_MAX_LEN);
    assert_eq!(updated.iter().next().map(|(k, _)| k), Some("mine"));
    // 105 + 7 * 65 = 560 does not fit, 105 + 6 * 65 = 495 does: the right-most goes.
    assert_eq!(updated.len(), 7);
    assert_eq!(updated.get("k05").map(str::len), Some(60));
    assert_eq!(updated.get("k06"), None);
    let big = updated.with_member("big", &"b".repeat(256)).unwrap();
    assert_eq!(big.iter().next().map(|(k, _)| k), Some("big"));
    assert!(big.as_str().len() <= TRACESTATE_MAX_LEN);
}

#[test]
fn regression_job_payloads_carry_the_same_bound() {
    // The job-payload path (`payload`, serde) serialises through `inject`, so a padded
    // tracestate received in a payload leaves bounded too.
    let mut padded = String::from("a=1");
    while padded.len() < 1 << 20 {
        padded.push_str(", ");
    }
    let payload = serde_json::json!({ "traceparent": TP, "tracestate": padded }).to_string();
    let ctx: TraceContext = serde_json::from_str(&payload).unwrap();
    assert_eq!(
        ctx.trace_id().to_string(),
        "12345678901234567890123456789012"
    );
    let out: serde_json::Value = serde_json::to_value(&ctx).unwrap();
    assert_eq!(out["tracestate"], "a=1");
}
