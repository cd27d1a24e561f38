//! HTTP spans (feature `http`): the SERVER span of the tower server layer and the CLIENT span
//! of the tower client layer and the reqwest middleware, with OpenTelemetry's stable
//! [HTTP semantic conventions](https://opentelemetry.io/docs/specs/semconv/http/http-spans/):
//! attributes, span name and status.
// With `reqwest` alone only the client half is used.
#![cfg_attr(not(feature = "tower"), allow(dead_code))]

use std::borrow::Cow;
use std::net::SocketAddr;

use http::{HeaderMap, Method, StatusCode, Uri, Version, header};

use super::ending::EndSpan;
use super::semconv::{
    CLIENT_ADDRESS, ERROR_TYPE, HTTP_REQUEST_METHOD, HTTP_RESPONSE_STATUS_CODE, HTTP_ROUTE,
    NETWORK_PROTOCOL_VERSION, SERVER_ADDRESS, SERVER_PORT, URL_FULL, URL_PATH, URL_QUERY,
    URL_SCHEME, USER_AGENT_ORIGINAL,
};
use super::span::{Finish, Started, start};
use super::{Attribute, Kind, SpanStatus};
use crate::context::TraceContext;

/// The method as the conventions spell it: one of the methods HTTP defines, else `_OTHER`
/// ("http.request.method" has a closed set of values so that it stays low-cardinality).
pub(crate) fn method_name(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        Method::PATCH => "PATCH",
        Method::CONNECT => "CONNECT",
        Method::TRACE => "TRACE",
        _ => "_OTHER",
    }
}

/// `network.protocol.version` of an HTTP version.
fn protocol_version(version: Version) -> Option<&'static str> {
    Some(match version {
        Version::HTTP_09 => "0.9",
        Version::HTTP_10 => "1.0",
        Version::HTTP_11 => "1.1",
        Version::HTTP_2 => "2",
        Version::HTTP_3 => "3",
        _ => return None,
    })
}

/// Splits `host[:port]` (a `Host` header or a URI authority; IPv6 literals in brackets).
pub(crate) fn host_and_port(authority: &str) -> (&str, Option<u16>) {
    let (host, port) = match authority.rfind(':') {
        Some(i) if !authority[i..].contains(']') => {
            (&authority[..i], authority[i + 1..].parse().ok())
        }
        _ => (authority, None),
    };
    (host.trim_start_matches('[').trim_end_matches(']'), port)
}

pub(crate) fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" => Some(80),
        "https" => Some(443),
        _ => None,
    }
}

pub(crate) fn header_str(headers: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// One HTTP span being recorded: what the access-log line and the exported span need.
#[derive(Debug)]
pub(crate) struct HttpSpan {
    kind: Kind,
    method: &'static str,
    /// The request target's path (server) or the full URL (client), for the access-log line.
    path: String,
    route: Option<Cow<'static, str>>,
    target: &'static str,
    /// `Some` while an exporter is installed: then the attributes are collected too.
    started: Option<Started>,
    attributes: Vec<Attribute>,
    start: std::time::Instant,
}

/// What the server knows about a request beyond the request itself.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Peer {
    /// The socket address of the connection's other end.
    pub(crate) client: Option<SocketAddr>,
}

impl HttpSpan {
    /// The SERVER span of an incoming request.
    pub(crate) fn server(
        method: &Method,
        uri: &Uri,
        version: Version,
        headers: &HeaderMap,
        peer: Peer,
        target: &'static str,
    ) -> Self {
        let started = start();
        let method_name = method_name(method);
        let mut attributes = Vec::new();
        if started.is_some() {
            attributes.push(Attribute::new(HTTP_REQUEST_METHOD, method_name));
            attributes.push(Attribute::new(URL_PATH, uri.path().to_owned()));
            if let Some(query) = uri.query() {
                attributes.push(Attribute::new(URL_QUERY, query.to_owned()));
            }
            let scheme = uri
                .scheme_str()
                .or_else(|| {
                    header_str(
                        headers,
                        header::HeaderName::from_static("x-forwarded-proto"),
                    )
                })
                .unwrap_or("http")
                .to_ascii_lowercase();
            let authority =
                header_str(headers, header::HOST).or_else(|| uri.authority().map(|a| a.as_str()));
            if let Some(authority) = authority {
                let (host, port) = host_and_port(authority);
                attributes.push(Attribute::new(SERVER_ADDRESS, host.to_owned()));
                if let Some(port) = port.or_else(|| default_port(&scheme)) {
                    attributes.push(Attribute::new(SERVER_PORT, i64::from(port)));
                }
            }
            attributes.push(Attribute::new(URL_SCHEME, scheme));
            // Behind proxies, the conventions ask for the original client.
            let forwarded = header_str(headers, header::HeaderName::from_static("x-forwarded-for"))
                .and_then(|list| list.split(',').next())
                .map(str::trim)
                .filter(|s| !s.is_empty());
            match (forwarded, peer.client) {
                (Some(client), _) => {
                    attributes.push(Attribute::new(CLIENT_ADDRESS, client.to_owned()))
                }
                (None, Some(addr)) => {
                    attributes.push(Attribute::new(CLIENT_ADDRESS, addr.ip().to_string()));
                }
                (None, None) => {}
            }
            if let Some(version) = protocol_version(version) {
                attributes.push(Attribute::new(NETWORK_PROTOCOL_VERSION, version));
            }
            if let Some(agent) = header_str(headers, header::USER_AGENT) {
                attributes.push(Attribute::new(USER_AGENT_ORIGINAL, agent.to_owned()));
            }
        }
        Self {
            kind: Kind::Server,
            method: method_name,
            path: uri.path().to_owned(),
            route: None,
            target,
            started,
            attributes,
            start: std::time::Instant::now(),
        }
    }

    /// The CLIENT span of an outgoing request to `url` (absolute). Without an exporter it
    /// records nothing but the method (nothing logs a client's access line).
    pub(crate) fn client(
        method: &Method,
        url: impl FnOnce() -> String,
        target: &'static str,
    ) -> Self {
        let started = start();
        let method_name = method_name(method);
        let mut attributes = Vec::new();
        let mut full = String::new();
        if started.is_some() {
            full = redact_credentials(&url());
            attributes.push(Attribute::new(HTTP_REQUEST_METHOD, method_name));
            attributes.push(Attribute::new(URL_FULL, full.clone()));
            if let Ok(uri) = full.parse::<Uri>() {
                if let Some(host) = uri.host() {
                    let host = host.trim_start_matches('[').trim_end_matches(']');
                    attributes.push(Attribute::new(SERVER_ADDRESS, host.to_owned()));
                }
                let port = uri
                    .port_u16()
                    .or_else(|| uri.scheme_str().and_then(default_port));
                if let Some(port) = port {
                    attributes.push(Attribute::new(SERVER_PORT, i64::from(port)));
                }
            }
        }
        Self {
            kind: Kind::Client,
            method: method_name,
            path: full,
            route: None,
            target,
            started,
            attributes,
            start: std::time::Instant::now(),
        }
    }

    /// The route template that matched (server spans), for `http.route` and the span name.
    pub(crate) fn set_route(&mut self, route: Cow<'static, str>) {
        self.route = Some(route);
    }

    /// The route if known, else the path (or, on a client span, the URL).
    pub(crate) fn route_or_path(&self) -> &str {
        self.route.as_deref().unwrap_or(&self.path)
    }

    /// Whether the route template is known.
    pub(crate) fn has_route(&self) -> bool {
        self.route.is_some()
    }

    /// The `log` target of the code that opened the span.
    pub(crate) fn target(&self) -> &'static str {
        self.target
    }

    /// The method as the conventions spell it.
    pub(crate) fn method(&self) -> &'static str {
        self.method
    }

    /// Time since the span started, in milliseconds, to the microsecond.
    pub(crate) fn elapsed_ms(&self) -> f64 {
        let micros = self.start.elapsed().as_micros();
        // Exact for any latency below 2^53 µs (285 years).
        micros as f64 / 1000.0
    }

    /// `{method} {route}`, or the method alone when no route is known (a path would make the
    /// name high-cardinality); `HTTP` for a method outside the known set.
    fn name(&self) -> Cow<'static, str> {
        let method = if self.method == "_OTHER" {
            "HTTP"
        } else {
            self.method
        };
        match (&self.route, self.kind) {
            (Some(route), Kind::Server) => Cow::Owned(format!("{method} {route}")),
            _ => Cow::Borrowed(method),
        }
    }

    /// Ends the span with the response's status: ERROR for 5xx on a server, for 4xx and 5xx on
    /// a client.
    pub(crate) fn end_with_status(mut self, ctx: &TraceContext, status: StatusCode) {
        let Some(started) = self.started.take() else {
            return;
        };
        let failed = match self.kind {
            Kind::Client => status.is_client_error() || status.is_server_error(),
            _ => status.is_server_error(),
        };
        self.attributes.push(Attribute::new(
            HTTP_RESPONSE_STATUS_CODE,
            i64::from(status.as_u16()),
        ));
        let status = if failed {
            self.attributes
                .push(Attribute::new(ERROR_TYPE, status.as_str().to_owned()));
            SpanStatus::Error {
                description: Cow::Owned(status.to_string()),
            }
        } else {
            SpanStatus::Unset
        };
        self.end(started, ctx, status);
    }
}

impl EndSpan for HttpSpan {
    fn take_started(&mut self) -> Option<Started> {
        self.started.take()
    }

    fn push_attribute(&mut self, attribute: Attribute) {
        self.attributes.push(attribute);
    }

    fn end(mut self, started: Started, ctx: &TraceContext, status: SpanStatus) {
        if let (Some(route), Kind::Server) = (&self.route, self.kind) {
            self.attributes
                .push(Attribute::new(HTTP_ROUTE, route.clone().into_owned()));
        }
        let name = self.name();
        started.finish(
            ctx,
            Finish {
                kind: self.kind,
                name,
                target: self.target,
                status,
                attributes: core::mem::take(&mut self.attributes),
                links: Vec::new(),
            },
        );
    }
}

/// `url` without a `user:password@` part (the conventions ask to redact credentials from
/// `url.full`).
fn redact_credentials(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_owned();
    };
    let rest = &url[scheme_end + 3..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!(
            "{}REDACTED:REDACTED@{}",
            &url[..scheme_end + 3],
            &rest[at + 1..]
        ),
        None => url.to_owned(),
    }
}

/// The `error.type` of an error value: its type's name (the conventions' choice when there is
/// no status code).
pub(crate) fn error_type<E>() -> Cow<'static, str> {
    Cow::Borrowed(std::any::type_name::<E>())
}

#[cfg(test)]
mod tests {
    use super::{host_and_port, method_name, redact_credentials};

    #[test]
    fn host_headers_split_into_address_and_port() {
        assert_eq!(
            host_and_port("example.com:8080"),
            ("example.com", Some(8080))
        );
        assert_eq!(host_and_port("example.com"), ("example.com", None));
        assert_eq!(host_and_port("[::1]:3000"), ("::1", Some(3000)));
        assert_eq!(host_and_port("[::1]"), ("::1", None));
    }

    #[test]
    fn unknown_methods_are_other() {
        assert_eq!(method_name(&http::Method::GET), "GET");
        let custom = http::Method::from_bytes(b"PURGE").unwrap();
        assert_eq!(method_name(&custom), "_OTHER");
    }

    #[test]
    fn credentials_are_redacted_from_the_full_url() {
        assert_eq!(
            redact_credentials("https://user:pw@example.com/a?b=c"),
            "https://REDACTED:REDACTED@example.com/a?b=c"
        );
        assert_eq!(
            redact_credentials("http://example.com/a@b"),
            "http://example.com/a@b"
        );
    }
}
