//! `baggage` per W3C Baggage: grammar, percent-encoding, properties, limits (64 list-members,
//! 8192 bytes), the lossy header parser and the strict `FromStr`; received members forwarded
//! byte-exact, set members encoded so every common decoder reads them back.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::collections::HashMap;

use traced_runtime::TraceContext;
use traced_runtime::propagation::{
    BAGGAGE_MAX_BYTES, BAGGAGE_MAX_MEMBERS, Baggage, ParseBaggageError, extract, extract_or_root,
    inject,
};

fn lossy(values: &[&str]) -> Baggage {
    Baggage::parse_joined(values.iter().map(|v| v.as_bytes()))
}

fn pairs(b: &Baggage) -> Vec<(String, String)> {
    b.iter()
        .map(|e| (e.key().to_owned(), e.value().to_owned()))
        .collect()
}

#[test]
fn spec_example_with_properties() {
    let value =
        "key1=value1;property1;property2, key2 = value2, key3=value3; propertyKey=propertyValue";
    let b: Baggage = value.parse().unwrap();
    assert_eq!(b, lossy(&[value]));
    assert_eq!(b.len(), 3);
    assert_eq!(b.get("key2"), Some("value2"));
    let key1 = b.get_entry("key1").unwrap();
    assert_eq!(
        key1.properties().collect::<Vec<_>>(),
        [("property1", None), ("property2", None)]
    );
    let key3 = b.get_entry("key3").unwrap();
    assert_eq!(
        key3.properties().collect::<Vec<_>>(),
        [("propertyKey", Some("propertyValue"))]
    );
    // Forwarded as received: only the whitespace around each member goes.
    assert_eq!(
        b.to_string(),
        "key1=value1;property1;property2,key2 = value2,key3=value3; propertyKey=propertyValue"
    );
}

#[test]
fn spec_header_examples_are_equivalent() {
    let single = lossy(&["userId=alice,serverNode=DF%2028,isProduction=false"]);
    let split = lossy(&["userId=alice", "serverNode=DF%2028,isProduction=false"]);
    let spaced = lossy(&[
        "userId =   alice",
        "serverNode = DF%2028, isProduction = false",
    ]);
    assert_eq!(single, split);
    assert_eq!(single, spaced);
    assert_eq!(
        pairs(&single),
        [
            ("userId".to_owned(), "alice".to_owned()),
            ("serverNode".to_owned(), "DF 28".to_owned()),
            ("isProduction".to_owned(), "false".to_owned()),
        ]
    );
    assert_eq!(
        single.to_string(),
        "userId=alice,serverNode=DF%2028,isProduction=false"
    );
}

#[test]
fn values() {
    let cases: &[(&str, &str)] = &[
        ("k=a=b", "a=b"), // "=" may appear in a value
        ("k=", ""),       // an empty value is allowed
        ("k= ", ""),
        ("k=%E2%82%AC", "\u{20ac}"),
        ("k=%c3%a9", "\u{e9}"), // either hex case
        ("k=%FF", "\u{fffd}"),  // not UTF-8: replacement character
        ("k=%C3", "\u{fffd}"),  // truncated sequence
        ("k=100%", "100%"),     // "%" without two hex digits stays
        ("k=%zz%2", "%zz%2"),
        ("k=!#$&'()*+-./:<>?@[]^_`{|}~", "!#$&'()*+-./:<>?@[]^_`{|}~"),
    ];
    for &(header, value) in cases {
        let b: Baggage = header.parse().unwrap_or_else(|e| panic!("{header:?}: {e}"));
        assert_eq!(b.get("k"), Some(value), "{header:?}");
    }
}

#[test]
fn output_percent_encodes_what_is_not_unreserved() {
    let b = Baggage::EMPTY
        .try_with("k", "a b,c;d\\e\"f%g\u{e9}\u{20ac}\t")
        .unwrap();
    let header = b.to_string();
    assert_eq!(header, "k=a%20b%2Cc%3Bd%5Ce%22f%25g%C3%A9%E2%82%AC%09");
    assert_eq!(lossy(&[&header]), b, "round trip");
}

#[test]
fn malformed_members() {
    use ParseBaggageError as E;
    let cases: &[(&str, E)] = &[
        ("k", E::InvalidKey { member: 0 }),
        ("=v", E::InvalidKey { member: 0 }),
        ("k y=v", E::InvalidKey { member: 0 }),
        ("k\"=v", E::InvalidKey { member: 0 }),
        ("a=1,k(=v", E::InvalidKey { member: 1 }),
        ("\u{e9}=v", E::InvalidKey { member: 0 }),
        ("k=v v", E::InvalidValue { member: 0 }),
        ("k=\"v\"", E::InvalidValue { member: 0 }),
        ("k=a\\b", E::InvalidValue { member: 0 }),
        ("k=\u{e9}", E::InvalidValue { member: 0 }),
        ("k=a\x7f", E::InvalidValue { member: 0 }),
        ("k=v;", E::InvalidProperty { member: 0 }),
        ("k=v;;p", E::InvalidProperty { member: 0 }),
        ("k=v;p=\"x\"", E::InvalidProperty { member: 0 }),
        ("k=v;p q", E::InvalidProperty { member: 0 }),
        ("a=1,,b=2", E::EmptyMember { member: 1 }),
        ("a=1, ", E::EmptyMember { member: 1 }),
    ];
    for &(header, expected) in cases {
        assert_eq!(header.parse::<Baggage>(), Err(expected), "{header:?}");
    }
    // The lossy parser removes only the malformed members.
    let b = lossy(&["a=1,k y=v,b=2;p;q=1,c=\"x\",,d=4"]);
    assert_eq!(
        b.iter().map(|e| e.key()).collect::<Vec<_>>(),
        ["a", "b", "d"]
    );
    assert_eq!(b.get_entry("b").unwrap().raw_properties(), "p;q=1");
    assert!(lossy(&["", " ", ",", "k"]).is_empty());
    assert_eq!("".parse::<Baggage>(), Ok(Baggage::EMPTY));
}

#[test]
fn duplicate_keys_are_kept_in_order() {
    let b: Baggage = "k=1,k=2".parse().unwrap();
    assert_eq!(b.len(), 2);
    assert_eq!(b.get("k"), Some("1"));
    assert_eq!(b.to_string(), "k=1,k=2");
    let replaced = b.try_with("k", "3").unwrap();
    assert_eq!(replaced.to_string(), "k=3");
    assert!(b.without("k").is_empty());
}

fn members(n: usize) -> String {
    (0..n)
        .map(|i| format!("k{i}=v"))
        .collect::<Vec<_>>()
        .join(",")
}

#[test]
fn member_limit() {
    assert_eq!(BAGGAGE_MAX_MEMBERS, 64);
    let at_limit: Baggage = members(64).parse().unwrap();
    assert_eq!(at_limit.len(), 64);
    assert_eq!(
        members(65).parse::<Baggage>(),
        Err(ParseBaggageError::TooManyMembers)
    );
    // Lossy: the first 64 members are kept whole, the rest dropped.
    let over = lossy(&[&members(40), &members(40)]);
    assert_eq!(over.len(), 64);
    assert_eq!(
        at_limit.try_with("new", "v"),
        Err(ParseBaggageError::TooManyMembers)
    );
    assert_eq!(
        at_limit.try_with("k3", "w").unwrap().len(),
        64,
        "replacing is fine"
    );
}

#[test]
fn byte_limit() {
    assert_eq!(BAGGAGE_MAX_BYTES, 8192);
    let fits = format!("k={}", "a".repeat(8190)); // 8192 bytes
    let b: Baggage = fits.parse().unwrap();
    assert_eq!(b.to_string().len(), 8192);
    let over = format!("k={}", "a".repeat(8191));
    assert_eq!(
        over.parse::<Baggage>(),
        Err(ParseBaggageError::TooLong { bytes: 8193 })
    );
    assert!(lossy(&[&over]).is_empty(), "never truncated");

    // Lossy: a member that does not fit is dropped whole; later members that fit are kept.
    let b = lossy(&["a=1", &fits, "b=2"]);
    assert_eq!(b.to_string(), "a=1,b=2");

    // The limit counts the encoded output: 2731 spaces encode to 8193 bytes.
    let spaces = Baggage::EMPTY.try_with("k", &" ".repeat(2730)).unwrap();
    assert_eq!(spaces.to_string().len(), 2 + 3 * 2730);
    assert_eq!(
        Baggage::EMPTY.try_with("k", &" ".repeat(2731)),
        Err(ParseBaggageError::TooLong {
            bytes: 2 + 3 * 2731
        })
    );
}

#[test]
fn huge_and_garbled_input_does_not_panic() {
    let huge = "k=v,".repeat(250_000);
    let b = lossy(&[&huge]);
    assert_eq!(b.len(), 64);
    let garbage: Vec<u8> = (0..=255u8).cycle().take(10_000).collect();
    let _ = Baggage::parse_joined([garbage.as_slice()]);
}

#[test]
fn update_errors() {
    assert_eq!(
        Baggage::EMPTY.try_with("bad key", "v"),
        Err(ParseBaggageError::InvalidKey { member: 0 })
    );
    assert_eq!(
        Baggage::EMPTY.try_with_entry("k", "v", "p;;q"),
        Err(ParseBaggageError::InvalidProperty { member: 0 })
    );
    let b = Baggage::EMPTY
        .try_with_entry("k", "v", " p ; q = 1 ")
        .unwrap();
    assert_eq!(b.to_string(), "k=v;p;q=1");
}

#[test]
fn regression_received_members_are_forwarded_byte_exact() {
    // `plus=a%2Bb` used to leave as `plus=a+b`, which OpenTelemetry Python reads as `a b`.
    let b = lossy(&["plus=a%2Bb"]);
    assert_eq!(b.get("plus"), Some("a+b"));
    assert_eq!(b.to_string(), "plus=a%2Bb");

    // Whatever the spelling: lowercase hex, escapes of plain characters, literal octets a
    // decoder may read specially, whitespace inside the member, properties.
    let received = [
        "a=%2b%2F",
        "b=%41%42",
        "c=a+b",
        "d = x ; p = 1",
        "e=100%",
        "f=%E2%82%AC;prop",
    ];
    let header = received.join(" , ");
    let b = lossy(&[&header]);
    assert_eq!(b.len(), received.len());
    assert_eq!(b.to_string(), received.join(","));
    let strict: Baggage = header.parse().unwrap();
    assert_eq!(strict.to_string(), received.join(","));

    // Through the context and inject, untouched members stay byte-exact next to a new one.
    let tp = "00-12345678901234567890123456789012-1234567890123456-01";
    let map: HashMap<String, String> = [
        ("traceparent".to_owned(), tp.to_owned()),
        ("baggage".to_owned(), "plus=a%2Bb,keep=x%2fy".to_owned()),
    ]
    .into();
    let ctx = extract(&map).unwrap();
    let ctx = ctx
        .clone()
        .with_baggage(ctx.baggage().try_with("new", "c+d").unwrap());
    let mut out = HashMap::new();
    inject(&ctx, &mut out);
    assert_eq!(out["baggage"], "plus=a%2Bb,keep=x%2fy,new=c%2Bd");
}

#[test]
fn a_changed_member_is_encoded_anew() {
    let b = lossy(&["k=a%2bb,other=1"]);
    let changed = b.try_with("k", "a+b").unwrap();
    assert_eq!(changed.to_string(), "other=1,k=a%2Bb");
    assert_eq!(b.without("other").to_string(), "k=a%2bb");
}

/// Decodes the way the OpenTelemetry propagators do: Python's `unquote_plus` (`+` is a
/// space), and Java's, Go's and JavaScript's `%XX` decoders (`+` is `+`).
fn decode(value: &str, plus_is_space: bool) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
                out.push(u8::from_str_radix(hex, 16).unwrap());
                i += 3;
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap()
}

#[test]
fn set_values_decode_the_same_with_plus_as_space_or_not() {
    let values = [
        "a+b",
        "a b",
        "/",
        "=",
        ",",
        ";",
        "%",
        "100%25",
        "\u{e9}t\u{e9}",
        "\u{20ac} \u{1f600}",
        "\"quoted\"",
        "tab\there",
        "!#$&'()*+-./:<>?@[]^_`{|}~",
    ];
    for value in values {
        let header = Baggage::EMPTY.try_with("k", value).unwrap().to_string();
        let encoded = header.strip_prefix("k=").unwrap();
        assert!(
            encoded
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._~%".contains(&b)),
            "{encoded}"
        );
        assert_eq!(decode(encoded, true), value, "unquote_plus of {encoded}");
        assert_eq!(decode(encoded, false), value, "%XX decoding of {encoded}");
        assert_eq!(lossy(&[&header]).get("k"), Some(value));
    }
}

// A counting allocator, per thread (tests run on parallel threads), to show that the strict
// parser's work is bounded by the limits, not by the input.
struct Counting;

thread_local! {
    static ALLOCATED: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATED.try_with(|n| n.set(n.get() + layout.size()));
        // SAFETY: forwarded contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded contract.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = ALLOCATED.try_with(|n| n.set(n.get() + new_size));
        // SAFETY: forwarded contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocated_by<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let before = ALLOCATED.with(Cell::get);
    let out = f();
    (out, ALLOCATED.with(Cell::get) - before)
}

#[test]
fn regression_strict_parse_of_a_2_mb_header_stops_at_the_limits() {
    // 100,000 members, about 2 MB, and a malformed member at the very end: a parser that read
    // everything before checking the limits would report the malformed member.
    let mut header = (0..100_000)
        .map(|i| format!("key{i:05}=value{i:05}"))
        .collect::<Vec<_>>()
        .join(",");
    header.push_str(",bad key=1");
    assert!(header.len() > 2_000_000);
    let (result, bytes) = allocated_by(|| header.parse::<Baggage>());
    assert_eq!(result, Err(ParseBaggageError::TooManyMembers));
    assert!(
        bytes < 64 * 1024,
        "{bytes} bytes allocated for a rejected header"
    );

    // Members under the count limit but past the byte limit: stops at the first that does not
    // fit, without decoding it.
    let mut header = format!("a={}", "x".repeat(8000));
    header.push_str(&format!(",b={}", "y".repeat(2_000_000)));
    let (result, bytes) = allocated_by(|| header.parse::<Baggage>());
    assert_eq!(
        result,
        Err(ParseBaggageError::TooLong {
            bytes: 8002 + 1 + 2_000_002
        })
    );
    assert!(
        bytes < 64 * 1024,
        "{bytes} bytes allocated for a rejected header"
    );
}

#[test]
fn lossy_parse_of_a_2_mb_header_keeps_a_bounded_prefix() {
    let header = (0..100_000)
        .map(|i| format!("key{i:05}=value{i:05}"))
        .collect::<Vec<_>>()
        .join(",");
    let (b, bytes) = allocated_by(|| lossy(&[&header]));
    assert_eq!(b.len(), BAGGAGE_MAX_MEMBERS);
    assert_eq!(b.iter().last().unwrap().key(), "key00063");
    assert!(bytes < 64 * 1024, "{bytes} bytes allocated");
    let out = b.to_string();
    assert_eq!(out, header[..out.len()]);

    // A member too long to fit is skipped without being decoded.
    let huge = format!("a=1,big={},b=2", "%41".repeat(700_000));
    let (b, bytes) = allocated_by(|| lossy(&[&huge]));
    assert_eq!(b.to_string(), "a=1,b=2");
    assert!(bytes < 64 * 1024, "{bytes} bytes allocated");
}

#[test]
fn travels_with_the_context() {
    let tp = "00-12345678901234567890123456789012-1234567890123456-01";
    let map: HashMap<String, String> = [
        ("traceparent".to_owned(), tp.to_owned()),
        ("Baggage".to_owned(), "userId=alice;p".to_owned()),
    ]
    .into();
    let ctx = extract(&map).unwrap();
    assert_eq!(ctx.baggage().get("userId"), Some("alice"));
    let child = ctx.child();
    assert_eq!(child.baggage(), ctx.baggage());
    let seen = std::thread::spawn({
        let child = child.clone();
        move || child.baggage().get("userId").map(str::to_owned)
    })
    .join()
    .unwrap();
    assert_eq!(seen.as_deref(), Some("alice"));

    let updated = child
        .clone()
        .with_baggage(child.baggage().try_with("tenant", "acme corp").unwrap());
    let mut out = HashMap::new();
    inject(&updated, &mut out);
    assert_eq!(out["baggage"], "userId=alice;p,tenant=acme%20corp");

    // No baggage, no header.
    let mut out = HashMap::new();
    inject(&TraceContext::new_root(), &mut out);
    assert!(!out.contains_key("baggage"));

    // Baggage is independent of traceparent: kept on a fresh root.
    let only_baggage: HashMap<String, String> = [("baggage".to_owned(), "k=v".to_owned())].into();
    assert_eq!(extract_or_root(&only_baggage).baggage().get("k"), Some("v"));
}

#[test]
fn job_payloads_carry_the_same_bounds() {
    // The job-payload path (`payload`, serde) serialises through `inject`.
    let huge = (0..100_000)
        .map(|i| format!("key{i:05}=value{i:05}"))
        .collect::<Vec<_>>()
        .join(",");
    let tp = "00-12345678901234567890123456789012-1234567890123456-01";
    let payload = serde_json::json!({ "traceparent": tp, "baggage": huge }).to_string();
    let ctx: TraceContext = serde_json::from_str(&payload).unwrap();
    let out: serde_json::Value = serde_json::to_value(&ctx).unwrap();
    let sent = out["baggage"].as_str().unwrap();
    assert!(sent.len() <= BAGGAGE_MAX_BYTES);
    assert_eq!(sent.split(',').count(), BAGGAGE_MAX_MEMBERS);
    assert_eq!(sent, &huge[..sent.len()], "the first members, byte-exact");
}
