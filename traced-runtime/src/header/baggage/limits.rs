//! The [limits](https://www.w3.org/TR/baggage/#limits) of what is propagated, which every
//! [`Baggage`](super::Baggage) value holds within.

/// Most list-members propagated ([W3C Baggage limits](https://www.w3.org/TR/baggage/#limits)).
pub const MAX_MEMBERS: usize = 64;
/// Longest header value propagated, in bytes, commas included
/// ([W3C Baggage limits](https://www.w3.org/TR/baggage/#limits)).
pub const MAX_BYTES: usize = 8192;
