//! The cost of `subscriber::SpanContextLayer` in instructions, for `valgrind --tool=callgrind`
//! (wall-clock medians of `benches/benches/span_context.rs` need a quiet machine).
//!
//! ```text
//! cargo build --profile bench -p benches --bin span_context_callgrind
//! for path in span_without span_with event_without event_with; do
//!   valgrind --tool=callgrind --toggle-collect='span_context_callgrind::measured*' \
//!     target/release/span_context_callgrind $path 20000
//! done
//! ```
//!
//! Instructions per operation = the run's `Ir` total / the iteration count (collection is on
//! only inside [`measured`]).
//!
//! - `span_without` / `span_with`: create and close a `tracing` span while a trace context is
//!   current, under a registry without / with the layer.
//! - `event_without` / `event_with`: an event inside such a span on a thread with no context
//!   current, written by tracing-subscriber's fmt layer with traced's text format to a sink;
//!   without the layer the line says `trace_id=- span_id=-`, with it the span's ids.

use std::hint::black_box;

use traced_runtime::TraceContext;
use traced_runtime::subscriber::SpanContextLayer;
use tracing::Dispatch;
use tracing_subscriber::layer::SubscriberExt as _;

#[inline(never)]
fn measured(n: u64, op: &dyn Fn(u64)) {
    for i in 0..n {
        op(black_box(i));
    }
}

fn fmt_dispatch(layer: bool) -> Dispatch {
    let fmt = tracing_subscriber::fmt::layer()
        .with_writer(std::io::sink)
        .event_format(traced_runtime::subscriber::text());
    if layer {
        Dispatch::new(
            tracing_subscriber::registry()
                .with(fmt)
                .with(SpanContextLayer::new()),
        )
    } else {
        Dispatch::new(tracing_subscriber::registry().with(fmt))
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().unwrap_or_default();
    let n: u64 = args.next().and_then(|n| n.parse().ok()).unwrap_or(20_000);
    let ctx = TraceContext::new_root()
        .child()
        .with_field("account_id", "account-456");
    match path.as_str() {
        "span_without" | "span_with" => {
            let dispatch = if path == "span_with" {
                Dispatch::new(tracing_subscriber::registry().with(SpanContextLayer::new()))
            } else {
                Dispatch::new(tracing_subscriber::registry())
            };
            tracing::dispatcher::with_default(&dispatch, || {
                let _scope = ctx.enter();
                // The first span warms the registry's slab and the callsite's interest.
                drop(tracing::info_span!("request", uri = "/orders/42"));
                measured(n, &|_| {
                    black_box(tracing::info_span!("request", uri = "/orders/42"));
                });
            });
        }
        "event_without" | "event_with" => {
            let dispatch = fmt_dispatch(path == "event_with");
            tracing::dispatcher::with_default(&dispatch, || {
                let span = ctx.in_scope(|| tracing::info_span!("request", uri = "/orders/42"));
                let _entered = span.enter();
                assert!(TraceContext::current().is_none());
                tracing::info!(i = 0, "processing request");
                measured(n, &|i| tracing::info!(i, "processing request"));
            });
        }
        other => {
            eprintln!("unknown path {other:?}: span_without, span_with, event_without, event_with");
            std::process::exit(2);
        }
    }
}
