//! Property tests of the propagation parsers: format -> parse is the identity, and no input,
//! however garbled, makes a parser panic.

use std::collections::HashMap;

use proptest::prelude::*;
use traced_runtime::propagation::{
    Baggage, TraceParent, TraceState, extract, extract_or_root, extract_with_request_id, inject,
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
        members in prop::collection::btree_map("[a-z][a-z0-9_\\-*/]{0,6}", "[!-+\\--<>-~]{1,10}", 1..32)
    ) {
        let text = members.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(",");
        let ts: TraceState = text.parse().unwrap();
        prop_assert_eq!(ts.as_str(), text.as_str());
        prop_assert_eq!(ts.len(), members.len());
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
