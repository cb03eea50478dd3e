//! RabbitMQ through lapin: a durable topic exchange, one durable queue per consumer with
//! a dead-letter queue, persistent messages, publisher confirms and manual acks. Broken
//! connections are re-established on the next use.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context};
use app::audit::EventEnvelope;
use futures_util::StreamExt;
use lapin::options::{
    BasicAckOptions, BasicConsumeOptions, BasicNackOptions, BasicPublishOptions, BasicQosOptions, ConfirmSelectOptions,
    ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions,
};
use lapin::types::{AMQPValue, FieldTable, LongString, ShortString};
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties, ExchangeKind};
use tokio::sync::Mutex;

/// Connecting and declaring give up after this long.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// A batch's publication and confirms give up after this long.
pub const CONFIRM_TIMEOUT: Duration = Duration::from_secs(10);
/// The readiness check gives up after this long (and says unavailable).
pub const HEALTH_TIMEOUT: Duration = Duration::from_secs(2);

/// Runs `work` within `limit`, naming `what` when it takes longer.
async fn within<T>(limit: Duration, what: &str, work: impl std::future::Future<Output = anyhow::Result<T>>) -> anyhow::Result<T> {
    match tokio::time::timeout(limit, work).await {
        Ok(result) => result,
        Err(_) => bail!("RabbitMQ did not answer {what} within {} s", limit.as_secs()),
    }
}

/// Where and how to talk to the broker.
#[derive(Debug, Clone)]
pub struct RabbitOptions {
    pub url: String,
    /// Prefix of exchange and queue names (`TAQUILLA_AMQP_PREFIX`, default `taquilla`).
    pub prefix: String,
    /// Unused queues are deleted after this long (`x-expires`), for throw-away setups.
    pub queue_expires_ms: Option<u32>,
}

impl RabbitOptions {
    fn exchange(&self) -> String {
        format!("{}.events", self.prefix)
    }

    fn dead_letter_exchange(&self) -> String {
        format!("{}.dead-letter", self.prefix)
    }

    pub fn queue(&self, consumer: &str) -> String {
        format!("{}.{consumer}", self.prefix)
    }

    pub fn dead_letter_queue(&self, consumer: &str) -> String {
        format!("{}.{consumer}.dead", self.prefix)
    }
}

#[derive(Clone)]
pub struct RabbitBus {
    options: Arc<RabbitOptions>,
    publisher: Arc<Mutex<Option<(Connection, Channel)>>>,
}

impl RabbitBus {
    /// Connects once to check the broker and declare the exchanges.
    pub async fn connect(options: RabbitOptions) -> anyhow::Result<Self> {
        let bus = RabbitBus { options: Arc::new(options), publisher: Arc::new(Mutex::new(None)) };
        bus.publisher_channel().await.context("connecting to RabbitMQ")?;
        Ok(bus)
    }

    pub fn options(&self) -> &RabbitOptions {
        &self.options
    }

    async fn open(&self) -> anyhow::Result<(Connection, Channel)> {
        within(CONNECT_TIMEOUT, "the connection", self.open_unbounded()).await
    }

    async fn open_unbounded(&self) -> anyhow::Result<(Connection, Channel)> {
        // Named after the prefix, so an operator (or a test) can tell a deployment's
        // connections apart in `rabbitmqctl list_connections`.
        let properties = ConnectionProperties::default().with_connection_name(LongString::from(self.options.prefix.clone()));
        let conn = Connection::connect(&self.options.url, properties).await?;
        let channel = conn.create_channel().await?;
        let durable = ExchangeDeclareOptions { durable: true, ..Default::default() };
        channel.exchange_declare(&self.options.exchange(), ExchangeKind::Topic, durable, FieldTable::default()).await?;
        channel
            .exchange_declare(&self.options.dead_letter_exchange(), ExchangeKind::Direct, durable, FieldTable::default())
            .await?;
        Ok((conn, channel))
    }

    /// The publishing channel (with confirms), reconnecting if it broke.
    async fn publisher_channel(&self) -> anyhow::Result<Channel> {
        let mut guard = self.publisher.lock().await;
        if let Some((conn, channel)) = guard.as_ref() {
            if conn.status().connected() && channel.status().connected() {
                return Ok(channel.clone());
            }
        }
        let (conn, channel) = self.open().await?;
        within(CONNECT_TIMEOUT, "confirm.select", async { Ok::<_, anyhow::Error>(channel.confirm_select(ConfirmSelectOptions::default()).await?) }).await?;
        *guard = Some((conn, channel.clone()));
        Ok(channel)
    }

    /// Publishes persistent messages and waits for the broker's confirms.
    pub async fn publish(&self, events: &[EventEnvelope]) -> anyhow::Result<()> {
        let channel = self.publisher_channel().await?;
        let result = within(CONFIRM_TIMEOUT, "the publication", self.publish_on(&channel, events)).await;
        if result.is_err() {
            // Force a reconnect on the next batch.
            *self.publisher.lock().await = None;
        }
        result
    }

    async fn publish_on(&self, channel: &Channel, events: &[EventEnvelope]) -> anyhow::Result<()> {
        let exchange = self.options.exchange();
        let mut confirms = Vec::with_capacity(events.len());
        for event in events {
            let payload = serde_json::to_vec(event)?;
            let properties = BasicProperties::default()
                .with_delivery_mode(2)
                .with_content_type(ShortString::from("application/json"))
                .with_message_id(ShortString::from(event.id.to_string()))
                .with_type(ShortString::from(event.event_type.clone()));
            let confirm = channel
                .basic_publish(&exchange, &event.event_type, BasicPublishOptions::default(), &payload, properties)
                .await?;
            confirms.push(confirm);
        }
        for confirm in confirms {
            let confirmation = confirm.await?;
            if !confirmation.is_ack() {
                bail!("the broker refused a message");
            }
        }
        Ok(())
    }

    /// Whether the publisher can reach the broker, answered within [`HEALTH_TIMEOUT`]
    /// (a reconnection under way counts as not ready).
    pub async fn healthy(&self) -> bool {
        matches!(tokio::time::timeout(HEALTH_TIMEOUT, self.publisher_channel()).await, Ok(Ok(_)))
    }

    /// How many messages wait in a consumer's dead-letter queue (asked on the publisher's
    /// connection, time-boxed like the readiness check).
    pub async fn dead_lettered(&self, consumer: &str) -> anyhow::Result<u32> {
        let channel = within(HEALTH_TIMEOUT, "the publisher", self.publisher_channel()).await?;
        let queue = self.options.dead_letter_queue(consumer);
        let passive = QueueDeclareOptions { passive: true, durable: true, ..Default::default() };
        let declared = within(HEALTH_TIMEOUT, "the dead-letter queue's size", async {
            Ok::<_, anyhow::Error>(channel.queue_declare(&queue, passive, FieldTable::default()).await?)
        })
        .await;
        if declared.is_err() {
            // A passive declaration of a missing queue closes the channel: open it again.
            *self.publisher.lock().await = None;
        }
        Ok(declared?.message_count())
    }

    /// Declares a consumer's durable queue, its dead-letter queue and its bindings.
    async fn declare_queue(&self, channel: &Channel, name: &str, event_types: &[&str]) -> anyhow::Result<()> {
        let queue = self.options.queue(name);
        let dead = self.options.dead_letter_queue(name);
        let mut dead_args = FieldTable::default();
        let mut args = FieldTable::default();
        args.insert(ShortString::from("x-dead-letter-exchange"), AMQPValue::LongString(LongString::from(self.options.dead_letter_exchange())));
        args.insert(ShortString::from("x-dead-letter-routing-key"), AMQPValue::LongString(LongString::from(name.to_owned())));
        if let Some(ms) = self.options.queue_expires_ms {
            args.insert(ShortString::from("x-expires"), AMQPValue::LongUInt(ms));
            dead_args.insert(ShortString::from("x-expires"), AMQPValue::LongUInt(ms));
        }
        let durable = QueueDeclareOptions { durable: true, ..Default::default() };
        channel.queue_declare(&dead, durable, dead_args).await?;
        channel.queue_bind(&dead, &self.options.dead_letter_exchange(), name, QueueBindOptions::default(), FieldTable::default()).await?;
        channel.queue_declare(&queue, durable, args).await?;
        for event_type in event_types {
            channel.queue_bind(&queue, &self.options.exchange(), event_type, QueueBindOptions::default(), FieldTable::default()).await?;
        }
        Ok(())
    }

    /// Declares every consumer's queue before anything is published, so that no event
    /// reaches the exchange before the queue that must keep it exists.
    pub async fn declare_queues(&self, consumers: &[(&str, &[&str])]) -> anyhow::Result<()> {
        let (conn, channel) = self.open().await?;
        within(CONNECT_TIMEOUT, "the queue declarations", async {
            for (name, event_types) in consumers {
                self.declare_queue(&channel, name, event_types).await?;
            }
            Ok::<(), anyhow::Error>(())
        })
        .await?;
        let _ = conn.close(200, "declared").await;
        Ok(())
    }

    /// A channel consuming from the consumer's queue with at most `prefetch`
    /// unacknowledged deliveries.
    pub async fn consumer(&self, name: &str, event_types: &[&str], prefetch: u16) -> anyhow::Result<(Connection, Channel, lapin::Consumer)> {
        let (conn, channel) = self.open().await?;
        let consumer = within(CONNECT_TIMEOUT, "the consumer's set-up", async {
            self.declare_queue(&channel, name, event_types).await?;
            channel.basic_qos(prefetch, BasicQosOptions::default()).await?;
            let tag = format!("{name}-{}", uuid::Uuid::new_v4());
            Ok::<_, anyhow::Error>(channel.basic_consume(&self.options.queue(name), &tag, BasicConsumeOptions::default(), FieldTable::default()).await?)
        })
        .await?;
        Ok((conn, channel, consumer))
    }
}

impl RabbitBus {
    /// A consumer of every event of `event_types` for this process alone: a queue the
    /// broker names, exclusive to the connection and deleted with it, bound to those
    /// routing keys, acknowledged on delivery (live updates are worth nothing late; a
    /// message lost while the connection was down is replaced by the clients' reload).
    pub async fn live_consumer(&self, event_types: &[&str]) -> anyhow::Result<(Connection, Channel, lapin::Consumer)> {
        let (conn, channel) = self.open().await?;
        let consumer = within(CONNECT_TIMEOUT, "the live queue's set-up", async {
            let mut args = FieldTable::default();
            // A process that stalls keeps the broker's memory bounded.
            args.insert(ShortString::from("x-max-length"), AMQPValue::LongUInt(100_000));
            let private = QueueDeclareOptions { exclusive: true, auto_delete: true, durable: false, ..Default::default() };
            let queue = channel.queue_declare("", private, args).await?;
            for event_type in event_types {
                channel.queue_bind(queue.name().as_str(), &self.options.exchange(), event_type, QueueBindOptions::default(), FieldTable::default()).await?;
            }
            channel.basic_qos(1000, BasicQosOptions::default()).await?;
            let no_ack = BasicConsumeOptions { no_ack: true, exclusive: true, ..Default::default() };
            let tag = format!("live-{}", uuid::Uuid::new_v4());
            Ok::<_, anyhow::Error>(channel.basic_consume(queue.name().as_str(), &tag, no_ack, FieldTable::default()).await?)
        })
        .await?;
        Ok((conn, channel, consumer))
    }
}

/// What a consumer decided about a delivery.
pub enum Ack {
    Ack,
    /// Send to the dead-letter queue.
    DeadLetter,
    /// Give back to the queue, for a later delivery (the handler could not reach the
    /// database for too long).
    Requeue,
}

/// Consumes forever, reconnecting with back-off when the broker goes away. Deliveries
/// are handled concurrently, up to the prefetch count.
pub async fn consume_forever<F, Fut>(bus: RabbitBus, name: &'static str, event_types: &'static [&'static str], prefetch: u16, handle: F)
where
    F: Fn(Result<EventEnvelope, String>) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Ack> + Send + 'static,
{
    let handle = Arc::new(handle);
    let mut backoff = Duration::from_millis(200);
    loop {
        match bus.consumer(name, event_types, prefetch).await {
            Ok((_conn, _channel, mut consumer)) => {
                backoff = Duration::from_millis(200);
                tracing::info!(consumer = name, "consuming from RabbitMQ");
                while let Some(delivery) = consumer.next().await {
                    let delivery = match delivery {
                        Ok(d) => d,
                        Err(e) => {
                            tracing::warn!(consumer = name, error = %e, "delivery stream broke");
                            break;
                        }
                    };
                    let handle = handle.clone();
                    tokio::spawn(async move {
                        let parsed = serde_json::from_slice::<EventEnvelope>(&delivery.data).map_err(|e| e.to_string());
                        let outcome = match handle(parsed).await {
                            Ack::Ack => delivery.ack(BasicAckOptions::default()).await,
                            Ack::DeadLetter => delivery.nack(BasicNackOptions { requeue: false, ..Default::default() }).await,
                            Ack::Requeue => delivery.nack(BasicNackOptions { requeue: true, ..Default::default() }).await,
                        };
                        if let Err(e) = outcome {
                            tracing::warn!(consumer = name, error = %e, "acknowledgement failed; the broker will redeliver");
                        }
                    });
                }
            }
            Err(e) => tracing::warn!(consumer = name, error = format!("{e:#}"), "cannot consume from RabbitMQ"),
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(10));
    }
}
