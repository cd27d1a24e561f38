//! Identifiers of W3C Trace Context: [`TraceId`], [`SpanId`] and [`TraceFlags`].
//!
//! All three print and parse as lowercase hex, the only form the
//! [traceparent header](https://www.w3.org/TR/trace-context/#traceparent-header-field-values)
//! allows. All-zero ids are invalid and are never generated.
//!
//! # Randomness
//!
//! Ids come from a per-thread [`SmallRng`] (xoshiro256++ in rand 0.9) seeded once per thread from
//! the operating system, as the OpenTelemetry SDK does. A draw is a few nanoseconds and takes no
//! lock. The generator has 256 bits of state, so a trace-id carries the full 128 random bits the
//! W3C [random trace-id flag](https://www.w3.org/TR/trace-context-2/#random-trace-id-flag)
//! promises; it is not a cryptographic generator, and ids must not be used as secrets.

use core::fmt;
use core::num::{NonZeroU64, NonZeroU128};
use core::str::FromStr;
use std::cell::RefCell;
use std::error::Error;

use rand::rngs::SmallRng;
use rand::{RngCore, SeedableRng};

thread_local! {
    static RNG: RefCell<Option<SmallRng>> = const { RefCell::new(None) };
}

/// Draws 64 random bits from the per-thread generator.
///
/// Falls back to a generator seeded from the OS on every call when the thread-local is gone
/// (thread teardown), so it never panics.
fn random_u64() -> u64 {
    #[cold]
    fn fresh() -> SmallRng {
        SmallRng::from_os_rng()
    }
    RNG.try_with(|rng| match rng.try_borrow_mut() {
        Ok(mut slot) => slot.get_or_insert_with(fresh).next_u64(),
        Err(_) => fresh().next_u64(),
    })
    .unwrap_or_else(|_| fresh().next_u64())
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
    #[inline]
    fn draw() -> u128 {
        (u128::from(random_u64()) << 64) | u128::from(random_u64())
    }
}

impl SpanId {
    #[inline]
    fn draw() -> u64 {
        random_u64()
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
