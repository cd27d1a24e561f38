//! The crate's one hex codec: lowercase hex for ids, flags and the traceparent version (and the
//! digit tables baggage's percent codec reuses). Callers outside `id/` use the typed entry points
//! of the id types; this file knows integers and bytes only.

use super::error::ParseIdError;

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
pub(super) fn encode_hex<const N: usize>(value: u128, buf: &mut [u8; N]) -> &str {
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
pub(super) fn parse_hex(hex: &[u8], expected_len: usize) -> Result<u128, ParseIdError> {
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

/// Parses exactly 2 lowercase hex digits into a byte: trace-flags, and a traceparent's version.
///
/// # Errors
///
/// [`ParseIdError`] when `hex` is not 2 bytes long or a byte is not lowercase hex.
#[inline]
pub(crate) fn parse_byte(hex: &[u8]) -> Result<u8, ParseIdError> {
    // Two digits fit in a byte.
    parse_hex(hex, 2).map(|value| value as u8)
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

#[cfg(test)]
mod tests {
    use super::*;

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
            assert_eq!(hex.as_bytes(), hex_pair(byte));
            assert_eq!(parse_byte(hex.as_bytes()), Ok(byte));
            let digit = (byte as char).is_ascii_digit() || (b'a'..=b'f').contains(&byte);
            assert_eq!(parse_byte(&[b'0', byte]).is_ok(), digit, "byte {byte:#04x}");
            let either_case = digit || (b'A'..=b'F').contains(&byte);
            assert_eq!(hex_value_ignore_case(byte).is_some(), either_case);
        }
        let max = "ffffffffffffffffffffffffffffffff";
        assert_eq!(parse_hex(max.as_bytes(), 32), Ok(u128::MAX));
        assert_eq!(
            parse_hex(b"abc", 2),
            Err(ParseIdError::InvalidLength {
                expected: 2,
                found: 3
            })
        );
    }
}
