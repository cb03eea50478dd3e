//! The event bus: in-process in the embedded mode, RabbitMQ in production. The outbox
//! relay publishes to it; consumers receive from it.

pub mod inprocess;
pub mod rabbit;
pub mod relay;

use app::audit::EventEnvelope;
use app::state::AppState;

pub use inprocess::InProcessBus;
pub use rabbit::{RabbitBus, RabbitOptions};

#[derive(Clone)]
pub enum Bus {
    InProcess(InProcessBus),
    Rabbit(RabbitBus),
}

impl Bus {
    /// RabbitMQ when `amqp_url` is set, otherwise the in-process dispatcher.
    pub async fn connect(amqp_url: Option<&str>, _state: &AppState) -> anyhow::Result<Bus> {
        match amqp_url.map(str::trim).filter(|u| !u.is_empty()) {
            Some(url) => Ok(Bus::Rabbit(RabbitBus::connect(RabbitOptions::from_env(url)).await?)),
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
