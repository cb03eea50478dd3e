//! The live stream: what changes, told to the pages and clients watching it as it
//! happens (`GET /api/v1/stream`, server-sent events).
//!
//! The domain events the outbox relays become messages, each under a topic: an event's
//! seats (public), or one user's orders, holds and notifications. The messages are the
//! domains' own (`catalog::SeatsChanged`, `orders::OrderChanged`, …); the protocol and the
//! browser's end are shared (`ui::stream`). Each web process receives every live event
//! from its bus and fans them out ([`hub`]) to each stream's [`outlet`]; a client that
//! reconnects gets what it missed from the event log ([`feed`]). A client may ask for
//! seats named by their place in the event's map rather than by id ([`places`]): the
//! pages do.

#[cfg(feature = "ssr")]
pub mod admission;
#[cfg(feature = "ssr")]
pub mod feed;
#[cfg(feature = "ssr")]
pub mod hub;
#[cfg(feature = "ssr")]
pub mod outlet;
#[cfg(feature = "ssr")]
pub mod places;
