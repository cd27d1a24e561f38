//! Identifiers of W3C Trace Context: [`TraceId`], [`SpanId`] and [`TraceFlags`].
//!
//! All three print and parse as lowercase hex, the only form the
//! [traceparent header](https://www.w3.org/TR/trace-context/#traceparent-header-field-values)
//! allows. All-zero ids are invalid and are never generated.
//!
//! # Randomness
//!
//! Ids are drawn from per-thread generators seeded from the operating system (`getrandom`) on
//! the thread's first draw, as the OpenTelemetry SDK does. A draw takes no lock and makes no
//! system call. Costs are measured in `benches/` (group `ids`, see BENCHMARKS.md).
//!
//! - Trace-ids come from rand's [`SmallRng`] (xoshiro256++ in rand 0.9: 256 bits of state,
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

use core::fmt;
use core::num::{NonZeroU64, NonZeroU128};
use core::str::FromStr;
use std::cell::{Cell, RefCell};
use std::error::Error;

use rand::rngs::SmallRng;
use rand::{RngCore, SeedableRng};

thread_local! {
    static RNG: RefCell<Option<SmallRng>> = const { RefCell::new(None) };
    /// SplitMix64 counter for span-ids; 0 means "not seeded yet".
    static SPAN_COUNTER: Cell<u64> = const { Cell::new(0) };
}

/// SplitMix64's increment: the odd integer closest to 2^64 / golden ratio.
const SPLITMIX_GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;

/// SplitMix64's output function (Steele, Lea, Flood 2014; the constants of `java.util.
/// SplittableRandom`): a bijection on `u64`, so distinct counters give distinct outputs.
#[inline]
const fn splitmix64_mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Draws 64 bits for a span-id from this thread's SplitMix64 stream.
#[inline]
fn next_span_bits() -> u64 {
    #[cold]
    #[inline(never)]
    fn seed() -> u64 {
        // Any value works as a counter; 0 is only the "unseeded" marker (reaching it again
        // after 2^64 draws just reseeds).
        with_rng(RngCore::next_u64) | 1
    }
    SPAN_COUNTER
        .try_with(|counter| {
            let mut state = counter.get();
            if state == 0 {
                state = seed();
            }
            state = state.wrapping_add(SPLITMIX_GAMMA);
            counter.set(state);
            splitmix64_mix(state)
        })
        // Thread teardown: fall back to the xoshiro generator.
        .unwrap_or_else(|_| with_rng(RngCore::next_u64))
}

/// Calls `f` with this thread's generator, seeding it from the OS on first use.
///
/// The slot has no destructor, so the access compiles to a plain thread-local address; the
/// seeding and the fallbacks live out of line. When the generator is unavailable (thread teardown,
/// or a reentrant call, which nothing in this crate makes) `f` gets a freshly seeded generator,
/// so this never panics.
#[inline]
fn with_rng<R>(f: impl FnOnce(&mut SmallRng) -> R) -> R {
    #[cold]
    #[inline(never)]
    fn fresh() -> SmallRng {
        SmallRng::from_os_rng()
    }
    let mut f = Some(f);
    let drawn = RNG.try_with(|rng| {
        let mut slot = rng.try_borrow_mut().ok()?;
        let rng = match &mut *slot {
            Some(rng) => rng,
            None => slot.insert(fresh()),
        };
        f.take().map(|f| f(rng))
    });
    match (drawn, f) {
        (Ok(Some(r)), _) => r,
        (_, Some(f)) => f(&mut fresh()),
        // `f` ran and returned, so the first arm matched.
        (_, None) => unreachable!("with_rng: closure consumed without a result"),
    }
}

/// A W3C trace-id: 16 bytes, never all zero, printed as 32 lowercase hex characters.
///
/// It identifies one distributed trace (one request or job and everything it causes).
/// See [W3C Trace Context §3.2.2.3](https://www.w3.org/TR/trace-context/#trace-id).
///
/// ```
/// use traced_runtime::TraceId;
///
/// let id: TraceId = "4bf92f3577b34da6a3ce929d0e0e4736".parse()?;
/// assert_eq!(id.to_string(), "4bf92f3577b34da6a3ce929d0e0e4736");
/// assert!("00000000000000000000000000000000".parse::<TraceId>().is_err());
/// # Ok::<(), traced_runtime::ParseIdError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TraceId(NonZeroU128);

/// A W3C span-id (the `parent-id` field of a traceparent): 8 bytes, never all zero, printed as
/// 16 lowercase hex characters.
///
/// See [W3C Trace Context §3.2.2.4](https://www.w3.org/TR/trace-context/#parent-id).
///
/// ```
/// use traced_runtime::SpanId;
///
/// let id: SpanId = "00f067aa0ba902b7".parse()?;
/// assert_eq!(id.to_bytes(), [0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7]);
/// # Ok::<(), traced_runtime::ParseIdError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SpanId(NonZeroU64);

macro_rules! id_impl {
    ($ty:ident, $int:ty, $nonzero:ty, $bytes:literal, $what:literal) => {
        impl $ty {
            #[doc = concat!("Length of a ", $what, " in bytes.")]
            pub const BYTES: usize = $bytes;
            #[doc = concat!("Length of a ", $what, " in hex characters.")]
            pub const HEX_LEN: usize = $bytes * 2;

            #[doc = concat!("Returns a new random ", $what, ", never all zero.")]
            ///
            /// Uses the per-thread generator described in the [module docs](crate::id).
            #[inline]
            #[must_use]
            pub fn random() -> Self {
                loop {
                    if let Some(id) = <$nonzero>::new(Self::draw()) {
                        return Self(id);
                    }
                }
            }

            #[doc = concat!("Builds a ", $what, " from its ", stringify!($bytes), " big-endian bytes.")]
            ///
            /// Returns `None` for all-zero bytes, which W3C Trace Context declares invalid.
            #[inline]
            #[must_use]
            pub const fn from_bytes(bytes: [u8; $bytes]) -> Option<Self> {
                match <$nonzero>::new(<$int>::from_be_bytes(bytes)) {
                    Some(id) => Some(Self(id)),
                    None => None,
                }
            }

            #[doc = concat!("Returns the ", stringify!($bytes), " big-endian bytes of this ", $what, ".")]
            #[inline]
            #[must_use]
            pub const fn to_bytes(self) -> [u8; $bytes] {
                self.0.get().to_be_bytes()
            }

            #[doc = concat!("Parses exactly ", stringify!($bytes), " x 2 lowercase hex characters.")]
            ///
            /// # Errors
            ///
            /// [`ParseIdError`] when the length is wrong, a character is not lowercase hex
            /// (`0-9`, `a-f`; uppercase is rejected as the W3C text requires), or the id is all
            /// zero.
            pub fn from_hex(hex: &str) -> Result<Self, ParseIdError> {
                let value = parse_hex(hex.as_bytes(), $bytes * 2)?;
                // parse_hex checked the length, so the value fits.
                <$nonzero>::new(value as $int).map(Self).ok_or(ParseIdError::Zero)
            }

            /// Writes the lowercase hex form into `buf` and returns it as a `&str`.
            #[inline]
            pub(crate) fn encode_hex(self, buf: &mut [u8; $bytes * 2]) -> &str {
                encode_hex(u128::from(self.0.get()), buf)
            }
        }

        impl fmt::Display for $ty {
            /// Writes the lowercase hex form.
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                let mut buf = [0u8; $bytes * 2];
                f.pad(self.encode_hex(&mut buf))
            }
        }

        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($ty), "({})"), self)
            }
        }

        impl FromStr for $ty {
            type Err = ParseIdError;

            /// Same as [`Self::from_hex`].
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::from_hex(s)
            }
        }

        impl TryFrom<[u8; $bytes]> for $ty {
            type Error = ParseIdError;

            /// Same as [`Self::from_bytes`], with [`ParseIdError::Zero`] for all-zero bytes.
            fn try_from(bytes: [u8; $bytes]) -> Result<Self, Self::Error> {
                Self::from_bytes(bytes).ok_or(ParseIdError::Zero)
            }
        }
    };
}

id_impl!(TraceId, u128, NonZeroU128, 16, "trace-id");
id_impl!(SpanId, u64, NonZeroU64, 8, "span-id");

impl TraceId {
    /// 128 random bits: two draws under one thread-local access.
    #[inline]
    fn draw() -> u128 {
        with_rng(|rng| (u128::from(rng.next_u64()) << 64) | u128::from(rng.next_u64()))
    }
}

impl SpanId {
    /// 64 random bits from the span-id stream (SplitMix64).
    #[inline]
    fn draw() -> u64 {
        next_span_bits()
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Encodes the low `buf.len() * 4` bits of `value` as lowercase hex into `buf`.
#[inline]
fn encode_hex<const N: usize>(mut value: u128, buf: &mut [u8; N]) -> &str {
    for byte in buf.iter_mut().rev() {
        *byte = HEX[(value & 0xf) as usize];
        value >>= 4;
    }
    // Only ASCII hex digits were written.
    core::str::from_utf8(buf).unwrap_or_default()
}

/// Parses `expected_len` lowercase hex digits (at most 32) into an integer.
#[inline]
pub(crate) fn parse_hex(hex: &[u8], expected_len: usize) -> Result<u128, ParseIdError> {
    if hex.len() != expected_len {
        return Err(ParseIdError::InvalidLength {
            expected: expected_len,
            found: hex.len(),
        });
    }
    let mut value = 0u128;
    for (index, &c) in hex.iter().enumerate() {
        let digit = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            _ => return Err(ParseIdError::InvalidCharacter { index, found: c }),
        };
        value = (value << 4) | u128::from(digit);
    }
    Ok(value)
}

/// Trace flags: 8 bits, printed as 2 lowercase hex characters.
///
/// Bit 0 is [`SAMPLED`](Self::SAMPLED) ([W3C Trace Context §3.2.2.5](https://www.w3.org/TR/trace-context/#trace-flags));
/// bit 1 is [`RANDOM`](Self::RANDOM) ([Level 2 §3.2.2.5.2](https://www.w3.org/TR/trace-context-2/#random-trace-id-flag)).
/// Other bits are kept as received but never emitted (see [`Self::to_emitted`]).
///
/// ```
/// use traced_runtime::TraceFlags;
///
/// let flags: TraceFlags = "01".parse()?;
/// assert!(flags.is_sampled());
/// assert_eq!(TraceFlags::default().to_string(), "00");
/// # Ok::<(), traced_runtime::ParseIdError>(())
/// ```
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct TraceFlags(u8);

impl TraceFlags {
    /// No flag set: not sampled.
    pub const NONE: Self = Self(0);
    /// The sampled flag (`0x01`): the caller may have recorded this trace.
    pub const SAMPLED: Self = Self(0x01);
    /// The random trace-id flag of Trace Context Level 2 (`0x02`): the trace-id's right-most
    /// 7 bytes are random.
    pub const RANDOM: Self = Self(0x02);

    /// Builds flags from their byte, keeping every bit.
    #[inline]
    #[must_use]
    pub const fn from_bits(bits: u8) -> Self {
        Self(bits)
    }

    /// Returns the flags' byte.
    #[inline]
    #[must_use]
    pub const fn bits(self) -> u8 {
        self.0
    }

    /// Whether the sampled bit (`0x01`) is set.
    #[inline]
    #[must_use]
    pub const fn is_sampled(self) -> bool {
        self.0 & Self::SAMPLED.0 != 0
    }

    /// Whether the Level 2 random trace-id bit (`0x02`) is set.
    #[inline]
    #[must_use]
    pub const fn is_random(self) -> bool {
        self.0 & Self::RANDOM.0 != 0
    }

    /// Returns these flags with the sampled bit set to `sampled`.
    #[inline]
    #[must_use]
    pub const fn with_sampled(self, sampled: bool) -> Self {
        if sampled {
            Self(self.0 | Self::SAMPLED.0)
        } else {
            Self(self.0 & !Self::SAMPLED.0)
        }
    }

    /// Returns the flags we propagate: only the bits this crate understands (sampled and random).
    ///
    /// W3C Trace Context asks participants not to forward flags they do not know
    /// ([§3.2.2.5](https://www.w3.org/TR/trace-context/#trace-flags)).
    #[inline]
    #[must_use]
    pub const fn to_emitted(self) -> Self {
        Self(self.0 & (Self::SAMPLED.0 | Self::RANDOM.0))
    }

    /// Parses exactly 2 lowercase hex characters.
    ///
    /// # Errors
    ///
    /// [`ParseIdError`] when the length is not 2 or a character is not lowercase hex.
    pub fn from_hex(hex: &str) -> Result<Self, ParseIdError> {
        parse_hex(hex.as_bytes(), 2).map(|v| Self(v as u8))
    }
}

impl core::ops::BitOr for TraceFlags {
    type Output = Self;

    fn bitor(self, rhs: Self) -> Self {
        Self(self.0 | rhs.0)
    }
}

impl fmt::Display for TraceFlags {
    /// Writes the 2 lowercase hex characters.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buf = [0u8; 2];
        f.pad(encode_hex(u128::from(self.0), &mut buf))
    }
}

impl fmt::Debug for TraceFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TraceFlags({self})")
    }
}

impl FromStr for TraceFlags {
    type Err = ParseIdError;

    /// Same as [`Self::from_hex`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::from_hex(s)
    }
}

/// Why a [`TraceId`], [`SpanId`] or [`TraceFlags`] could not be parsed or built.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParseIdError {
    /// The input had `found` bytes where `expected` hex characters were required.
    InvalidLength {
        /// Required number of hex characters (32, 16 or 2).
        expected: usize,
        /// Number of bytes in the input.
        found: usize,
    },
    /// The byte at `index` is not a lowercase hex digit (`0-9`, `a-f`).
    InvalidCharacter {
        /// Zero-based byte offset into the field.
        index: usize,
        /// The offending byte.
        found: u8,
    },
    /// The id is all zero, which W3C Trace Context declares invalid.
    Zero,
}

impl fmt::Display for ParseIdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::InvalidLength { expected, found } => {
                write!(
                    f,
                    "expected {expected} lowercase hex characters, found {found} bytes"
                )
            }
            Self::InvalidCharacter { index, found } => write!(
                f,
                "byte {:?} at offset {index} is not a lowercase hex digit (0-9, a-f)",
                char::from(found)
            ),
            Self::Zero => f.write_str("an all-zero id is invalid"),
        }
    }
}

impl Error for ParseIdError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_ids_are_distinct_and_round_trip() {
        let a = TraceId::random();
        let b = TraceId::random();
        assert_ne!(a, b);
        assert_eq!(a.to_string().parse::<TraceId>(), Ok(a));
        assert_eq!(TraceId::from_bytes(a.to_bytes()), Some(a));
        let s = SpanId::random();
        assert_eq!(s.to_string().len(), 16);
        assert_eq!(s.to_string().parse::<SpanId>(), Ok(s));
    }

    #[test]
    fn span_ids_do_not_repeat_on_a_thread() {
        let ids: std::collections::HashSet<SpanId> =
            (0..10_000).map(|_| SpanId::random()).collect();
        assert_eq!(ids.len(), 10_000);
        // The mixer is SplitMix64's: known first output for counter = gamma.
        assert_eq!(splitmix64_mix(SPLITMIX_GAMMA), 0xe220_a839_7b1d_cdaf);
    }

    #[test]
    fn hex_is_big_endian_and_zero_padded() {
        let id = SpanId::from_bytes([0, 0, 0, 0, 0, 0, 0, 1]).unwrap();
        assert_eq!(id.to_string(), "0000000000000001");
        assert_eq!(format!("{id:?}"), "SpanId(0000000000000001)");
    }

    #[test]
    fn rejects_bad_hex() {
        assert_eq!(
            "4BF92F3577B34DA6A3CE929D0E0E4736".parse::<TraceId>(),
            Err(ParseIdError::InvalidCharacter {
                index: 1,
                found: b'B'
            })
        );
        assert_eq!(
            "abc".parse::<SpanId>(),
            Err(ParseIdError::InvalidLength {
                expected: 16,
                found: 3
            })
        );
        assert_eq!(
            "0000000000000000".parse::<SpanId>(),
            Err(ParseIdError::Zero)
        );
        assert_eq!(TraceId::from_bytes([0; 16]), None);
        assert_eq!(SpanId::try_from([0; 8]), Err(ParseIdError::Zero));
        assert!("+0000000000000001".parse::<SpanId>().is_err());
    }

    #[test]
    fn flags() {
        assert!(TraceFlags::SAMPLED.is_sampled());
        assert!(!TraceFlags::NONE.is_sampled());
        assert_eq!(TraceFlags::from_bits(0xff).to_emitted().bits(), 0x03);
        assert_eq!("ff".parse::<TraceFlags>().unwrap().bits(), 0xff);
        assert_eq!(TraceFlags::SAMPLED.with_sampled(false), TraceFlags::NONE);
        assert_eq!(TraceFlags::from_bits(0x0a).to_string(), "0a");
        assert!("1".parse::<TraceFlags>().is_err());
    }
}
