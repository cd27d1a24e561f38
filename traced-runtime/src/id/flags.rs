//! [`TraceFlags`]: the trace-flags byte of a traceparent.

use core::fmt;
use core::str::FromStr;

use super::error::ParseIdError;
use super::hex::{encode_hex, parse_byte};

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
        Self::from_hex_bytes(hex.as_bytes())
    }

    /// Parses exactly 2 lowercase hex characters given as bytes, as header values arrive (they
    /// need not be UTF-8): the entry point of the header parsers.
    ///
    /// # Errors
    ///
    /// As [`from_hex`](Self::from_hex).
    #[inline]
    pub fn from_hex_bytes(hex: &[u8]) -> Result<Self, ParseIdError> {
        parse_byte(hex).map(Self)
    }

    /// Writes the 2 lowercase hex characters into `buf` and returns them as a `&str`.
    #[inline]
    pub(crate) fn encode_hex(self, buf: &mut [u8; 2]) -> &str {
        encode_hex(u128::from(self.0), buf)
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
        f.pad(self.encode_hex(&mut buf))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags() {
        assert!(TraceFlags::SAMPLED.is_sampled());
        assert!(!TraceFlags::NONE.is_sampled());
        assert_eq!(TraceFlags::from_bits(0xff).to_emitted().bits(), 0x03);
        assert_eq!("ff".parse::<TraceFlags>().unwrap().bits(), 0xff);
        assert_eq!(TraceFlags::SAMPLED.with_sampled(false), TraceFlags::NONE);
        assert_eq!(TraceFlags::from_bits(0x0a).to_string(), "0a");
        assert!("1".parse::<TraceFlags>().is_err());
        assert!(TraceFlags::from_hex_bytes(b"0A").is_err());
    }
}
