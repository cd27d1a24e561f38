//! gRPC spans (feature `tower`): the SERVER span of the tower server layer for a gRPC request
//! and the CLIENT span of [`GrpcClientLayer`](crate::layer::GrpcClientLayer), with
//! OpenTelemetry's [RPC](https://opentelemetry.io/docs/specs/semconv/rpc/rpc-spans/) and
//! [gRPC](https://opentelemetry.io/docs/specs/semconv/rpc/grpc/) conventions: name
//! `{rpc.service}/{rpc.method}`, `rpc.system=grpc`, `rpc.service`, `rpc.method`,
//! `rpc.grpc.status_code`, `server.address` / `server.port`, and the status the gRPC
//! conventions give each side.
//!
//! The gRPC status of a call is in the `grpc-status` field of the response's trailers, or of its
//! head when the response is "trailers-only" (an error before any message, which is how tonic
//! answers `Err(Status)` from a unary method):
//! [gRPC over HTTP/2](https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md#responses).

use std::borrow::Cow;
use std::fmt;

use http::{HeaderMap, Uri, Version, header};

use super::ending::EndSpan;
use super::http::{Peer, default_port, header_str, host_and_port};
use super::semconv::{
    CLIENT_ADDRESS, ERROR_TYPE, NETWORK_PROTOCOL_VERSION, RPC_GRPC_STATUS_CODE, RPC_METHOD,
    RPC_SERVICE, RPC_SYSTEM, SERVER_ADDRESS, SERVER_PORT,
};
use super::span::{Finish, Started, start};
use super::{Attribute, Kind, SpanStatus};
use crate::context::TraceContext;

/// Whether `headers` (of a request) say gRPC: `content-type: application/grpc`, alone or with a
/// `+proto` / `+json` / `;...` suffix.
pub(crate) fn is_grpc(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| is_grpc_content_type(value.as_bytes()))
}

fn is_grpc_content_type(value: &[u8]) -> bool {
    const GRPC: &[u8] = b"application/grpc";
    value.len() >= GRPC.len()
        && value[..GRPC.len()].eq_ignore_ascii_case(GRPC)
        && matches!(value.get(GRPC.len()), None | Some(b'+' | b';'))
}

/// A gRPC status code: 0 (`OK`) to 16 (`UNAUTHENTICATED`); any other number a peer sends is
/// kept as it is and named `UNKNOWN`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct GrpcCode(pub(crate) u32);

impl GrpcCode {
    /// `OK`.
    pub(crate) const OK: Self = Self(0);
    /// `CANCELLED`: the caller went away.
    pub(crate) const CANCELLED: Self = Self(1);
    /// `UNKNOWN`: what a client concludes from a `grpc-status` it cannot read, or none.
    pub(crate) const UNKNOWN: Self = Self(2);

    /// The code's name, as the gRPC status codes document spells it.
    pub(crate) fn name(self) -> &'static str {
        const NAMES: [&str; 17] = [
            "OK",
            "CANCELLED",
            "UNKNOWN",
            "INVALID_ARGUMENT",
            "DEADLINE_EXCEEDED",
            "NOT_FOUND",
            "ALREADY_EXISTS",
            "PERMISSION_DENIED",
            "RESOURCE_EXHAUSTED",
            "FAILED_PRECONDITION",
            "ABORTED",
            "OUT_OF_RANGE",
            "UNIMPLEMENTED",
            "INTERNAL",
            "UNAVAILABLE",
            "DATA_LOSS",
            "UNAUTHENTICATED",
        ];
        usize::try_from(self.0)
            .ok()
            .and_then(|i| NAMES.get(i))
            .copied()
            .unwrap_or("UNKNOWN")
    }

    /// Whether a server's span is an error with this code: the conventions count only the
    /// codes that say the server failed (`UNKNOWN`, `DEADLINE_EXCEEDED`, `UNIMPLEMENTED`,
    /// `INTERNAL`, `UNAVAILABLE`, `DATA_LOSS`); the others are the caller's doing.
    pub(crate) fn is_server_error(self) -> bool {
        matches!(self.0, 2 | 4 | 12 | 13 | 14 | 15)
    }
}

impl fmt::Display for GrpcCode {
    /// `UNAVAILABLE(14)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}({})", self.name(), self.0)
    }
}

/// The status of a call as the peer sent it: its code and its `grpc-message`, if any.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct GrpcStatus {
    pub(crate) code: GrpcCode,
    pub(crate) message: Option<String>,
}

impl GrpcStatus {
    /// The status in `headers` (trailers, or the head of a trailers-only response); `None`
    /// without `grpc-status`. A value that is not a decimal number is `UNKNOWN`, as a gRPC
    /// client reads it.
    pub(crate) fn from_headers(headers: &HeaderMap) -> Option<Self> {
        let value = headers.get("grpc-status")?;
        let code = value
            .to_str()
            .ok()
            .and_then(|text| text.trim().parse::<u32>().ok())
            .map_or(GrpcCode::UNKNOWN, GrpcCode);
        let message = headers
            .get("grpc-message")
            .and_then(|value| value.to_str().ok())
            .filter(|text| !text.is_empty())
            .map(percent_decode);
        Some(Self { code, message })
    }

    /// A status with no message.
    pub(crate) fn code(code: GrpcCode) -> Self {
        Self {
            code,
            message: None,
        }
    }
}

/// `grpc-message` is percent-encoded UTF-8; a malformed escape is kept as it is.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&hi), Some(&lo)) if hex(hi).is_some() && hex(lo).is_some() => {
                let (hi, lo) = (hex(hi).unwrap_or(0), hex(lo).unwrap_or(0));
                out.push(u8::try_from(hi * 16 + lo).unwrap_or(b'?'));
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `/orders.Orders/GetOrder` -> (`orders.Orders`, `GetOrder`); `None` for a path of another
/// shape.
fn service_and_method(path: &str) -> Option<(&str, &str)> {
    let (service, method) = path.strip_prefix('/')?.split_once('/')?;
    (!service.is_empty() && !method.is_empty() && !method.contains('/'))
        .then_some((service, method))
}

/// One gRPC span being recorded: what the access-log line and the exported span need.
#[derive(Debug)]
pub(crate) struct GrpcSpan {
    kind: Kind,
    /// The request path, `/orders.Orders/GetOrder`.
    path: String,
    target: &'static str,
    /// `Some` while an exporter is installed: then the attributes are collected too.
    started: Option<Started>,
    attributes: Vec<Attribute>,
    start: std::time::Instant,
}

impl GrpcSpan {
    /// The SERVER span of an incoming gRPC request.
    pub(crate) fn server(
        uri: &Uri,
        version: Version,
        headers: &HeaderMap,
        peer: Peer,
        target: &'static str,
    ) -> Self {
        let mut span = Self::new(Kind::Server, uri.path(), target);
        if span.started.is_some() {
            let authority =
                header_str(headers, header::HOST).or_else(|| uri.authority().map(|a| a.as_str()));
            if let Some(authority) = authority {
                let (host, port) = host_and_port(authority);
                span.attributes
                    .push(Attribute::new(SERVER_ADDRESS, host.to_owned()));
                if let Some(port) = port {
                    span.attributes
                        .push(Attribute::new(SERVER_PORT, i64::from(port)));
                }
            }
            if let Some(addr) = peer.client {
                span.attributes
                    .push(Attribute::new(CLIENT_ADDRESS, addr.ip().to_string()));
            }
            if version == Version::HTTP_2 {
                span.attributes
                    .push(Attribute::new(NETWORK_PROTOCOL_VERSION, "2"));
            }
        }
        span
    }

    /// The CLIENT span of an outgoing gRPC request to `uri`; when `uri` is relative (tonic's
    /// are: the channel adds the origin), `server.address` / `server.port` come from `origin`.
    pub(crate) fn client(uri: &Uri, origin: Option<&Uri>, target: &'static str) -> Self {
        let mut span = Self::new(Kind::Client, uri.path(), target);
        if span.started.is_some() {
            let server = if uri.host().is_some() {
                Some(uri)
            } else {
                origin
            };
            if let Some(server) = server {
                if let Some(host) = server.host() {
                    let host = host.trim_start_matches('[').trim_end_matches(']');
                    span.attributes
                        .push(Attribute::new(SERVER_ADDRESS, host.to_owned()));
                }
                let port = server
                    .port_u16()
                    .or_else(|| server.scheme_str().and_then(default_port));
                if let Some(port) = port {
                    span.attributes
                        .push(Attribute::new(SERVER_PORT, i64::from(port)));
                }
            }
        }
        span
    }

    fn new(kind: Kind, path: &str, target: &'static str) -> Self {
        let started = start();
        let mut attributes = Vec::new();
        if started.is_some() {
            attributes.push(Attribute::new(RPC_SYSTEM, "grpc"));
            if let Some((service, method)) = service_and_method(path) {
                attributes.push(Attribute::new(RPC_SERVICE, service.to_owned()));
                attributes.push(Attribute::new(RPC_METHOD, method.to_owned()));
            }
        }
        Self {
            kind,
            path: path.to_owned(),
            target,
            started,
            attributes,
            start: std::time::Instant::now(),
        }
    }

    /// The request path, `/orders.Orders/GetOrder`.
    pub(crate) fn path(&self) -> &str {
        &self.path
    }

    /// The `log` target of the code that opened the span.
    pub(crate) fn target(&self) -> &'static str {
        self.target
    }

    /// Time since the span started, in milliseconds, to the microsecond.
    pub(crate) fn elapsed_ms(&self) -> f64 {
        // Exact for any latency below 2^53 µs (285 years).
        self.start.elapsed().as_micros() as f64 / 1000.0
    }

    /// Whether `code` makes this span an error: on a server, the codes that say the server
    /// failed ([`GrpcCode::is_server_error`]); on a client, every code but `OK`.
    pub(crate) fn is_error(&self, code: GrpcCode) -> bool {
        match self.kind {
            Kind::Server => code.is_server_error(),
            _ => code != GrpcCode::OK,
        }
    }

    /// Ends the span with the call's gRPC status.
    pub(crate) fn end_with_status(mut self, ctx: &TraceContext, status: &GrpcStatus) {
        let Some(started) = self.started.take() else {
            return;
        };
        self.attributes.push(Attribute::new(
            RPC_GRPC_STATUS_CODE,
            i64::from(status.code.0),
        ));
        let span_status = if self.is_error(status.code) {
            self.attributes
                .push(Attribute::new(ERROR_TYPE, status.code.name()));
            let description = match &status.message {
                Some(message) => format!("{}: {message}", status.code.name()),
                None => status.code.name().to_owned(),
            };
            SpanStatus::Error {
                description: Cow::Owned(description),
            }
        } else {
            SpanStatus::Unset
        };
        self.end(started, ctx, span_status);
    }
}

impl EndSpan for GrpcSpan {
    fn take_started(&mut self) -> Option<Started> {
        self.started.take()
    }

    fn push_attribute(&mut self, attribute: Attribute) {
        self.attributes.push(attribute);
    }

    fn end(mut self, started: Started, ctx: &TraceContext, status: SpanStatus) {
        let name = self
            .path
            .strip_prefix('/')
            .filter(|_| service_and_method(&self.path).is_some())
            .map_or_else(|| Cow::Borrowed("grpc"), |name| Cow::Owned(name.to_owned()));
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

#[cfg(test)]
mod tests {
    use super::{GrpcCode, GrpcStatus, is_grpc_content_type, percent_decode, service_and_method};
    use http::{HeaderMap, HeaderValue};

    #[test]
    fn grpc_content_types_are_recognised() {
        assert!(is_grpc_content_type(b"application/grpc"));
        assert!(is_grpc_content_type(b"application/grpc+proto"));
        assert!(is_grpc_content_type(b"Application/GRPC;charset=utf-8"));
        assert!(!is_grpc_content_type(b"application/grpc-web"));
        assert!(!is_grpc_content_type(b"application/json"));
        assert!(!is_grpc_content_type(b"application/grp"));
    }

    #[test]
    fn paths_split_into_service_and_method() {
        assert_eq!(
            service_and_method("/orders.Orders/GetOrder"),
            Some(("orders.Orders", "GetOrder"))
        );
        assert_eq!(service_and_method("/orders.Orders"), None);
        assert_eq!(service_and_method("//GetOrder"), None);
        assert_eq!(service_and_method("/a/b/c"), None);
        assert_eq!(service_and_method(""), None);
    }

    #[test]
    fn status_codes_are_read_and_named() {
        let mut headers = HeaderMap::new();
        assert_eq!(GrpcStatus::from_headers(&headers), None);
        headers.insert("grpc-status", HeaderValue::from_static("14"));
        headers.insert("grpc-message", HeaderValue::from_static("backend%20down%"));
        let status = GrpcStatus::from_headers(&headers).unwrap();
        assert_eq!(status.code, GrpcCode(14));
        assert_eq!(status.code.to_string(), "UNAVAILABLE(14)");
        assert_eq!(status.message.as_deref(), Some("backend down%"));
        headers.insert("grpc-status", HeaderValue::from_static("fourteen"));
        let status = GrpcStatus::from_headers(&headers).unwrap();
        assert_eq!(status.code, GrpcCode::UNKNOWN);
        assert_eq!(GrpcCode(99).name(), "UNKNOWN");
        assert_eq!(GrpcCode(u32::MAX).to_string(), "UNKNOWN(4294967295)");
    }

    #[test]
    fn only_server_faults_are_server_errors() {
        let errors: Vec<u32> = (0..17).filter(|c| GrpcCode(*c).is_server_error()).collect();
        assert_eq!(errors, [2, 4, 12, 13, 14, 15]);
    }

    #[test]
    fn malformed_percent_escapes_are_kept() {
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
        assert_eq!(percent_decode("caf%C3%A9"), "café");
        assert_eq!(percent_decode("%FF"), "\u{FFFD}");
    }
}
