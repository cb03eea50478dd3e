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
