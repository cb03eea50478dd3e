//! The live stream's protocol (`GET /api/v1/stream`, server-sent events), and in the
//! browser its one end for the whole page.
//!
//! Each message is one server-sent event: its `event:` name is the message's kind, its
//! `data:` one JSON object, its `id:` the event log's sequence number of the change. The
//! kinds that carry domain news are the domains' own (`catalog::SeatsChanged::KIND`, …);
//! the protocol's are here.
//!
//! In the browser one `EventSource` serves the page: whatever on it follows something
//! (the header's badge, a seat map, an order) registers with [`follow`]. It is opened for
//! the events the followers name (their seats named by place, `seats=index`), opened
//! again when they change (resuming where it was), and closed when nobody follows. The browser itself reconnects a dropped stream, sending
//! the last id it received.

use serde::{Deserialize, Serialize};

/// First message of every stream: the server's clock and where the log stands.
pub const HELLO: &str = "hello";
/// Every 15 s: the server's clock.
pub const HEARTBEAT: &str = "heartbeat";
/// More was missed than is replayed: load the state again.
pub const RESET: &str = "reset";

/// The data of `hello` and `heartbeat`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Clock {
    /// The server's time, in milliseconds since the epoch.
    pub now_ms: i64,
    /// The newest entry of the event log (`hello` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<i64>,
}

#[cfg(feature = "hydrate")]
pub use browser::*;

#[cfg(feature = "hydrate")]
mod browser {
    use std::cell::RefCell;
    use std::rc::Rc;

    use wasm_bindgen::prelude::*;
    use wasm_bindgen::JsCast;
    use web_sys::{EventSource, MessageEvent};

    use super::{Clock, HEARTBEAT, HELLO, RESET};

    /// Called with each message's kind and its JSON.
    type Listener = Rc<dyn Fn(&str, &str)>;

    struct Follower {
        id: u64,
        events: Vec<String>,
        kinds: &'static [&'static str],
        listener: Listener,
    }

    struct Open {
        source: EventSource,
        /// The events it was opened for.
        events: String,
        /// The kinds it listens to, each with its handler.
        handlers: Vec<(&'static str, Closure<dyn FnMut(MessageEvent)>)>,
    }

    #[derive(Default)]
    struct Link {
        next_id: u64,
        followers: Vec<Follower>,
        open: Option<Open>,
        /// The id of the last message received (or of the state the page loaded).
        last_id: Option<i64>,
    }

    thread_local! {
        static LINK: RefCell<Link> = RefCell::default();
    }

    /// Following the stream; following ends when this is dropped.
    pub struct Follow(u64);

    impl Drop for Follow {
        fn drop(&mut self) {
            let id = self.0;
            LINK.with(|l| l.borrow_mut().followers.retain(|f| f.id != id));
            connect(false);
        }
    }

    /// Follows the stream: the signed-in user's own messages and the seats of `events`.
    /// `listener` gets the kind and data of every message of `kinds`, and of [`RESET`].
    pub fn follow(events: Vec<String>, kinds: &'static [&'static str], listener: impl Fn(&str, &str) + 'static) -> Follow {
        let id = LINK.with(|l| {
            let mut l = l.borrow_mut();
            l.next_id += 1;
            let id = l.next_id;
            l.followers.push(Follower { id, events, kinds, listener: Rc::new(listener) });
            id
        });
        connect(false);
        Follow(id)
    }

    /// The page loaded its state as the event log stood at `cursor`: the stream, when it
    /// opens (or opens again for what the page now follows), first tells what changed
    /// since. Followers take a message told twice as once (they read their state again).
    pub fn loaded_at(cursor: i64) {
        LINK.with(|l| {
            let mut l = l.borrow_mut();
            if l.last_id.is_none_or(|last| last > cursor) {
                l.last_id = Some(cursor);
            }
        });
    }

    /// Opens the stream again: the user signed in or out, and it was opened with the
    /// session of before.
    pub fn reopen() {
        connect(true);
    }

    /// Opens, moves or closes the stream to suit the followers (`force`: opens it again
    /// even if it suits them); listens to the kinds they want.
    fn connect(force: bool) {
        let (events, anyone) = LINK.with(|l| {
            let l = l.borrow();
            let mut events: Vec<String> = l.followers.iter().flat_map(|f| f.events.iter().cloned()).collect();
            events.sort();
            events.dedup();
            (events.join(","), !l.followers.is_empty())
        });
        let suits = LINK.with(|l| l.borrow().open.as_ref().is_some_and(|o| o.events == events));
        if !(suits && anyone && !force) {
            if let Some(old) = LINK.with(|l| l.borrow_mut().open.take()) {
                old.source.close();
            }
            if !anyone {
                return;
            }
            let mut query = Vec::new();
            if !events.is_empty() {
                // Seats named by their place in the map: a few bytes each (the seat map
                // knows the order; see `live::places`).
                query.push(format!("events={events}&seats=index"));
            }
            if let Some(last) = LINK.with(|l| l.borrow().last_id) {
                query.push(format!("last_event_id={last}"));
            }
            let url = if query.is_empty() { "/api/v1/stream".to_owned() } else { format!("/api/v1/stream?{}", query.join("&")) };
            let Ok(source) = EventSource::new(&url) else { return };
            LINK.with(|l| l.borrow_mut().open = Some(Open { source, events, handlers: Vec::new() }));
        }
        listen();
    }

    /// Adds a handler for every kind a follower wants that the stream has none for.
    fn listen() {
        LINK.with(|l| {
            let mut l = l.borrow_mut();
            let wanted: Vec<&'static str> =
                [HELLO, HEARTBEAT, RESET].into_iter().chain(l.followers.iter().flat_map(|f| f.kinds.iter().copied())).collect();
            let Some(open) = l.open.as_mut() else { return };
            for kind in wanted {
                if open.handlers.iter().any(|(k, _)| *k == kind) {
                    continue;
                }
                let handler = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| deliver(kind, &ev));
                let _ = open.source.add_event_listener_with_callback(kind, handler.as_ref().unchecked_ref());
                open.handlers.push((kind, handler));
            }
        });
    }

    /// Hands a message to its followers (outside the borrow: a listener may follow or
    /// stop following).
    fn deliver(kind: &'static str, ev: &MessageEvent) {
        let data = ev.data().as_string().unwrap_or_default();
        let listeners: Vec<Listener> = LINK.with(|l| {
            let mut l = l.borrow_mut();
            if let Ok(id) = ev.last_event_id().parse::<i64>() {
                l.last_id = Some(id);
            }
            if kind == HELLO || kind == HEARTBEAT {
                if let Ok(clock) = serde_json::from_str::<Clock>(&data) {
                    crate::ui::clock::learn_server_clock(clock.now_ms, js_sys::Date::now());
                }
            }
            l.followers.iter().filter(|f| kind == RESET || f.kinds.contains(&kind)).map(|f| f.listener.clone()).collect()
        });
        for listener in listeners {
            listener(kind, &data);
        }
    }
}
