//! The Rust hop of the gRPC interop test (`tests/interop/grpc_run.py`): a tonic service with
//! traced's `ServerLayer`, calling the next gRPC service through a tonic `Channel` wearing
//! traced's `GrpcClientLayer`, exporting its spans over OTLP/HTTP.
//!
//! `orders.Orders/GetOrder` calls the same method on `$NEXT_ADDR` (`host:port`) and answers with
//! its answer, or its status. Environment: `NEXT_ADDR` and the `OTEL_*` variables of
//! [`traced_runtime::otel::otlp`]. It prints `listening on ADDR` on stdout once it accepts
//! connections, and exits, flushing its spans, when its stdin closes.

use tonic::transport::{Channel, Endpoint, Server};
use tonic::{Request, Response, Status};
use tower::Layer as _;
use traced_runtime::layer::{GrpcClientLayer, GrpcClientService, ServerLayer};

mod proto {
    #![allow(missing_docs, unreachable_pub, clippy::all)]
    tonic::include_proto!("orders");
}

use proto::orders_client::OrdersClient;
use proto::orders_server::{Orders, OrdersServer};
use proto::{GetOrderRequest, ListOrdersRequest, Order};

struct Relay {
    next: OrdersClient<GrpcClientService<Channel>>,
}

#[tonic::async_trait]
impl Orders for Relay {
    async fn get_order(
        &self,
        request: Request<GetOrderRequest>,
    ) -> Result<Response<Order>, Status> {
        let id = request.into_inner().id;
        log::info!(target: "interop", "relaying order {id}");
        let answer = self.next.clone().get_order(GetOrderRequest { id }).await;
        if let Err(status) = &answer {
            log::warn!(target: "interop", "the next service failed: {status}");
        }
        Ok(Response::new(answer?.into_inner()))
    }

    type ListOrdersStream = futures::stream::Empty<Result<Order, Status>>;

    async fn list_orders(
        &self,
        _request: Request<ListOrdersRequest>,
    ) -> Result<Response<Self::ListOrdersStream>, Status> {
        Err(Status::unimplemented("not relayed"))
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    traced_runtime::logger::init();
    let otlp = traced_runtime::otel::otlp::init()?;
    let runtime = tokio::runtime::Runtime::new()?;
    let endpoint = Endpoint::from_shared(format!("http://{}", std::env::var("NEXT_ADDR")?))?;
    let next = runtime.block_on(async {
        OrdersClient::new(GrpcClientLayer::new(endpoint.uri()).layer(endpoint.connect_lazy()))
    });
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
    println!("listening on {}", listener.local_addr()?);
    let server = Server::builder()
        .layer(ServerLayer::new().with_target("interop"))
        .add_service(OrdersServer::new(Relay { next }));
    runtime.spawn(async move {
        let incoming = tonic::transport::server::TcpIncoming::from(listener);
        if let Err(e) = server.serve_with_incoming(incoming).await {
            log::error!(target: "interop", "server stopped: {e}");
        }
    });

    // Serve until stdin closes, then flush the spans (on this plain thread: the OTLP client
    // blocks) and exit.
    std::io::Read::read_to_end(&mut std::io::stdin(), &mut Vec::new())?;
    drop(runtime);
    otlp.force_flush()?;
    drop(otlp);
    Ok(())
}
