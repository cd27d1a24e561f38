//! [`ParseBaggageError`]: why a baggage value or update was rejected.

use core::fmt;
use std::error::Error;

use super::limits::{MAX_BYTES, MAX_MEMBERS};

/// Why a baggage value was rejected by the strict parser ([`Baggage`](super::Baggage)'s
/// [`FromStr`](core::str::FromStr)) or an update.
///
/// `member` is the 0-based index of the list-member (counting empty ones).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParseBaggageError {
    /// An empty list-member (`a=1,,b=2`).
    EmptyMember {
        /// Index of the member.
        member: usize,
    },
    /// A member has no `=` or its key is not an RFC 7230 token.
    InvalidKey {
        /// Index of the member.
        member: usize,
    },
    /// A value has a character outside `baggage-octet` (whitespace, `"`, `,`, `;`, `\`,
    /// control or non-ASCII).
    InvalidValue {
        /// Index of the member.
        member: usize,
    },
    /// A property is empty or malformed.
    InvalidProperty {
        /// Index of the member.
        member: usize,
    },
    /// More than [`MAX_MEMBERS`](super::MAX_MEMBERS) list-members.
    TooManyMembers,
    /// The header value would be longer than [`MAX_BYTES`](super::MAX_BYTES).
    TooLong {
        /// Length of the header value up to and including the first member past the limit
        /// (the strict parser reads no further).
        bytes: usize,
    },
}

impl ParseBaggageError {
    /// The same error at list-member `member` (the member grammar reports member 0).
    pub(super) fn at(self, member: usize) -> Self {
        match self {
            Self::EmptyMember { .. } => Self::EmptyMember { member },
            Self::InvalidKey { .. } => Self::InvalidKey { member },
            Self::InvalidValue { .. } => Self::InvalidValue { member },
            Self::InvalidProperty { .. } => Self::InvalidProperty { member },
            other => other,
        }
    }
}

impl fmt::Display for ParseBaggageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::EmptyMember { member } => write!(f, "baggage member {member} is empty"),
            Self::InvalidKey { member } => write!(f, "baggage member {member}: invalid key"),
            Self::InvalidValue { member } => write!(f, "baggage member {member}: invalid value"),
            Self::InvalidProperty { member } => {
                write!(f, "baggage member {member}: invalid property")
            }
            Self::TooManyMembers => write!(f, "baggage has more than {MAX_MEMBERS} members"),
            Self::TooLong { bytes } => {
                write!(
                    f,
                    "baggage is at least {bytes} bytes, more than {MAX_BYTES}"
                )
            }
        }
    }
}

impl Error for ParseBaggageError {}
