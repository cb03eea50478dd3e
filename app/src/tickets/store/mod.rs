//! Where tickets are issued: one interface, a portable implementation (read the seats,
//! then write in a transaction) and a PostgreSQL one (one statement), chosen once at
//! start-up ([`AppState`](crate::state)).

pub mod portable;
pub mod postgres;

use uuid::Uuid;

use crate::audit::receipts::{Delivery, Handled};
use crate::db::{Db, DbFuture};
use crate::tickets::signing::TicketSigner;
use crate::error::AppError;

/// The ticket issue, which differs between the backends.
pub trait TicketStore: Send + Sync + 'static {
    /// Gives each seat of the PAID order `paid` that has no ticket yet a ticket with a
    /// signed code, and writes its `ticket.issued` event, all committed together; an
    /// order no longer PAID gets none. Returns how many were issued, and whether the
    /// store recorded the receipt of `delivery` with them ([`Handled`]).
    fn issue<'a>(&'a self, db: &'a Db, signer: &'a TicketSigner, paid: &'a PaidOrder<'a>, delivery: &'a Delivery) -> DbFuture<'a, (usize, Handled)>;
}

/// A paid order, as its `order.paid` event describes it. Events written before the
/// event and the seat count were added to the payload name only the order.
pub struct PaidOrder<'a> {
    pub order_id: &'a str,
    pub event_id: Option<&'a str>,
    pub seats: Option<usize>,
}

impl<'a> PaidOrder<'a> {
    pub fn from_payload(payload: &'a serde_json::Value) -> Option<PaidOrder<'a>> {
        Some(PaidOrder {
            order_id: payload["order_id"].as_str()?,
            event_id: payload["event_id"].as_str(),
            seats: payload["seats"].as_u64().map(|n| n as usize),
        })
    }
}

/// `n` new tickets of `event_id`: their ids and signed codes.
fn new_tickets(signer: &TicketSigner, event_id: &str, n: usize) -> Result<Vec<(String, String)>, AppError> {
    let event: Uuid = event_id.parse().map_err(|_| AppError::Internal)?;
    Ok((0..n)
        .map(|_| {
            let id = Uuid::new_v4();
            (id.to_string(), signer.sign(id, event))
        })
        .collect())
}

