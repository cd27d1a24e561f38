//! The traced hop of the pika interop test (`tests/interop/pika_run.py`): consumes messages from
//! one RabbitMQ queue, each in a CONSUMER span continuing the producer's trace, logs, publishes
//! each onwards to a second queue (a PRODUCER span beneath the CONSUMER span), acks, and exports
//! its spans over OTLP (`OTEL_EXPORTER_OTLP_ENDPOINT`).
//!
//! ```text
//! AMQP_URL=amqp://127.0.0.1:5672/%2f OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318 \
//!     cargo run --example amqp_relay -- IN_QUEUE OUT_QUEUE COUNT
//! ```
//!
//! Prints `ready` on stdout once it consumes, and exits after COUNT messages.

use futures::StreamExt as _;
use lapin::options::{
    BasicAckOptions, BasicConsumeOptions, BasicPublishOptions, QueueDeclareOptions,
};
use lapin::types::FieldTable;
use lapin::{BasicProperties, Connection, ConnectionProperties};
use traced_runtime::messaging::lapin as traced_lapin;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    traced_runtime::logger::init();
    let mut args = std::env::args().skip(1);
    let (Some(input), Some(output), Some(count)) = (args.next(), args.next(), args.next()) else {
        return Err("usage: amqp_relay IN_QUEUE OUT_QUEUE COUNT".into());
    };
    let count: usize = count.parse()?;
    let url = std::env::var("AMQP_URL").unwrap_or_else(|_| "amqp://127.0.0.1:5672/%2f".to_owned());
    let otlp = traced_runtime::otel::otlp::init()?;
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let connection = Connection::connect(&url, ConnectionProperties::default()).await?;
        let channel = connection.create_channel().await?;
        for queue in [&input, &output] {
            channel
                .queue_declare(queue, QueueDeclareOptions::default(), FieldTable::default())
                .await?;
        }
        let mut consumer = channel
            .basic_consume(&input, "amqp-relay", BasicConsumeOptions::default(), FieldTable::default())
            .await?;
        println!("ready");
        for _ in 0..count {
            let delivery = consumer.next().await.ok_or("the consumer was cancelled")??;
            traced_lapin::consumer_span(&delivery)
                .run(async {
                    log::info!(target: "amqp_relay", "relaying {} bytes from {input} to {output}", delivery.data.len());
                    traced_lapin::publish(&channel, "", &output, BasicPublishOptions::default(), &delivery.data, BasicProperties::default())
                        .await?
                        .await?;
                    delivery.ack(BasicAckOptions::default()).await
                })
                .await?;
        }
        connection.close(200, "done").await?;
        Ok::<_, Box<dyn std::error::Error>>(())
    })?;
    otlp.force_flush()?;
    Ok(())
}
