//! The matched route template, handed from the router to the server layer.
//!
//! The server layer wraps the whole router, so it runs before routing and cannot see which
//! route matched. The router's own extension (axum's `MatchedPath`) is a type of the framework,
//! and `http::Extensions` can only be searched by type: traced, which depends on no framework,
//! takes the route from a [`Route`] extension instead, in the request (set by an outer layer) or
//! in the response (set by [`RouteLayer`] inside the router, or by a handler).

use core::task::{Context, Poll};
use std::borrow::Cow;

use http::{Extensions, Request, Response};
use tower_layer::Layer;
use tower_service::Service;

/// The route template that matched a request (`/orders/{id}`): the server span's `http.route`
/// and the second word of its name (`GET /orders/{id}`).
///
/// Put it in the response's (or the request's) extensions; [`RouteLayer`] does that for a
/// router.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Route(pub Cow<'static, str>);

/// Copies the matched route from the request's extensions to the response's, as a [`Route`],
/// for the server layer outside the router to read. `route` reads the framework's extension.
///
/// With axum, as a `route_layer` (it runs after routing, where `MatchedPath` is set):
///
/// ```ignore
/// use axum::extract::MatchedPath;
/// use traced_runtime::layer::{RouteLayer, ServerLayer};
///
/// let app = Router::new()
///     .route("/orders/{id}", get(order))
///     .route_layer(RouteLayer::new(|ext| {
///         ext.get::<MatchedPath>().map(|path| path.as_str().to_owned())
///     }))
///     .layer(ServerLayer::new());
/// ```
#[derive(Clone, Copy, Debug)]
pub struct RouteLayer {
    route: fn(&Extensions) -> Option<String>,
}

impl RouteLayer {
    /// A layer that reads the route with `route` (a function or a closure that captures
    /// nothing).
    #[must_use]
    pub fn new(route: fn(&Extensions) -> Option<String>) -> Self {
        Self { route }
    }
}

impl<S> Layer<S> for RouteLayer {
    type Service = RouteService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RouteService {
            inner,
            route: self.route,
        }
    }
}

/// The service made by [`RouteLayer`].
#[derive(Clone, Debug)]
pub struct RouteService<S> {
    inner: S,
    route: fn(&Extensions) -> Option<String>,
}

impl<S, B, RB> Service<Request<B>> for RouteService<S>
where
    S: Service<Request<B>, Response = Response<RB>>,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = core::pin::Pin<
        Box<dyn core::future::Future<Output = Result<Self::Response, Self::Error>> + Send>,
    >;

    #[inline]
    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        let route = (self.route)(req.extensions());
        let future = self.inner.call(req);
        Box::pin(async move {
            let mut response = future.await?;
            if let Some(route) = route {
                response.extensions_mut().insert(Route(Cow::Owned(route)));
            }
            Ok(response)
        })
    }
}
