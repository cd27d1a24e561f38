//! Reading a message's trace headers with a list of what was wrong with them, so that the
//! consumer can name every problem in one WARN instead of dropping it silently.
//!
//! The parsers and bounds are the HTTP ones ([`propagation`](crate::propagation)); what this
//! adds is the diagnosis: a duplicated or malformed `traceparent` (the message continues in a
//! fresh trace, [W3C Trace Context §3.2.2](https://www.w3.org/TR/trace-context/#traceparent-header-field-values)),
//! an invalid or oversized `tracestate` (dropped whole, the trace continues,
//! [§3.3](https://www.w3.org/TR/trace-context/#tracestate-header)), a `baggage` over its byte
//! limit ([W3C Baggage, Limits](https://www.w3.org/TR/baggage/#limits)).

use std::borrow::Cow;

use crate::context::TraceContext;
use crate::propagation::{
    BAGGAGE_HEADER, BAGGAGE_MAX_BYTES, ExtractError, Extractor, TRACESTATE_HEADER, TraceState,
    extract, extract_baggage,
};

/// The outcome of reading one message's headers.
#[derive(Debug)]
pub(crate) struct Extracted {
    /// The producer's context (its span-id is the PRODUCER span's), or `None` when the message
    /// carried no usable `traceparent`.
    pub(crate) remote: Option<TraceContext>,
    /// The baggage, kept even when `traceparent` was unusable (as `extract_or_root` does).
    pub(crate) baggage: crate::propagation::Baggage,
    /// What was wrong, in header order; empty for a message without trace headers (a producer
    /// that does not propagate is not an error).
    pub(crate) problems: Vec<Cow<'static, str>>,
}

/// Reads `carrier` like [`extract`], and notes every problem on the way.
pub(crate) fn extract_checked(carrier: &impl Extractor) -> Extracted {
    let mut problems = Vec::new();
    let remote = match extract(carrier) {
        Ok(remote) => Some(remote),
        Err(ExtractError::Missing) => None,
        Err(e) => {
            problems.push(Cow::Owned(format!("traceparent: {e}")));
            None
        }
    };
    if remote.is_some() {
        // `extract` drops an invalid tracestate whole; say so.
        if let Err(e) = TraceState::parse_joined(carrier.get_all(TRACESTATE_HEADER)) {
            problems.push(Cow::Owned(format!("tracestate dropped: {e}")));
        }
    }
    let baggage_bytes: usize = carrier.get_all(BAGGAGE_HEADER).map(<[u8]>::len).sum();
    if baggage_bytes > BAGGAGE_MAX_BYTES {
        problems.push(Cow::Owned(format!(
            "baggage is {baggage_bytes} bytes, over the limit of {BAGGAGE_MAX_BYTES}: members past it dropped"
        )));
    }
    Extracted {
        remote,
        baggage: extract_baggage(carrier),
        problems,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::extract_checked;

    fn carrier(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn no_headers_is_no_problem() {
        let extracted = extract_checked(&carrier(&[]));
        assert!(extracted.remote.is_none());
        assert!(extracted.problems.is_empty());
    }

    #[test]
    fn a_garbled_traceparent_is_named() {
        let extracted = extract_checked(&carrier(&[("traceparent", "00-zz")]));
        assert!(extracted.remote.is_none());
        assert_eq!(extracted.problems.len(), 1);
        assert!(extracted.problems[0].starts_with("traceparent: "));
    }

    #[test]
    fn an_oversized_tracestate_is_named_and_the_trace_kept() {
        let long = format!("a={}", "x".repeat(600));
        let extracted = extract_checked(&carrier(&[
            (
                "traceparent",
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            ),
            ("tracestate", &long),
        ]));
        assert!(extracted.remote.is_some());
        assert!(extracted.problems[0].starts_with("tracestate dropped: "));
    }

    #[test]
    fn oversized_baggage_is_named() {
        let big = format!("k={}", "v".repeat(9000));
        let extracted = extract_checked(&carrier(&[("baggage", &big)]));
        assert!(extracted.problems[0].starts_with("baggage is 9002 bytes"));
    }
}
