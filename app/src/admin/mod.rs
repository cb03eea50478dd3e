//! The administration pages that look across the domains: the event log (the audit
//! domain's events with every consumer's receipts). Accounts are administered in `users`.

pub mod api;
pub mod event_log;
