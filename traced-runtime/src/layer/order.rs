//! Reports, once per process, a server layer that runs inside tower-http's `TraceLayer`
//! (feature `tracing`): in that order tower-http's `started processing request` and `finished
//! processing request` lines are written before traced has extracted the context, so they
//! carry no ids (see the module docs of [`tower`](super) for the order).
//!
//! The check is the first request's, not the build's: a layer cannot see the layers around it,
//! but while it is called, tower-http's request span is the current `tracing` span.

use core::sync::atomic::{AtomicBool, Ordering};

static REPORTED: AtomicBool = AtomicBool::new(false);

/// Whether the current `tracing` span is one of tower-http's (its `make_span` sets targets
/// under `tower_http`).
fn inside_tower_http() -> bool {
    ::tracing::Span::current()
        .metadata()
        .is_some_and(|metadata| metadata.target().starts_with("tower_http"))
}

/// Warns once (target [`DEFAULT_TARGET`](super::DEFAULT_TARGET)) when the server layer is
/// called inside tower-http's request span. One relaxed load once reported.
#[inline]
pub(super) fn check() {
    if REPORTED.load(Ordering::Relaxed) || !inside_tower_http() {
        return;
    }
    if !REPORTED.swap(true, Ordering::Relaxed) {
        log::warn!(
            target: super::DEFAULT_TARGET,
            "traced_runtime::layer::ServerLayer runs inside tower_http::trace::TraceLayer, so \
             tower-http's request and response lines carry no trace-id: apply traced's layer \
             after tower-http's in axum (`.layer(tower_http..).layer(traced_runtime::layer::\
             ServerLayer::new())`), before it in a ServiceBuilder"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::inside_tower_http;

    #[test]
    fn a_tower_http_span_around_the_call_is_recognised() {
        ::tracing::subscriber::with_default(tracing_subscriber::registry(), || {
            assert!(!inside_tower_http());
            let theirs = ::tracing::debug_span!(target: "tower_http::trace::make_span", "request");
            let entered = theirs.enter();
            assert!(inside_tower_http());
            drop(entered);
            let other = ::tracing::info_span!(target: "my_app", "handler");
            let _entered = other.enter();
            assert!(!inside_tower_http());
        });
    }
}
