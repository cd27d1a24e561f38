//! AWS X-Ray's `X-Amzn-Trace-Id` header.
//!
//! Implements the tracing header as the X-Ray documentation describes it
//! ([X-Ray concepts, "Tracing header"](https://docs.aws.amazon.com/xray/latest/devguide/xray-concepts.html#xray-concepts-tracingheader)):
//!
//! ```text
//! X-Amzn-Trace-Id: Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1
//! field   = key "=" value, fields separated by ";" (OWS around keys and values ignored)
//! Root    = "1-" 8LOWERHEX "-" 24LOWERHEX   ; version 1, epoch seconds, 96 random bits
//! Parent  = 16LOWERHEX                       ; the caller's segment / subsegment id
//! Sampled = "0" / "1" / "?"                  ; "?": the caller asks the receiver to decide
//! ```
//!
//! - `Root` is required; `Parent` is optional (a load balancer that starts the trace sends
//!   `Root` alone, and the service's spans then have no remote parent).
//! - Other fields (`Lineage`, `Self`, ...) are kept in order and written back after the three
//!   known ones.
//! - Keys are case-sensitive, as the documentation spells them; a repeated known key, an empty
//!   field or a field without `=` rejects the header.
//!
//! The 128-bit trace-id is the root's 32 hex digits without the version and dashes, as
//! OpenTelemetry maps it; [`XRayTraceId`] writes a trace-id back in X-Ray's form.

use core::fmt;
use core::str::FromStr;
use std::error::Error;

use super::grammar::trim_ows;
use super::hex_field::{self, Case};
use crate::id::{ParseIdError, SpanId, TraceId};

/// Name of the header, lowercase.
pub const XRAY_HEADER: &str = "x-amzn-trace-id";

/// Longest value accepted, in bytes (this crate's bound, extra fields included).
pub const XRAY_MAX_LEN: usize = 512;

/// The field a context continued from `X-Amzn-Trace-Id` carries: its trace-id in X-Ray's form
/// (`1-5759e988-bd862e3fe1be46a994272793`), on every log line for log queries.
pub const XRAY_TRACE_ID_FIELD: &str = "xray_trace_id";

/// A trace-id written in X-Ray's form: `1-` + the first 8 hex digits + `-` + the other 24.
///
/// ```
/// use traced_runtime::TraceId;
/// use traced_runtime::propagation::XRayTraceId;
///
/// let id: TraceId = "5759e988bd862e3fe1be46a994272793".parse()?;
/// assert_eq!(XRayTraceId(id).to_string(), "1-5759e988-bd862e3fe1be46a994272793");
/// # Ok::<(), traced_runtime::ParseIdError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct XRayTraceId(pub TraceId);

impl fmt::Display for XRayTraceId {
    /// 35 characters.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hex = self.0.to_string();
        let (time, random) = hex.split_at(8);
        write!(f, "1-{time}-{random}")
    }
}

/// The `Sampled` field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum XRaySampled {
    /// `Sampled=0`.
    No,
    /// `Sampled=1`.
    Yes,
    /// `Sampled=?`: the receiver decides.
    Requested,
}

impl XRaySampled {
    /// `Some(true)` / `Some(false)`, or `None` for a deferred decision.
    #[must_use]
    pub const fn decision(self) -> Option<bool> {
        match self {
            Self::No => Some(false),
            Self::Yes => Some(true),
            Self::Requested => None,
        }
    }

    const fn as_str(self) -> &'static str {
        match self {
            Self::No => "0",
            Self::Yes => "1",
            Self::Requested => "?",
        }
    }
}

/// One `X-Amzn-Trace-Id` value.
///
/// ```
/// use traced_runtime::propagation::{XRayHeader, XRaySampled};
///
/// let value: XRayHeader =
///     "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1;Lineage=a87bd80c:1"
///         .parse()?;
/// assert_eq!(value.trace_id().to_string(), "5759e988bd862e3fe1be46a994272793");
/// assert_eq!(value.sampled(), Some(XRaySampled::Yes));
/// assert_eq!(value.extra(), "Lineage=a87bd80c:1");
/// assert_eq!(
///     value.to_string(),
///     "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1;Lineage=a87bd80c:1"
/// );
/// # Ok::<(), traced_runtime::propagation::ParseXRayError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct XRayHeader {
    trace_id: TraceId,
    parent_id: Option<SpanId>,
    sampled: Option<XRaySampled>,
    /// Other fields, trimmed, joined with `;`.
    extra: Box<str>,
}

impl XRayHeader {
    /// Builds a value from its fields, with no extra fields.
    #[must_use]
    pub fn new(trace_id: TraceId, parent_id: Option<SpanId>, sampled: Option<XRaySampled>) -> Self {
        Self {
            trace_id,
            parent_id,
            sampled,
            extra: "".into(),
        }
    }

    /// Parses a header value given as bytes.
    ///
    /// # Errors
    ///
    /// A [`ParseXRayError`] naming the first field that is wrong. Never panics.
    pub fn parse(value: &[u8]) -> Result<Self, ParseXRayError> {
        let value = trim_ows(value);
        if value.len() > XRAY_MAX_LEN {
            return Err(ParseXRayError::TooLong { found: value.len() });
        }
        let (mut root, mut parent, mut sampled) = (None, None, None);
        let mut extra: Vec<u8> = Vec::new();
        for (index, field) in value.split(|&b| b == b';').enumerate() {
            let field = trim_ows(field);
            let eq = field
                .iter()
                .position(|&b| b == b'=')
                .ok_or(ParseXRayError::Field { index })?;
            let (key, value) = (trim_ows(&field[..eq]), trim_ows(&field[eq + 1..]));
            if key.is_empty() || value.contains(&b'=') {
                return Err(ParseXRayError::Field { index });
            }
            match key {
                b"Root" => set_once(&mut root, parse_root(value)?, "Root")?,
                b"Parent" => set_once(
                    &mut parent,
                    hex_field::span_id(value, &[16], Case::Lower)
                        .map_err(ParseXRayError::Parent)?,
                    "Parent",
                )?,
                b"Sampled" => set_once(
                    &mut sampled,
                    match value {
                        b"0" => XRaySampled::No,
                        b"1" => XRaySampled::Yes,
                        b"?" => XRaySampled::Requested,
                        _ => return Err(ParseXRayError::Sampled),
                    },
                    "Sampled",
                )?,
                _ => {
                    if !field.iter().all(|b| b.is_ascii_graphic() || *b == b' ') {
                        return Err(ParseXRayError::Field { index });
                    }
                    if !extra.is_empty() {
                        extra.push(b';');
                    }
                    extra.extend_from_slice(key);
                    extra.push(b'=');
                    extra.extend_from_slice(value);
                }
            }
        }
        let trace_id = root.ok_or(ParseXRayError::MissingRoot)?;
        Ok(Self {
            trace_id,
            parent_id: parent,
            sampled,
            // Only visible ASCII and spaces were kept.
            extra: String::from_utf8_lossy(&extra).into(),
        })
    }

    /// The trace-id (the root's 32 hex digits).
    #[must_use]
    pub const fn trace_id(&self) -> TraceId {
        self.trace_id
    }

    /// The caller's segment id, when sent.
    #[must_use]
    pub const fn parent_id(&self) -> Option<SpanId> {
        self.parent_id
    }

    /// The `Sampled` field, when sent.
    #[must_use]
    pub const fn sampled(&self) -> Option<XRaySampled> {
        self.sampled
    }

    /// The other fields, `key=value` joined with `;`, in the order received (empty if none).
    #[must_use]
    pub fn extra(&self) -> &str {
        &self.extra
    }
}

fn set_once<T>(slot: &mut Option<T>, value: T, key: &'static str) -> Result<(), ParseXRayError> {
    if slot.is_some() {
        return Err(ParseXRayError::Repeated { key });
    }
    *slot = Some(value);
    Ok(())
}

/// `1-{8 hex}-{24 hex}` to the 128-bit trace-id.
fn parse_root(value: &[u8]) -> Result<TraceId, ParseXRayError> {
    if value.len() != 35 {
        return Err(ParseXRayError::Root(ParseIdError::InvalidLength {
            expected: 35,
            found: value.len(),
        }));
    }
    for (index, expected) in [(0, b'1'), (1, b'-'), (10, b'-')] {
        if value[index] != expected {
            return Err(ParseXRayError::Root(ParseIdError::InvalidCharacter {
                index,
                found: value[index],
            }));
        }
    }
    let mut hex = [0u8; 32];
    hex[..8].copy_from_slice(&value[2..10]);
    hex[8..].copy_from_slice(&value[11..]);
    hex_field::trace_id(&hex, &[32], Case::Lower).map_err(ParseXRayError::Root)
}

impl fmt::Display for XRayHeader {
    /// `Root=…[;Parent=…][;Sampled=…][;extra]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Root={}", XRayTraceId(self.trace_id))?;
        if let Some(parent) = self.parent_id {
            write!(f, ";Parent={parent}")?;
        }
        if let Some(sampled) = self.sampled {
            write!(f, ";Sampled={}", sampled.as_str())?;
        }
        if !self.extra.is_empty() {
            write!(f, ";{}", self.extra)?;
        }
        Ok(())
    }
}

impl FromStr for XRayHeader {
    type Err = ParseXRayError;

    /// Same as [`XRayHeader::parse`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s.as_bytes())
    }
}

/// Why an `X-Amzn-Trace-Id` value was rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParseXRayError {
    /// Longer than [`XRAY_MAX_LEN`] bytes.
    TooLong {
        /// Length in bytes after trimming.
        found: usize,
    },
    /// Field number `index` (0-based) is empty, has no `=`, an empty key, or stray bytes.
    Field {
        /// 0-based index of the field.
        index: usize,
    },
    /// `Root`, `Parent` or `Sampled` appears twice.
    Repeated {
        /// The repeated key.
        key: &'static str,
    },
    /// No `Root` field.
    MissingRoot,
    /// `Root` is not `1-` + 8 + `-` + 24 lowercase hex digits, or is zero.
    Root(ParseIdError),
    /// `Parent` is not 16 lowercase hex digits, or is zero.
    Parent(ParseIdError),
    /// `Sampled` is not `0`, `1` or `?`.
    Sampled,
    /// The carrier has `count` (two or more) `X-Amzn-Trace-Id` fields.
    Duplicate {
        /// How many values were found.
        count: usize,
    },
}

impl fmt::Display for ParseXRayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooLong { found } => {
                write!(
                    f,
                    "invalid X-Amzn-Trace-Id: {found} bytes, at most {XRAY_MAX_LEN}"
                )
            }
            Self::Field { index } => {
                write!(f, "invalid X-Amzn-Trace-Id: field {index} is not key=value")
            }
            Self::Repeated { key } => write!(f, "invalid X-Amzn-Trace-Id: {key} repeated"),
            Self::MissingRoot => f.write_str("invalid X-Amzn-Trace-Id: no Root"),
            Self::Root(e) => write!(f, "invalid X-Amzn-Trace-Id Root: {e}"),
            Self::Parent(e) => write!(f, "invalid X-Amzn-Trace-Id Parent: {e}"),
            Self::Sampled => f.write_str("invalid X-Amzn-Trace-Id Sampled: expected 0, 1 or ?"),
            Self::Duplicate { count } => {
                write!(f, "{count} X-Amzn-Trace-Id headers, expected one")
            }
        }
    }
}

impl Error for ParseXRayError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            Self::Root(e) | Self::Parent(e) => Some(e),
            _ => None,
        }
    }
}
