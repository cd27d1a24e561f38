//! The id types: [`TraceId`] (16 bytes) and [`SpanId`] (8 bytes), with their typed entry points
//! from hex text, hex bytes and big-endian bytes.

use core::fmt;
use core::num::{NonZeroU64, NonZeroU128};
use core::str::FromStr;

use super::error::ParseIdError;
use super::hex::{encode_hex, parse_hex};
use super::random;

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
    ($ty:ident, $int:ty, $nonzero:ty, $bytes:literal, $what:literal, $draw:path) => {
        impl $ty {
            #[doc = concat!("Length of a ", $what, " in bytes.")]
            pub const BYTES: usize = $bytes;
            #[doc = concat!("Length of a ", $what, " in hex characters.")]
            pub const HEX_LEN: usize = $bytes * 2;

            #[doc = concat!("Returns a new random ", $what, ", never all zero.")]
            ///
            /// Uses the per-thread generator described in the [module docs](crate::id#randomness).
            #[inline]
            #[must_use]
            pub fn random() -> Self {
                loop {
                    if let Some(id) = <$nonzero>::new($draw()) {
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
                Self::from_hex_bytes(hex.as_bytes())
            }

            #[doc = concat!("Parses exactly ", stringify!($bytes), " x 2 lowercase hex characters given as bytes, as")]
            /// header values arrive (they need not be UTF-8): the entry point of the header
            /// parsers.
            ///
            /// # Errors
            ///
            /// As [`from_hex`](Self::from_hex).
            #[inline]
            pub fn from_hex_bytes(hex: &[u8]) -> Result<Self, ParseIdError> {
                let value = parse_hex(hex, $bytes * 2)?;
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

id_impl!(
    TraceId,
    u128,
    NonZeroU128,
    16,
    "trace-id",
    random::trace_id_bits
);
id_impl!(SpanId, u64, NonZeroU64, 8, "span-id", random::span_id_bits);

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
    }

    #[test]
    fn hex_is_big_endian_and_zero_padded() {
        let id = SpanId::from_bytes([0, 0, 0, 0, 0, 0, 0, 1]).unwrap();
        assert_eq!(id.to_string(), "0000000000000001");
        assert_eq!(format!("{id:?}"), "SpanId(0000000000000001)");
        let id: TraceId = "0123456789abcdef0011223344556677".parse().unwrap();
        assert_eq!(id.to_string(), "0123456789abcdef0011223344556677");
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
        assert_eq!(
            "0123456789abcdef00112233445566g7".parse::<TraceId>(),
            Err(ParseIdError::InvalidCharacter {
                index: 30,
                found: b'g'
            })
        );
    }

    #[test]
    fn hex_bytes_need_not_be_utf8() {
        assert_eq!(
            SpanId::from_hex_bytes(b"00f067aa0ba902b7"),
            "00f067aa0ba902b7".parse()
        );
        assert_eq!(
            SpanId::from_hex_bytes(b"00f067aa0ba902\xff7"),
            Err(ParseIdError::InvalidCharacter {
                index: 14,
                found: 0xff
            })
        );
        assert_eq!(
            TraceId::from_hex_bytes(&[0xff; 32]),
            Err(ParseIdError::InvalidCharacter {
                index: 0,
                found: 0xff
            })
        );
    }
}
