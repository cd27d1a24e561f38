//! The end of a gRPC call, shared by the server layer and [`GrpcClientLayer`](super::GrpcClientLayer):
//! its status is read from the response head when the response is trailers-only, else from the
//! trailers at the end of the body, so a span (and the server's access-log line) ends when the
//! call ends: at once for a unary call that failed before any message, after the last message
//! of a stream.
//!
//! The shape is tower-http's `classify` module (`GrpcErrorsAsFailures`: classify the head,
//! else classify the end of stream), kept here so that the code, its name and the span status
//! come from the same place as the rest of traced's spans.

use core::fmt;
use std::borrow::Cow;

use http::HeaderMap;
use http_body::Frame;

use crate::context::TraceContext;
use crate::export::ending::EndSpan as _;
use crate::export::grpc::{GrpcCode, GrpcSpan, GrpcStatus};
use crate::own_lines;

/// What ended a gRPC call.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// The peer's `grpc-status` (in the trailers or the head), or `UNKNOWN` when the body ended
    /// without one.
    Status(GrpcStatus),
    /// The call failed without a status: the service (server) or the transport (client)
    /// returned an error of the type `error_type`.
    Failed {
        error_type: Cow<'static, str>,
        description: String,
    },
    /// The response (future or body) was dropped before the call ended: the caller went away.
    Dropped,
}

/// A gRPC span waiting for its call to end, with what its end writes.
#[derive(Debug)]
pub(crate) struct GrpcEnd {
    pub(crate) record: GrpcSpan,
    pub(crate) ctx: TraceContext,
    /// The level of the server's access-log line; `None` for no line (and on a client).
    pub(crate) access_log: Option<log::Level>,
    /// The response's HTTP status code, once the head has arrived.
    pub(crate) http_status: Option<u16>,
}

impl GrpcEnd {
    /// The response head has arrived with `status` and `headers`: a trailers-only response
    /// (`grpc-status` in the head) ends the call now and gives `None`; otherwise the end waits
    /// for the body's trailers and is given back.
    pub(crate) fn on_head(
        mut self: Box<Self>,
        status: http::StatusCode,
        headers: &HeaderMap,
    ) -> Option<Box<Self>> {
        self.http_status = Some(status.as_u16());
        match GrpcStatus::from_headers(headers) {
            Some(grpc) => {
                self.finish(Outcome::Status(grpc));
                None
            }
            None => Some(self),
        }
    }

    /// A frame (or the end, or an error) of the response body: trailers, the end of the
    /// stream or an error end the call; data frames do not.
    pub(crate) fn on_frame<D, E>(end: &mut Option<Box<Self>>, frame: &Option<Result<Frame<D>, E>>) {
        let outcome = match frame {
            Some(Ok(frame)) => match frame.trailers_ref() {
                Some(trailers) => Outcome::Status(
                    GrpcStatus::from_headers(trailers)
                        .unwrap_or(GrpcStatus::code(GrpcCode::UNKNOWN)),
                ),
                None => return,
            },
            Some(Err(_)) => Outcome::Failed {
                error_type: Cow::Borrowed(std::any::type_name::<E>()),
                description: "the response body failed".to_owned(),
            },
            None => Outcome::Status(GrpcStatus::code(GrpcCode::UNKNOWN)),
        };
        if let Some(end) = end.take() {
            end.finish(outcome);
        }
    }

    /// Ends the span and writes the access-log line.
    pub(crate) fn finish(self, outcome: Outcome) {
        let Self {
            record,
            ctx,
            access_log,
            http_status,
        } = self;
        match outcome {
            Outcome::Status(status) => {
                access_line(&record, &ctx, access_log, http_status, Some(status.code));
                record.end_with_status(&ctx, &status);
            }
            Outcome::Failed {
                error_type,
                description,
            } => {
                access_line(&record, &ctx, access_log, http_status, None);
                record.end_with_error(&ctx, error_type, description);
            }
            Outcome::Dropped => match crate::export::status_on_drop() {
                crate::export::SpanStatus::Unset => {
                    let status = GrpcStatus::code(GrpcCode::CANCELLED);
                    access_line(&record, &ctx, access_log, http_status, Some(status.code));
                    record.end_with_status(&ctx, &status);
                }
                panicked => record.end_with(&ctx, panicked),
            },
        }
    }
}

/// A gRPC call's end still to come, ended as cancelled ([`Outcome::Dropped`]) if it is
/// dropped first: the response body (or future) that holds it went away before the trailers.
#[derive(Debug)]
pub(crate) struct PendingEnd(pub(crate) Option<Box<GrpcEnd>>);

impl Drop for PendingEnd {
    fn drop(&mut self) {
        if let Some(end) = self.0.take() {
            end.finish(Outcome::Dropped);
        }
    }
}

/// `POST /orders.Orders/GetOrder 200 grpc=UNAVAILABLE(14) 0.950 ms` with the key-values
/// `method`, `path`, `status` (HTTP), `grpc_status` (the code's name, or `error`),
/// `grpc_status_code` and `latency_ms`; at ERROR when the code is an error for the span, else
/// at `level`.
fn access_line(
    record: &GrpcSpan,
    ctx: &TraceContext,
    level: Option<log::Level>,
    http_status: Option<u16>,
    code: Option<GrpcCode>,
) {
    let Some(mut level) = level else {
        return;
    };
    if code.is_none_or(|code| record.is_error(code)) {
        level = log::Level::Error;
    }
    let target = record.target();
    let path = record.path();
    let latency_ms = record.elapsed_ms();
    let status = match http_status {
        Some(code) => log::kv::Value::from(code),
        None => log::kv::Value::from("error"),
    };
    if !own_lines::enabled(level) {
        return;
    }
    let emit = |args: fmt::Arguments<'_>, kvs: &dyn log::kv::Source| {
        own_lines::emit(level, target, module_path!(), args, kvs);
    };
    let method = ("method", log::kv::Value::from("POST"));
    let path_kv = ("path", log::kv::Value::from(path));
    let status_kv = ("status", status.clone());
    let latency = ("latency_ms", log::kv::Value::from(latency_ms));
    ctx.in_scope(|| match code {
        Some(code) => emit(
            format_args!("POST {path} {status} grpc={code} {latency_ms:.3} ms"),
            &[
                method,
                path_kv,
                status_kv,
                ("grpc_status", log::kv::Value::from(code.name())),
                ("grpc_status_code", log::kv::Value::from(code.0)),
                latency,
            ],
        ),
        None => emit(
            format_args!("POST {path} {status} grpc=error {latency_ms:.3} ms"),
            &[
                method,
                path_kv,
                status_kv,
                ("grpc_status", log::kv::Value::from("error")),
                latency,
            ],
        ),
    });
}
