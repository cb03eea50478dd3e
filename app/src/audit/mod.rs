//! The event log: every domain event, written in the same transaction as the change
//! (transactional outbox), and per consumer a receipt saying how its handling went.

pub mod model;

#[cfg(feature = "ssr")]
pub mod fallen;
#[cfg(feature = "ssr")]
pub mod log;
#[cfg(feature = "ssr")]
pub mod outbox;
#[cfg(feature = "ssr")]
pub mod receipts;
#[cfg(feature = "ssr")]
pub mod request;
#[cfg(feature = "ssr")]
pub mod store;

pub use model::{EventEnvelope, ReceiptState};

/// The domain event types.
pub mod event_types {
    pub const USER_CREATED: &str = "user.created";
    pub const USER_DEACTIVATED: &str = "user.deactivated";
    pub const NOTIFICATION_CREATED: &str = "notification.created";
    /// An email was queued for the mailer.
    pub const EMAIL_QUEUED: &str = "email.queued";
    pub const SEATS_HELD: &str = "seats.held";
    pub const HOLD_RELEASED: &str = "hold.released";
    pub const HOLD_EXPIRED: &str = "hold.expired";
    /// A hold has two minutes left (the sweeper's warning to its holder).
    pub const HOLD_EXPIRING: &str = "hold.expiring";
    pub const ORDER_PLACED: &str = "order.placed";
    pub const PAYMENT_APPROVED: &str = "payment.approved";
    pub const PAYMENT_REJECTED: &str = "payment.rejected";
    pub const ORDER_PAID: &str = "order.paid";
    pub const ORDER_CANCELLED: &str = "order.cancelled";
    pub const ORDER_REFUNDED: &str = "order.refunded";
    /// The desk sent a paid order's tickets to their buyer again.
    pub const TICKETS_RESENT: &str = "tickets.resent";
    pub const EVENT_CANCELLED: &str = "event.cancelled";
    pub const TICKET_ISSUED: &str = "ticket.issued";
    /// A ticket was let in at the door (its first admission by scan time).
    pub const TICKET_CHECKED_IN: &str = "ticket.checked_in";
    pub const SUPPORT_TICKET_CREATED: &str = "support_ticket.created";
    pub const SUPPORT_TICKET_STATUS_CHANGED: &str = "support_ticket.status_changed";
    /// A public reply or an internal note (its payload says which, never its text).
    pub const SUPPORT_TICKET_REPLIED: &str = "support_ticket.replied";
    /// A support ticket was given to an agent (first, again, or by hand).
    pub const ASSIGNMENT_CREATED: &str = "assignment.created";
    /// An agent became available, went away, or went off for the day.
    pub const AGENT_AVAILABILITY_CHANGED: &str = "agent.availability_changed";
}
