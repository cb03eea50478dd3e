//! The embedded mode's bus: one unbounded queue per consumer inside the process. Events
//! are durable in the outbox; after a restart, unfinished deliveries are replayed from it.

use std::sync::{Arc, Mutex};

use app::audit::EventEnvelope;
use tokio::sync::mpsc;

struct Subscriber {
    event_types: &'static [&'static str],
    sender: mpsc::UnboundedSender<EventEnvelope>,
}

#[derive(Clone, Default)]
pub struct InProcessBus {
    subscribers: Arc<Mutex<Vec<Subscriber>>>,
}

impl InProcessBus {
    /// A queue receiving the events of the given types.
    pub fn subscribe(&self, event_types: &'static [&'static str]) -> mpsc::UnboundedReceiver<EventEnvelope> {
        let (sender, receiver) = mpsc::unbounded_channel();
        self.subscribers.lock().unwrap_or_else(|p| p.into_inner()).push(Subscriber { event_types, sender });
        receiver
    }

    pub fn publish(&self, events: &[EventEnvelope]) {
        let subscribers = self.subscribers.lock().unwrap_or_else(|p| p.into_inner());
        for event in events {
            for s in subscribers.iter().filter(|s| s.event_types.contains(&event.event_type.as_str())) {
                let _ = s.sender.send(event.clone());
            }
        }
    }
}
