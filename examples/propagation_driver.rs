//! A conformance driver for every propagation format: JSON lines in, JSON lines out.
//!
//! Each input line is `{"formats": ["b3", ...], "headers": {"name": "value", ...}}`, with
//! OpenTelemetry's propagator names (`tracecontext`, `baggage`, `b3`, `b3multi`, `jaeger`,
//! `xray`, `gcp_trace`). The driver extracts with a set of those formats, in that order, and
//! prints one line:
//!
//! ```text
//! {"valid": true, "format": "b3", "trace_id": "32 hex", "span_id": "16 hex" | null,
//!  "sampled": true | false | null, "inject": {"header": "value", ...}}
//! {"valid": false, "error": "..."}
//! ```
//!
//! - `format`: the format the context came from; `span_id`: the caller's span (null when the
//!   format sent none: an X-Ray `Root` alone); `sampled`: the caller's decision, null when it
//!   deferred it to the receiver.
//! - `inject`: what the service sends downstream for that context in each of the input's
//!   formats (the extracted context itself, not a child span, so that a peer's injection of
//!   the same context compares equal).
//!
//! It never panics, whatever the input: a line that is not such an object gives
//! `{"valid": false, "error": ...}` too. Used by `tests/interop/propagators.py`, which runs a
//! corpus through this driver and through OpenTelemetry's Python propagators.
//!
//! ```text
//! echo '{"formats":["b3"],"headers":{"b3":"80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1"}}' |
//!     cargo run --quiet --example propagation_driver
//! ```

use std::collections::{BTreeMap, HashMap};
use std::io::{self, BufRead, Write};

use serde_json::{Value, json};
use traced_runtime::TraceContext;
use traced_runtime::propagation::{
    B3, B3_HEADER, B3MultiValues, CLOUD_TRACE_HEADER, CloudTraceContext, Extractor, Format,
    Propagators, X_B3_FLAGS, X_B3_PARENT_SPAN_ID, X_B3_SAMPLED, X_B3_SPAN_ID, X_B3_TRACE_ID,
    XRAY_HEADER, XRayHeader,
};

fn main() -> io::Result<()> {
    let stdin = io::stdin();
    let mut out = io::BufWriter::new(io::stdout().lock());
    for line in stdin.lock().split(b'\n') {
        let line = line?;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let answer = match run(&line) {
            Ok(answer) => answer,
            Err(error) => json!({"valid": false, "error": error}),
        };
        serde_json::to_writer(&mut out, &answer)?;
        out.write_all(b"\n")?;
    }
    out.flush()
}

fn run(line: &[u8]) -> Result<Value, String> {
    let input: Value = serde_json::from_slice(line).map_err(|e| format!("bad input line: {e}"))?;
    let formats = input
        .get("formats")
        .and_then(Value::as_array)
        .ok_or("bad input line: no \"formats\" array")?
        .iter()
        .map(|name| {
            name.as_str()
                .ok_or_else(|| "bad input line: a format name is not a string".to_owned())
                .and_then(|name| name.parse::<Format>().map_err(|e| e.to_string()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let headers: HashMap<String, String> = input
        .get("headers")
        .and_then(Value::as_object)
        .ok_or("bad input line: no \"headers\" object")?
        .iter()
        .map(|(name, value)| {
            value
                .as_str()
                .map(|value| (name.clone(), value.to_owned()))
                .ok_or_else(|| format!("bad input line: header {name:?} is not a string"))
        })
        .collect::<Result<_, _>>()?;

    let set = Propagators::new(formats.iter().copied());
    let ctx = set.extract(&headers).map_err(|e| e.to_string())?;
    let origin = ctx.origin();
    let sampled = match origin.map(|format| deferred(format, &headers)) {
        Some(true) => Value::Null,
        _ => Value::Bool(ctx.is_sampled()),
    };
    Ok(json!({
        "valid": true,
        "format": origin.map(Format::name),
        "trace_id": ctx.trace_id().to_string(),
        "span_id": ctx.span_id().map(|id| id.to_string()),
        "sampled": sampled,
        "inject": injected(&ctx, &formats),
    }))
}

/// What each format writes for `ctx`, merged (sorted by header name).
fn injected(ctx: &TraceContext, formats: &[Format]) -> BTreeMap<String, String> {
    let mut out = HashMap::new();
    Propagators::new(formats.iter().copied()).inject(ctx, &mut out);
    out.into_iter().collect()
}

/// Whether the caller left the sampling decision to the receiver (read again from the header
/// the context came from: the context itself holds the head sampler's decision then).
fn deferred(format: Format, headers: &HashMap<String, String>) -> bool {
    let first = |name| headers.get_all(name).next();
    match format {
        Format::B3 => first(B3_HEADER)
            .and_then(|v| B3::parse(v).ok())
            .is_some_and(|b3| b3.sampling().is_none()),
        Format::B3Multi => B3::from_multi(B3MultiValues {
            trace_id: first(X_B3_TRACE_ID),
            span_id: first(X_B3_SPAN_ID),
            parent_span_id: first(X_B3_PARENT_SPAN_ID),
            sampled: first(X_B3_SAMPLED),
            flags: first(X_B3_FLAGS),
        })
        .is_ok_and(|b3| b3.sampling().is_none()),
        Format::XRay => first(XRAY_HEADER)
            .and_then(|v| XRayHeader::parse(v).ok())
            .is_some_and(|x| x.sampled().and_then(|s| s.decision()).is_none()),
        Format::CloudTrace => first(CLOUD_TRACE_HEADER)
            .and_then(|v| CloudTraceContext::parse(v).ok())
            .is_some_and(|c| c.sampled().is_none()),
        _ => false,
    }
}
