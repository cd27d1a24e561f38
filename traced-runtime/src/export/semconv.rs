//! The attribute names of exported spans: OpenTelemetry's stable
//! [HTTP semantic conventions](https://opentelemetry.io/docs/specs/semconv/http/http-spans/)
//! and its [messaging conventions](https://opentelemetry.io/docs/specs/semconv/messaging/messaging-spans/),
//! in this one place.
//!
//! With the `opentelemetry` feature they are the constants of the
//! `opentelemetry-semantic-conventions` crate; without it (no dependency in a lean build), the
//! same strings, checked against that crate by this module's tests.

macro_rules! names {
    ($($(#[$doc:meta])* $name:ident = $value:literal;)*) => {
        $(
            $(#[$doc])*
            #[cfg(feature = "opentelemetry")]
            pub const $name: &str = opentelemetry_semantic_conventions::attribute::$name;
            $(#[$doc])*
            #[cfg(not(feature = "opentelemetry"))]
            pub const $name: &str = $value;
        )*

        #[cfg(all(test, feature = "opentelemetry"))]
        #[test]
        fn the_lean_names_are_the_semantic_conventions() {
            $(assert_eq!($value, $name);)*
        }
    };
}

names! {
    /// `http.request.method`: the request method, `GET`; `_OTHER` for a method HTTP does not
    /// define.
    HTTP_REQUEST_METHOD = "http.request.method";
    /// `http.response.status_code`: the response status, an integer.
    HTTP_RESPONSE_STATUS_CODE = "http.response.status_code";
    /// `http.route`: the matched route template, `/orders/{id}` (server spans).
    HTTP_ROUTE = "http.route";
    /// `url.path`: the request target's path (server spans).
    URL_PATH = "url.path";
    /// `url.query`: the request target's query, without `?`, when present (server spans).
    URL_QUERY = "url.query";
    /// `url.scheme`: `http` or `https` (server spans).
    URL_SCHEME = "url.scheme";
    /// `url.full`: the absolute URL of an outgoing request, credentials removed (client spans).
    URL_FULL = "url.full";
    /// `server.address`: the host the request was sent to (the `Host` header on a server).
    SERVER_ADDRESS = "server.address";
    /// `server.port`: the port the request was sent to, an integer.
    SERVER_PORT = "server.port";
    /// `client.address`: the caller's address (behind proxies: the first `X-Forwarded-For`).
    CLIENT_ADDRESS = "client.address";
    /// `network.protocol.version`: the HTTP version, `1.1`, `2`.
    NETWORK_PROTOCOL_VERSION = "network.protocol.version";
    /// `user_agent.original`: the `User-Agent` header, as sent.
    USER_AGENT_ORIGINAL = "user_agent.original";
    /// `error.type`: why an operation failed: the HTTP status code (`500`) or the error's type.
    ERROR_TYPE = "error.type";
}

/// The messaging conventions' names. They are still "development" (experimental) in the
/// conventions, so `opentelemetry-semantic-conventions` has them only behind its
/// `semconv_experimental` feature: spelled here, and checked against that crate (with the
/// feature) by this module's tests.
macro_rules! experimental_names {
    ($($(#[$doc:meta])* $name:ident = $value:literal;)*) => {
        $(
            $(#[$doc])*
            pub const $name: &str = $value;
        )*

        #[cfg(test)]
        #[test]
        fn the_messaging_names_are_the_semantic_conventions() {
            $(assert_eq!($value, opentelemetry_semantic_conventions::attribute::$name);)*
        }
    };
}

experimental_names! {
    /// `messaging.system`: the messaging system, `rabbitmq`, `nats`, `kafka`, or the job
    /// queue's name for [`payload`](crate::payload) spans.
    MESSAGING_SYSTEM = "messaging.system";
    /// `messaging.destination.name`: where the message was sent: the AMQP exchange (the
    /// routing key, i.e. the queue, when the default exchange is used), the NATS subject, the
    /// Kafka topic, the job queue. The older conventions (and OpenTelemetry Python's pika
    /// instrumentation) call it `messaging.destination`.
    MESSAGING_DESTINATION_NAME = "messaging.destination.name";
    /// `messaging.operation.type`: `send` (PRODUCER spans), `receive` (a batch pulled from the
    /// broker), `process` (a CONSUMER span that handles one message).
    MESSAGING_OPERATION_TYPE = "messaging.operation.type";
    /// `messaging.operation.name`: the system's name for the operation, `publish`, `process`,
    /// `receive`; the first word of the span name.
    MESSAGING_OPERATION_NAME = "messaging.operation.name";
    /// `messaging.message.id`: the message's id, when the producer set one (AMQP `message-id`).
    MESSAGING_MESSAGE_ID = "messaging.message.id";
    /// `messaging.message.body.size`: the payload's size in bytes, an integer.
    MESSAGING_MESSAGE_BODY_SIZE = "messaging.message.body.size";
    /// `messaging.batch.message_count`: how many messages a batch span covers, an integer.
    MESSAGING_BATCH_MESSAGE_COUNT = "messaging.batch.message_count";
    /// `messaging.rabbitmq.destination.routing_key`: the AMQP routing key of a message.
    MESSAGING_RABBITMQ_DESTINATION_ROUTING_KEY = "messaging.rabbitmq.destination.routing_key";
}

/// `code.namespace`: the module path that opened a span (its `log` target). Superseded in the
/// conventions by `code.function.name` (still experimental), but what trace UIs show today;
/// hence spelled here rather than taken from the crate's experimental set.
pub const CODE_NAMESPACE: &str = "code.namespace";

/// Names of OpenTelemetry's
/// [RPC](https://opentelemetry.io/docs/specs/semconv/rpc/rpc-spans/) and
/// [gRPC](https://opentelemetry.io/docs/specs/semconv/rpc/grpc/) conventions, which are still
/// experimental: spelled here (the `opentelemetry-semantic-conventions` crate has them only
/// behind its `semconv_experimental` feature) and checked against that crate by this module's
/// tests.
macro_rules! experimental_names {
    ($($(#[$doc:meta])* $name:ident = $value:literal;)*) => {
        $(
            $(#[$doc])*
            pub const $name: &str = $value;
        )*

        #[cfg(all(test, feature = "opentelemetry"))]
        #[test]
        fn the_rpc_names_are_the_semantic_conventions() {
            $(assert_eq!($name, opentelemetry_semantic_conventions::attribute::$name);)*
        }
    };
}

experimental_names! {
    /// `rpc.system`: `grpc` on gRPC spans.
    RPC_SYSTEM = "rpc.system";
    /// `rpc.service`: the full name of the service, `orders.Orders` (from the request path
    /// `/orders.Orders/GetOrder`).
    RPC_SERVICE = "rpc.service";
    /// `rpc.method`: the method's name, `GetOrder`.
    RPC_METHOD = "rpc.method";
    /// `rpc.grpc.status_code`: the gRPC status code of the call, an integer (0 = `OK`,
    /// 14 = `UNAVAILABLE`).
    RPC_GRPC_STATUS_CODE = "rpc.grpc.status_code";
}
