//! Lists a page at a time: the shared rule for `limit` ([`page_limit`], 1 to 500, default
//! 50) and the cursor of lists ordered by a time and then an id (the mail log, the outbox,
//! webhook deliveries, a report's thread). The cursor is the previous page's last row,
//! `<microseconds>.<uuid>`, which callers treat as opaque; a page asks the store for
//! `limit + 1` rows to know whether another follows.

pub use super::reports::{DEFAULT_PAGE, MAX_PAGE, page_limit};
use super::{Result, ServiceError};
use store::Keyset;

/// One page of a list and where the next starts (`None`: this was the last).
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// A page request as the caller wrote it: checked, or refused naming `limit` or `cursor`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub limit: i64,
    pub after: Option<Keyset>,
}

impl PageRequest {
    pub fn parse(limit: Option<&str>, cursor: Option<&str>) -> Result<Self> {
        Ok(Self {
            limit: page_limit(limit)?,
            after: keyset_cursor(cursor)?,
        })
    }

    /// How many rows to ask the store for: one more than the page, to know if more follow.
    pub fn fetch(&self) -> i64 {
        self.limit + 1
    }

    /// The page of `rows` (read with [`Self::fetch`]) and the cursor after its last row.
    pub fn finish<T>(&self, mut rows: Vec<T>, key: impl Fn(&T) -> Keyset) -> Page<T> {
        let limit = usize::try_from(self.limit).unwrap_or(usize::MAX);
        let more = rows.len() > limit;
        rows.truncate(limit);
        let next_cursor = more.then(|| rows.last().map(|r| cursor(&key(r)))).flatten();
        Page {
            items: rows,
            next_cursor,
        }
    }
}

/// The cursor after `k`.
pub fn cursor(k: &Keyset) -> String {
    format!("{}.{}", k.at.as_microsecond(), k.id)
}

/// A cursor this module gave out, or `None` when absent; anything else is refused naming
/// `cursor`.
pub fn keyset_cursor(cursor: Option<&str>) -> Result<Option<Keyset>> {
    match cursor {
        None | Some("") => Ok(None),
        Some(v) => v
            .split_once('.')
            .and_then(|(at, id)| {
                Some(Keyset {
                    at: jiff::Timestamp::from_microsecond(at.parse().ok()?).ok()?,
                    id: uuid::Uuid::parse_str(id).ok()?,
                })
            })
            .map(Some)
            .ok_or_else(|| ServiceError::field("cursor", "is not a cursor this list gave out")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_reads_back_and_anything_else_names_the_field() {
        let k = Keyset {
            at: jiff::Timestamp::from_microsecond(1_790_000_000_123_456).expect("time"),
            id: uuid::Uuid::from_u128(7),
        };
        assert_eq!(
            cursor(&k),
            "1790000000123456.00000000-0000-0000-0000-000000000007"
        );
        assert_eq!(keyset_cursor(Some(&cursor(&k))).expect("read"), Some(k));
        assert_eq!(keyset_cursor(None).expect("none"), None);
        for bad in [
            "x",
            "12",
            "12.",
            ".00000000-0000-0000-0000-000000000007",
            "1.nope",
        ] {
            match keyset_cursor(Some(bad)) {
                Err(ServiceError::Invalid(e)) => assert_eq!(e.0[0].field, "cursor", "{bad}"),
                other => panic!("{bad}: {other:?}"),
            }
        }
    }

    #[test]
    fn a_page_read_one_longer_says_whether_more_follow() {
        let req = PageRequest::parse(Some("2"), None).expect("parse");
        let key = |n: &u128| Keyset {
            at: jiff::Timestamp::from_microsecond(1_000).expect("time"),
            id: uuid::Uuid::from_u128(*n),
        };
        let page = req.finish(vec![3, 2, 1], key);
        assert_eq!(page.items, [3, 2]);
        assert_eq!(
            page.next_cursor.as_deref(),
            Some("1000.00000000-0000-0000-0000-000000000002")
        );
        let last = req.finish(vec![1, 0], key);
        assert_eq!(last.items, [1, 0]);
        assert_eq!(last.next_cursor, None);
    }
}
