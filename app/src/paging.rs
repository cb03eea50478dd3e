//! Paging, shared by every list of the pages and of the API.

use serde::{Deserialize, Serialize};

/// A page of a list, as every list of the API answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

impl<T> Page<T> {
    pub fn total_pages(&self) -> i64 {
        if self.per_page <= 0 { 1 } else { ((self.total + self.per_page - 1) / self.per_page).max(1) }
    }
}

/// The last page any list goes to: past it a list is empty anyway, and the row offset of a
/// page stays far from overflowing.
pub const MAX_PAGE: i64 = 100_000;

/// The page asked for, as a list reads it: from 1 to [`MAX_PAGE`].
pub fn clamp_page(page: i64) -> i64 {
    page.clamp(1, MAX_PAGE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_stay_in_bounds() {
        assert_eq!(clamp_page(i64::MIN), 1);
        assert_eq!(clamp_page(0), 1);
        assert_eq!(clamp_page(7), 7);
        assert_eq!(clamp_page(i64::MAX), MAX_PAGE);
        assert!((clamp_page(i64::MAX) - 1).checked_mul(1_000).is_some());
    }
}
