//! Hex and decimal id fields of the non-W3C formats: variable widths, and (for Jaeger) either
//! case. W3C's fixed-width lowercase fields go through the id types' own codec instead.
//!
//! Errors reuse [`ParseIdError`]; `expected` is the field's longest allowed width.

use crate::id::{ParseIdError, SpanId, TraceId};

/// Which letters a hex field accepts.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Case {
    /// `a-f` only (B3, X-Ray, Cloud Trace: "lower-hex").
    Lower,
    /// `a-f` and `A-F` (Jaeger: "base16").
    Either,
}

/// Parses 1 to 32 hex digits whose length is one of `widths` into an integer.
fn parse(field: &[u8], widths: &[usize], case: Case) -> Result<u128, ParseIdError> {
    let max = widths.iter().copied().max().unwrap_or(0);
    if !widths.contains(&field.len()) {
        return Err(ParseIdError::InvalidLength {
            expected: max,
            found: field.len(),
        });
    }
    let mut value: u128 = 0;
    for (index, &byte) in field.iter().enumerate() {
        let digit = match byte {
            b'0'..=b'9' => byte - b'0',
            b'a'..=b'f' => byte - b'a' + 10,
            b'A'..=b'F' if case == Case::Either => byte - b'A' + 10,
            _ => return Err(ParseIdError::InvalidCharacter { index, found: byte }),
        };
        // At most 32 digits: never overflows.
        value = value << 4 | u128::from(digit);
    }
    Ok(value)
}

/// A trace-id of exactly one of `widths` hex digits; a shorter one is zero-padded on the left
/// (a 64-bit B3 or Jaeger trace-id becomes `0000000000000000` + its 16 digits).
pub(crate) fn trace_id(
    field: &[u8],
    widths: &[usize],
    case: Case,
) -> Result<TraceId, ParseIdError> {
    let value = parse(field, widths, case)?;
    TraceId::from_bytes(value.to_be_bytes()).ok_or(ParseIdError::Zero)
}

/// A span-id of exactly one of `widths` (at most 16) hex digits.
pub(crate) fn span_id(field: &[u8], widths: &[usize], case: Case) -> Result<SpanId, ParseIdError> {
    let value = parse(field, widths, case)?;
    // `widths` are at most 16 digits, so the value fits in 64 bits.
    let value = u64::try_from(value).map_err(|_| ParseIdError::InvalidLength {
        expected: SpanId::HEX_LEN,
        found: field.len(),
    })?;
    SpanId::from_bytes(value.to_be_bytes()).ok_or(ParseIdError::Zero)
}

/// A span-id of 1 to 16 hex digits that may be zero (`None`): Jaeger's deprecated parent.
pub(crate) fn optional_span_id(field: &[u8], case: Case) -> Result<Option<SpanId>, ParseIdError> {
    match span_id(field, &UP_TO_16, case) {
        Ok(id) => Ok(Some(id)),
        Err(ParseIdError::Zero) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Widths 1 to 16.
pub(crate) const UP_TO_16: [usize; 16] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];

/// Widths 1 to 32.
pub(crate) const UP_TO_32: [usize; 32] = [
    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26,
    27, 28, 29, 30, 31, 32,
];

/// A decimal unsigned 64-bit integer of 1 to 20 ASCII digits (leading zeros allowed), as
/// `X-Cloud-Trace-Context` spells its span-id. `None` when it is not one or overflows.
pub(crate) fn decimal_u64(field: &[u8]) -> Option<u64> {
    if field.is_empty() || field.len() > 20 {
        return None;
    }
    field.iter().try_fold(0u64, |acc, &byte| {
        let digit = byte.checked_sub(b'0').filter(|d| *d <= 9)?;
        acc.checked_mul(10)?.checked_add(u64::from(digit))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_ids_are_padded_on_the_left() {
        let id = trace_id(b"a3ce929d0e0e4736", &[16, 32], Case::Lower).unwrap();
        assert_eq!(id.to_string(), "0000000000000000a3ce929d0e0e4736");
        let id = trace_id(b"ABC", &UP_TO_32, Case::Either).unwrap();
        assert_eq!(id.to_string(), "00000000000000000000000000000abc");
    }

    #[test]
    fn bad_fields_are_typed_errors() {
        assert_eq!(
            trace_id(b"ABC", &UP_TO_32, Case::Lower),
            Err(ParseIdError::InvalidCharacter {
                index: 0,
                found: b'A'
            })
        );
        assert_eq!(
            span_id(b"", &[16], Case::Lower),
            Err(ParseIdError::InvalidLength {
                expected: 16,
                found: 0
            })
        );
        assert_eq!(
            span_id(b"0000000000000000", &[16], Case::Lower),
            Err(ParseIdError::Zero)
        );
        assert_eq!(optional_span_id(b"0", Case::Either), Ok(None));
    }

    #[test]
    fn decimal_bounds() {
        assert_eq!(decimal_u64(b"18446744073709551615"), Some(u64::MAX));
        assert_eq!(decimal_u64(b"18446744073709551616"), None);
        assert_eq!(decimal_u64(b"007"), Some(7));
        assert_eq!(decimal_u64(b"-1"), None);
        assert_eq!(decimal_u64(b""), None);
    }
}
