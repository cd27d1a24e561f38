//! tower-http's `trace` module glob-imported beside traced's tower module: no name in common, so
//! `TraceLayer` is tower-http's and `ServerLayer` / `ClientLayer` are traced's.

use tower::Layer as _;
use tower_http::trace::*;
use traced_runtime::tower::*;

#[test]
fn tower_http_and_traced_layers_stack_unqualified() {
    let service = tower::service_fn(|_: http::Request<String>| async {
        Ok::<_, std::convert::Infallible>(http::Response::new(String::new()))
    });
    let stacked = ServerLayer::new().layer(TraceLayer::new_for_http().layer(service));
    let _: ServerService<Trace<_, _>> = stacked;
    let _client = ClientLayer::new();
    let _default: DefaultMakeSpan = DefaultMakeSpan::new();
}
