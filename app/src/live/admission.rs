//! How many live streams one client address, and one user, may hold at once: the
//! counts the hub keeps as streams open and end.

use std::collections::HashMap;
use std::net::IpAddr;

/// How many streams one client address, and one user, may hold at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamLimits {
    pub per_address: usize,
    pub per_user: usize,
}

impl Default for StreamLimits {
    fn default() -> Self {
        StreamLimits { per_address: 100, per_user: 10 }
    }
}

/// Why a stream was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    TooManyFromAddress,
    TooManyForUser,
}

/// The streams open, by address and by user.
#[derive(Default)]
pub(crate) struct Counts {
    by_address: HashMap<IpAddr, usize>,
    by_user: HashMap<String, usize>,
}

impl Counts {
    /// Counts one more stream of `address` (and `user`), or refuses it past `limits`.
    pub(crate) fn admit(&mut self, limits: StreamLimits, address: IpAddr, user: Option<&str>) -> Result<(), Refusal> {
        if self.by_address.get(&address).copied().unwrap_or(0) >= limits.per_address {
            return Err(Refusal::TooManyFromAddress);
        }
        if let Some(user) = user {
            if self.by_user.get(user).copied().unwrap_or(0) >= limits.per_user {
                return Err(Refusal::TooManyForUser);
            }
            *self.by_user.entry(user.to_owned()).or_default() += 1;
        }
        *self.by_address.entry(address).or_default() += 1;
        Ok(())
    }

    /// One stream of `address` (and `user`) has ended.
    pub(crate) fn release(&mut self, address: IpAddr, user: Option<&str>) {
        if let Some(n) = self.by_address.get_mut(&address) {
            *n -= 1;
            if *n == 0 {
                self.by_address.remove(&address);
            }
        }
        if let Some(user) = user {
            if let Some(n) = self.by_user.get_mut(user) {
                *n -= 1;
                if *n == 0 {
                    self.by_user.remove(user);
                }
            }
        }
    }

    /// Streams open now.
    pub(crate) fn open(&self) -> usize {
        self.by_address.values().sum()
    }
}
