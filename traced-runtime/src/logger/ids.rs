//! The current ids as one `Display` value, for log formats that cannot read key-values.

use core::fmt;

use crate::context::with_current;
use crate::id::{SpanId, TraceId};

/// The trace-id and span-id current when [`ids`] was called, for the format of a `log` back
/// end that cannot read key-values (fern, a log4rs encoder, a flexi_logger format function).
///
/// `{}` writes `[trace_id] [span_id]` as traced's text format does (32 and 16 lowercase hex
/// characters, `-` for a missing one); `{:#}` writes `trace_id=… span_id=…`, leaving out a
/// missing one.
///
/// A back end's format runs inside the `log::info!` call, on the caller's thread, so `ids()`
/// there sees the context of the line being logged:
///
/// ```
/// # fn fern_format(out: impl FnOnce(std::fmt::Arguments<'_>), message: &std::fmt::Arguments<'_>, record: &log::Record<'_>) {
/// // fern: `.format(|out, message, record| out.finish(format_args!(...)))`
/// out(format_args!(
///     "{} {} {}: {}",
///     traced_runtime::logger::ids(),
///     record.level(),
///     record.target(),
///     message
/// ));
/// # }
/// let ctx = traced_runtime::TraceContext::new_root();
/// let text = ctx.in_scope(|| traced_runtime::logger::ids().to_string());
/// assert_eq!(text, format!("[{}] [-]", ctx.trace_id()));
/// assert_eq!(traced_runtime::logger::ids().to_string(), "[-] [-]");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Ids {
    /// The trace-id, `None` outside any context.
    pub trace_id: Option<TraceId>,
    /// The span-id, `None` outside any context or in a trace without a span.
    pub span_id: Option<SpanId>,
}

/// The current trace-id and span-id (see [`Ids`]). One thread-local read.
#[must_use]
pub fn ids() -> Ids {
    with_current(|ctx| Ids {
        trace_id: ctx.map(|c| c.trace_id()),
        span_id: ctx.and_then(|c| c.span_id()),
    })
}

impl fmt::Display for Ids {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if f.alternate() {
            let mut sep = "";
            if let Some(trace_id) = &self.trace_id {
                write!(f, "trace_id={trace_id}")?;
                sep = " ";
            }
            if let Some(span_id) = &self.span_id {
                write!(f, "{sep}span_id={span_id}")?;
            }
            return Ok(());
        }
        f.write_str("[")?;
        match &self.trace_id {
            Some(id) => fmt::Display::fmt(id, f)?,
            None => f.write_str("-")?,
        }
        f.write_str("] [")?;
        match &self.span_id {
            Some(id) => fmt::Display::fmt(id, f)?,
            None => f.write_str("-")?,
        }
        f.write_str("]")
    }
}
