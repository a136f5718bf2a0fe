//! Where a page of a list ordered by a time and then an id starts: the time and id of the
//! previous page's last row. Rows that arrive later sort before it (newest-first lists) or
//! after the rows already shown (oldest-first lists), so the boundary holds however many
//! arrive between two pages.

use jiff::Timestamp;
use uuid::Uuid;

/// The last row of the previous page, in the list's order (its time, then its id).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keyset {
    pub at: Timestamp,
    pub id: Uuid,
}
