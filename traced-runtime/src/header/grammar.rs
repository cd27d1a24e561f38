//! Grammar shared by the W3C header values.

/// Strips optional whitespace (`SP` / `HTAB`, RFC 9110 §5.6.3) from both ends.
pub(crate) fn trim_ows(mut value: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = value {
        value = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = value {
        value = rest;
    }
    value
}
