//! The event bus: in-process in the embedded mode, RabbitMQ in production. The outbox
//! relay publishes to it; consumers receive from it.

pub mod inprocess;
pub mod live;
pub mod rabbit;
pub mod relay;

use app::audit::EventEnvelope;

pub use inprocess::InProcessBus;
pub use rabbit::{RabbitBus, RabbitOptions};

#[derive(Clone)]
pub enum Bus {
    InProcess(InProcessBus),
    Rabbit(RabbitBus),
}

impl Bus {
    /// RabbitMQ with `rabbit`'s options, otherwise the in-process dispatcher.
    pub async fn connect(rabbit: Option<RabbitOptions>) -> anyhow::Result<Bus> {
        match rabbit {
            Some(options) => Ok(Bus::Rabbit(RabbitBus::connect(options).await?)),
            None => Ok(Bus::InProcess(InProcessBus::default())),
        }
    }

    /// Publishes a batch; returns only once every event is accepted (broker confirms).
    pub async fn publish(&self, events: &[EventEnvelope]) -> anyhow::Result<()> {
        match self {
            Bus::InProcess(bus) => {
                bus.publish(events);
                Ok(())
            }
            Bus::Rabbit(bus) => bus.publish(events).await,
        }
    }

    pub async fn healthy(&self) -> bool {
        match self {
            Bus::InProcess(_) => true,
            Bus::Rabbit(bus) => bus.healthy().await,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Bus::InProcess(_) => "in-process",
            Bus::Rabbit(_) => "rabbitmq",
        }
    }
}
