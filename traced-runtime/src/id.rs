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

/// The two lowercase hex digits of every byte value.
const HEX_PAIRS: [[u8; 2]; 256] = {
    let mut table = [[0u8; 2]; 256];
    let mut byte = 0;
    while byte < 256 {
        table[byte] = [HEX[byte >> 4], HEX[byte & 0xf]];
        byte += 1;
    }
    table
};

/// The two lowercase hex digits of `byte`: the crate's one hex encoder (ids, trace-flags, and,
/// uppercased, baggage's percent-encoding).
#[inline]
pub(crate) const fn hex_pair(byte: u8) -> [u8; 2] {
    HEX_PAIRS[byte as usize]
}

/// The value of a hex digit of either case (`0-9`, `a-f`, `A-F`), as percent-decoding reads
/// them; ids accept lowercase only ([`parse_hex`]).
#[inline]
pub(crate) const fn hex_value_ignore_case(digit: u8) -> Option<u8> {
    match HEX_VALUES[digit.to_ascii_lowercase() as usize] {
        NOT_HEX => None,
        value => Some(value),
    }
}

/// Marks a byte that is not a lowercase hex digit in [`HEX_VALUES`] (any bit of `0xf0`).
const NOT_HEX: u8 = 0xff;

/// The value of every lowercase hex digit (`0-9`, `a-f`), [`NOT_HEX`] for every other byte.
const HEX_VALUES: [u8; 256] = {
    let mut table = [NOT_HEX; 256];
    let mut digit = 0;
    while digit < 16 {
        table[HEX[digit] as usize] = digit as u8;
        digit += 1;
    }
    table
};

/// Encodes the low `N / 2` bytes of `value` as `N` lowercase hex characters into `buf`.
///
/// One table lookup per byte (no per-digit shifts of the 128-bit value).
#[inline]
fn encode_hex<const N: usize>(value: u128, buf: &mut [u8; N]) -> &str {
    const {
        assert!(
            N % 2 == 0 && N <= 32,
            "2 hex characters per byte, at most 16 bytes"
        )
    };
    let bytes = value.to_be_bytes();
    for (pair, &byte) in buf.chunks_exact_mut(2).zip(&bytes[16 - N / 2..]) {
        pair.copy_from_slice(&HEX_PAIRS[usize::from(byte)]);
    }
    debug_assert!(buf.is_ascii());
    // SAFETY: the loop wrote all N bytes (N / 2 pairs for the N / 2 bytes taken from `value`),
    // each from `HEX_PAIRS`, which holds only ASCII hex digits, so `buf` is valid UTF-8.
    // (`from_utf8` would re-validate every byte: half the cost of formatting a traceparent.)
    unsafe { core::str::from_utf8_unchecked(buf) }
}

/// Parses `expected_len` lowercase hex digits (at most 32) into an integer.
///
/// The W3C id lengths (32 and 16 digits) are parsed 8 digits at a time with word arithmetic;
/// other lengths with one table lookup per digit. Either way the digits are validated without a
/// branch per byte, and the offending byte is located only on error.
// Always inlined: callers pass a constant length, which leaves one arm of the match.
#[inline(always)]
pub(crate) fn parse_hex(hex: &[u8], expected_len: usize) -> Result<u128, ParseIdError> {
    if hex.len() != expected_len {
        return Err(ParseIdError::InvalidLength {
            expected: expected_len,
            found: hex.len(),
        });
    }
    let parsed = match hex.len() {
        32 => match (
            hex8(&hex[..8]),
            hex8(&hex[8..16]),
            hex8(&hex[16..24]),
            hex8(&hex[24..32]),
        ) {
            (Some(a), Some(b), Some(c), Some(d)) => Some(
                u128::from(a) << 96 | u128::from(b) << 64 | u128::from(c) << 32 | u128::from(d),
            ),
            _ => None,
        },
        16 => match (hex8(&hex[..8]), hex8(&hex[8..16])) {
            (Some(a), Some(b)) => Some(u128::from(a) << 32 | u128::from(b)),
            _ => None,
        },
        2 => {
            let mut invalid = 0u8;
            let value = fold_hex(&hex[..2], &mut invalid);
            (invalid & 0xf0 == 0).then_some(u128::from(value))
        }
        _ => {
            let mut invalid = 0u8;
            let (high, low) = hex.split_at(hex.len().saturating_sub(16));
            let value = (u128::from(fold_hex(high, &mut invalid)) << 64)
                | u128::from(fold_hex(low, &mut invalid));
            (invalid & 0xf0 == 0).then_some(value)
        }
    };
    parsed.ok_or_else(|| first_invalid(hex))
}

/// Parses exactly 8 lowercase hex digits with word-wide arithmetic (SWAR), `None` when any byte
/// is not a lowercase hex digit. About 25 instructions for the 8 digits.
#[inline(always)]
fn hex8(digits: &[u8]) -> Option<u32> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let word: [u8; 8] = digits.try_into().ok()?;
    // The first digit in the most significant byte.
    let x = u64::from_be_bytes(word);
    // With every byte below 0x80, these sums cannot carry across bytes: a byte's high bit says
    // `byte >= lo` (first sum) or `byte > hi` (second sum).
    let in_range = |lo: u64, hi: u64| {
        // Wrapping: a byte >= 0x80 may carry, but then the word is rejected by the check below.
        x.wrapping_add((0x80 - lo) * ONES) & !x.wrapping_add((0x7f - hi) * ONES) & HIGH
    };
    let digit = in_range(u64::from(b'0'), u64::from(b'9'));
    let letter = in_range(u64::from(b'a'), u64::from(b'f'));
    if x & HIGH != 0 || digit | letter != HIGH {
        return None;
    }
    // '0'..'9' -> 0..9 (low nibble); 'a'..'f' (0x61..0x66) -> low nibble 1..6, plus 9.
    let mut v = (x & 0x0f0f_0f0f_0f0f_0f0f) + 9 * ((x >> 6) & ONES);
    // Pack the eight nibbles (one per byte) into 32 bits.
    v = (v | (v >> 4)) & 0x00ff_00ff_00ff_00ff;
    v = (v | (v >> 8)) & 0x0000_ffff_0000_ffff;
    v = (v | (v >> 16)) & 0x0000_0000_ffff_ffff;
    u32::try_from(v).ok()
}

/// Folds up to 16 digits into a `u64`, OR-ing every table entry into `invalid`. The result is
/// meaningless when `invalid` gets a bit of `0xf0`.
#[inline(always)]
fn fold_hex(digits: &[u8], invalid: &mut u8) -> u64 {
    let mut value = 0u64;
    for &c in digits {
        let digit = HEX_VALUES[usize::from(c)];
        *invalid |= digit;
        value = (value << 4) | u64::from(digit);
    }
    value
}

/// The error for the first byte of `hex` that is not a lowercase hex digit.
#[cold]
#[inline(never)]
fn first_invalid(hex: &[u8]) -> ParseIdError {
    hex.iter()
        .enumerate()
        .find(|&(_, &c)| HEX_VALUES[usize::from(c)] == NOT_HEX)
        .map_or(ParseIdError::Zero, |(index, &found)| {
            ParseIdError::InvalidCharacter { index, found }
        })
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
    fn word_parser_agrees_with_the_table_on_every_byte_in_every_position() {
        for position in 0..8 {
            for byte in 0..=255u8 {
                let mut digits = *b"0123abcd";
                digits[position] = byte;
                let mut invalid = 0;
                let table = fold_hex(&digits, &mut invalid);
                let expected = (invalid & 0xf0 == 0).then_some(table as u32);
                assert_eq!(hex8(&digits), expected, "byte {byte:#04x} at {position}");
            }
        }
        assert_eq!(hex8(b"ffffffff"), Some(u32::MAX));
        assert_eq!(hex8(b"00000000"), Some(0));
        assert_eq!(hex8(b"0000000"), None);
    }

    #[test]
    fn hex_tables_round_trip_every_byte() {
        for byte in 0..=255u8 {
            let mut buf = [0u8; 2];
            let hex = encode_hex(u128::from(byte), &mut buf);
            assert_eq!(hex, format!("{byte:02x}"));
            assert_eq!(parse_hex(hex.as_bytes(), 2), Ok(u128::from(byte)));
            let digit = (byte as char).is_ascii_digit() || (b'a'..=b'f').contains(&byte);
            assert_eq!(
                parse_hex(&[b'0', byte], 2).is_ok(),
                digit,
                "byte {byte:#04x}"
            );
        }
        let max = "ffffffffffffffffffffffffffffffff";
        assert_eq!(parse_hex(max.as_bytes(), 32), Ok(u128::MAX));
        let id: TraceId = "0123456789abcdef0011223344556677".parse().unwrap();
        assert_eq!(id.to_string(), "0123456789abcdef0011223344556677");
        assert_eq!(
            "0123456789abcdef00112233445566g7".parse::<TraceId>(),
            Err(ParseIdError::InvalidCharacter {
                index: 30,
                found: b'g'
            })
        );
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
