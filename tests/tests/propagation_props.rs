//! Property tests of the propagation parsers: format -> parse is the identity, what is sent
//! always holds within the limits (tracestate 512 characters and 32 members, baggage 8192
//! bytes and 64 members), received members travel byte-exact, and no input, however garbled,
//! makes a parser panic.

use std::collections::HashMap;

use proptest::prelude::*;
use traced_runtime::propagation::{
    BAGGAGE_MAX_BYTES, BAGGAGE_MAX_MEMBERS, Baggage, TRACESTATE_MAX_LEN, TRACESTATE_MAX_MEMBERS,
    TraceParent, TraceState, extract, extract_or_root, extract_with_request_id, inject,
};
use traced_runtime::{SpanId, TraceContext, TraceFlags, TraceId};

fn trace_id() -> impl Strategy<Value = TraceId> {
    any::<u128>().prop_filter_map("non-zero", |v| TraceId::from_bytes(v.to_be_bytes()))
}

fn span_id() -> impl Strategy<Value = SpanId> {
    any::<u64>().prop_filter_map("non-zero", |v| SpanId::from_bytes(v.to_be_bytes()))
}

/// Strings biased towards the characters the grammars care about.
fn header_like() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[0-9a-fA-F\\-]{0,70}",
        "[ \t]{0,2}[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}(-[ -~]{0,8})?[ \t]{0,2}",
        "[a-z0-9_*/@=, \t;%\\-]{0,80}",
        "[ -~]{0,120}",
    ]
}

/// A tracestate key of the Level 2 grammar (`@` included), short or up to the 256 limit.
fn ts_key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-z0-9][a-z0-9_\\-*/@]{0,8}",
        1 => "[a-z0-9][a-z0-9_\\-*/@]{100,255}",
    ]
}

/// A tracestate value: printable ASCII but `,` and `=`, not ending in a space.
fn ts_value() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[ -+\\--<>-~]{0,12}[!-+\\--<>-~]",
        1 => "[ -+\\--<>-~]{100,255}[!-+\\--<>-~]",
    ]
}

/// A valid tracestate header: members (some repeated keys) with optional whitespace and empty
/// members between them.
fn ts_header() -> impl Strategy<Value = (String, Vec<(String, String)>)> {
    let key_pool = prop::collection::vec(ts_key(), 1..40);
    key_pool.prop_flat_map(|keys| {
        let n = keys.len();
        let member = (0..n, ts_value());
        let sep = prop_oneof![
            Just(",".to_owned()),
            Just(", ".to_owned()),
            Just(" \t,\t ".to_owned()),
            Just(",,".to_owned()),
            Just(", ,".to_owned()),
        ];
        prop::collection::vec((member, sep), 1..40).prop_map(move |parts| {
            let mut text = String::new();
            let mut members = Vec::new();
            for ((i, value), sep) in parts {
                if !text.is_empty() {
                    text.push_str(&sep);
                }
                text.push_str(&format!("{}={value}", keys[i]));
                members.push((keys[i].clone(), value));
            }
            (text, members)
        })
    })
}

/// A valid baggage list-member as a peer might spell it, and its decoded value.
fn baggage_member() -> impl Strategy<Value = String> {
    (
        "[A-Za-z0-9!#$&'*+.^_`|~\\-]{1,8}",
        "[ \t]{0,1}",
        "([!#-+\\--:<-\\[\\]-~]|%[0-9A-Fa-f]{2}){0,12}",
        prop::option::of("[a-z]{1,4}(=[a-z0-9%]{0,4})?"),
    )
        .prop_map(|(key, ows, value, prop)| match prop {
            Some(p) => format!("{key}{ows}={ows}{value};{p}"),
            None => format!("{key}{ows}={ows}{value}"),
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn traceparent_format_then_parse_is_identity(
        trace in trace_id(), parent in span_id(), flags in any::<u8>()
    ) {
        let tp = TraceParent::new(trace, parent, TraceFlags::from_bits(flags));
        let text = tp.to_string();
        prop_assert_eq!(text.len(), 55);
        let back: TraceParent = text.parse().unwrap();
        prop_assert_eq!(back.trace_id(), trace);
        prop_assert_eq!(back.parent_id(), parent);
        prop_assert_eq!(back.trace_flags(), TraceFlags::from_bits(flags).to_emitted());
        prop_assert_eq!(back.to_string(), text);
    }

    #[test]
    fn inject_then_extract_is_identity(
        trace in trace_id(), span in span_id(), sampled in any::<bool>(),
        value in "[ -~]{0,40}", key in "[a-z][a-z0-9_\\-*/]{0,10}",
        ts_value in "[!-+\\--<>-~]{1,20}",
    ) {
        let baggage = Baggage::EMPTY.try_with("k", &value).unwrap();
        let tracestate = TraceState::member(&key, &ts_value).unwrap();
        let ctx = TraceContext::new(trace, Some(span), TraceFlags::NONE.with_sampled(sampled))
            .with_tracestate(Some(tracestate))
            .with_baggage(baggage);
        let mut map = HashMap::new();
        inject(&ctx, &mut map);
        let back = extract(&map).unwrap();
        prop_assert_eq!(back, ctx);
    }

    #[test]
    fn baggage_output_parses_back(entries in prop::collection::vec(
        ("[A-Za-z0-9!#$&'*+.^_`|~\\-]{1,8}", any::<String>()), 0..8)
    ) {
        let mut b = Baggage::EMPTY;
        for (k, v) in &entries {
            // Only the 8192-byte limit can refuse these keys.
            if let Ok(next) = b.try_with(k, v) {
                b = next;
            }
        }
        let header = b.to_string();
        prop_assert_eq!(&Baggage::parse_joined([header.as_bytes()]), &b);
        if !b.is_empty() {
            prop_assert_eq!(&header.parse::<Baggage>().unwrap(), &b);
        }
    }

    #[test]
    fn tracestate_valid_input_is_kept_byte_exact(
        members in prop::collection::btree_map("[a-z0-9][a-z0-9_\\-*/@]{0,6}", "[!-+\\--<>-~]{1,10}", 1..32)
    ) {
        let text = members.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(",");
        let ts: TraceState = text.parse().unwrap();
        if text.len() <= TRACESTATE_MAX_LEN {
            prop_assert_eq!(ts.as_str(), text.as_str());
            prop_assert_eq!(ts.len(), members.len());
        } else {
            prop_assert!(ts.as_str().len() <= TRACESTATE_MAX_LEN);
            prop_assert!(text.starts_with(ts.as_str()), "removed from the end");
        }
    }

    #[test]
    fn parsers_never_panic_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let _ = TraceParent::parse(&bytes);
        let _ = TraceState::parse_joined([bytes.as_slice()]);
        let _ = Baggage::parse_joined([bytes.as_slice()]);
        let lossy = String::from_utf8_lossy(&bytes);
        let _ = lossy.parse::<TraceState>();
        let _ = lossy.parse::<Baggage>();
    }

    #[test]
    fn parsers_never_panic_on_strings(a in header_like(), b in header_like()) {
        let parsed = TraceParent::parse(a.as_bytes());
        if let Ok(tp) = parsed {
            // Whatever was accepted formats to a valid version-00 value.
            prop_assert!(TraceParent::parse(tp.to_string().as_bytes()).is_ok());
        }
        let _ = TraceState::parse_joined([a.as_bytes(), b.as_bytes()]);
        let _ = Baggage::parse_joined([a.as_bytes(), b.as_bytes()]);
        let map: HashMap<String, String> = [
            ("traceparent".to_owned(), a.clone()),
            ("tracestate".to_owned(), b.clone()),
            ("baggage".to_owned(), a.clone()),
            ("x-request-id".to_owned(), b.clone()),
        ].into();
        let _ = extract(&map);
        let _ = extract_or_root(&map);
        let _ = extract_with_request_id(&map, &["x-request-id"]);
    }
}

// Larger inputs (long keys and values, headers repeated up to 400 times): fewer cases.
proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn tracestate_keeps_first_occurrences_within_the_bound((text, members) in ts_header()) {
        let Some(ts) = TraceState::parse_joined([text.as_bytes()]).unwrap() else {
            // Only when every member alone is too long to send.
            prop_assert!(members.iter().all(|(k, v)| k.len() + 1 + v.len() > TRACESTATE_MAX_LEN));
            return Ok(());
        };
        let sent = ts.as_str();
        prop_assert!(sent.len() <= TRACESTATE_MAX_LEN, "{} characters", sent.len());
        prop_assert!(ts.len() <= TRACESTATE_MAX_MEMBERS);
        // The first occurrence of each key, in order; a subsequence of them when shortened.
        let mut firsts: Vec<(String, String)> = Vec::new();
        for (k, v) in &members {
            if !firsts.iter().any(|(fk, _)| fk == k) {
                firsts.push((k.clone(), v.clone()));
            }
        }
        let kept: Vec<(String, String)> =
            ts.iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect();
        let mut rest = firsts.iter();
        for pair in &kept {
            prop_assert!(rest.any(|f| f == pair), "{pair:?} is not a first occurrence in order");
        }
        let distinct = firsts.len();
        let whole: usize = firsts.iter().map(|(k, v)| k.len() + 1 + v.len()).sum::<usize>()
            + distinct - 1;
        if whole <= TRACESTATE_MAX_LEN {
            prop_assert_eq!(kept.len(), distinct, "nothing removed when everything fits");
        }
        if distinct == members.len() && text.len() <= TRACESTATE_MAX_LEN {
            prop_assert_eq!(sent, text.as_str(), "byte-exact when valid, short and unique");
        }
        // What is sent parses back to itself.
        let back: TraceState = sent.parse().unwrap();
        prop_assert_eq!(back.as_str(), sent);
    }

    #[test]
    fn tracestate_updates_stay_within_the_bound(
        (text, _) in ts_header(), key in ts_key(), value in ts_value()
    ) {
        let Some(ts) = TraceState::parse_joined([text.as_bytes()]).unwrap() else {
            return Ok(());
        };
        match ts.with_member(&key, &value) {
            Ok(updated) => {
                prop_assert!(updated.as_str().len() <= TRACESTATE_MAX_LEN);
                prop_assert!(updated.len() <= TRACESTATE_MAX_MEMBERS);
                prop_assert_eq!(updated.iter().next(), Some((key.as_str(), value.as_str())));
                prop_assert_eq!(updated.iter().filter(|(k, _)| *k == key).count(), 1);
            }
            Err(_) => prop_assert!(key.len() + 1 + value.len() > TRACESTATE_MAX_LEN),
        }
    }

    #[test]
    fn baggage_received_members_are_forwarded_byte_exact(
        members in prop::collection::vec(baggage_member(), 1..80)
    ) {
        let header = members.join(" , ");
        let b = Baggage::parse_joined([header.as_bytes()]);
        let sent = b.to_string();
        prop_assert!(b.len() <= BAGGAGE_MAX_MEMBERS);
        prop_assert!(sent.len() <= BAGGAGE_MAX_BYTES);
        // A prefix of the members (each trimmed), exactly as received.
        let trimmed: Vec<&str> = members.iter().map(|m| m.trim_matches([' ', '\t'])).collect();
        prop_assert_eq!(sent.as_str(), trimmed[..b.len()].join(","));
        let strict = header.parse::<Baggage>();
        if members.len() <= BAGGAGE_MAX_MEMBERS && trimmed.join(",").len() <= BAGGAGE_MAX_BYTES {
            prop_assert_eq!(strict.unwrap().to_string(), sent);
        } else {
            prop_assert!(strict.is_err());
        }
    }

    #[test]
    fn outgoing_headers_are_bounded_whatever_came_in(
        tracestate in header_like(), baggage in header_like(), repeat in 1..400usize
    ) {
        let map: HashMap<String, String> = [
            ("traceparent".to_owned(),
             "00-12345678901234567890123456789012-1234567890123456-01".to_owned()),
            ("tracestate".to_owned(), tracestate.repeat(repeat)),
            ("baggage".to_owned(), baggage.repeat(repeat)),
        ].into();
        let ctx = extract_or_root(&map);
        let mut out = HashMap::new();
        inject(&ctx, &mut out);
        if let Some(ts) = out.get("tracestate") {
            prop_assert!(ts.len() <= TRACESTATE_MAX_LEN);
        }
        if let Some(b) = out.get("baggage") {
            prop_assert!(b.len() <= BAGGAGE_MAX_BYTES);
            prop_assert!(b.split(',').count() <= BAGGAGE_MAX_MEMBERS);
        }
    }
}
