//! Identifiers of W3C Trace Context: [`TraceId`], [`SpanId`] and [`TraceFlags`].
//!
//! All three print and parse as lowercase hex, the only form the
//! [traceparent header](https://www.w3.org/TR/trace-context/#traceparent-header-field-values)
//! allows. All-zero ids are invalid and are never generated.
//!
//! # Layering
//!
//! The bottom layer of the crate: it imports nothing from the rest of it. One idea per file:
//!
//! - `random`: the per-thread generators that ids are drawn from (see [Randomness](#randomness));
//! - `ids`: the id types, [`TraceId`] and [`SpanId`];
//! - `flags`: [`TraceFlags`];
//! - `hex`: the crate's one hex codec (ids, flags, the traceparent version, and, uppercased,
//!   baggage's percent-encoding);
//! - `error`: [`ParseIdError`].
//!
//! The header parsers above (`header/`) read ids through the typed entry points
//! ([`TraceId::from_hex_bytes`], [`SpanId::from_hex_bytes`], [`TraceFlags::from_hex_bytes`]),
//! never through the codec itself.
//!
//! # Randomness
//!
//! Ids are drawn from per-thread generators seeded from the operating system (`getrandom`) on
//! the thread's first draw, as the OpenTelemetry SDK does. A draw takes no lock and makes no
//! system call. Costs are measured in `benches/` (group `ids`, see BENCHMARKS.md).
//!
//! - Trace-ids come from rand's `SmallRng` (xoshiro256++ in rand 0.9: 256 bits of state,
//!   period 2^256 - 1), two 64-bit draws under one thread-local access. Each thread starts from
//!   256 fresh OS bits, so a trace-id carries 128 bits that other services cannot guess better
//!   than the seed, which is what the W3C
//!   [random trace-id flag](https://www.w3.org/TR/trace-context-2/#random-trace-id-flag) asks for
//!   (at least the right-most 7 bytes random), and two threads or machines produce overlapping
//!   streams with negligible probability.
//! - Span-ids, drawn on every `#[traced(span)]` call, come from SplitMix64: a 64-bit counter
//!   (seeded with 64 OS bits, advanced by the golden-ratio odd constant) passed through a
//!   bijective mixing function. It is a few instructions in a `Cell`, needs no borrow flag, and,
//!   being a bijection of a counter, never repeats a span-id on one thread in 2^64 draws. Across
//!   threads, collisions follow the birthday bound of random 64-bit ids, as for any generator.
//! - wyrand (one multiply per draw) was not used for trace-ids: a 64-bit state fixes a thread's
//!   whole stream with 64 bits, so 128-bit trace-ids would collide across a fleet like 64-bit
//!   ones (birthday bound near 2^32 traces). A cryptographic generator (ChaCha, rand's
//!   `ThreadRng`) costs several times more per draw and buys an unpredictability ids do not need.
//!
//! These are not cryptographic generators: an observer of many ids of one thread could recover
//! its state and predict later ids. Ids must not be used as secrets or capabilities.

mod error;
mod flags;
mod hex;
mod ids;
mod random;

pub use error::ParseIdError;
pub use flags::TraceFlags;
pub(crate) use hex::{hex_pair, hex_value_ignore_case, parse_byte};
pub use ids::{SpanId, TraceId};
