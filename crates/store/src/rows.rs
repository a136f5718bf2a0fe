//! Reading and writing column values the way both databases store them: ids as UUID text,
//! timestamps as `BIGINT` microseconds since the Unix epoch (UTC), JSON as text.

use crate::{Result, StoreError};
use jiff::Timestamp;
use sqlx::{Row, any::AnyRow};
use uuid::Uuid;

pub(crate) fn micros(t: Timestamp) -> i64 {
    t.as_microsecond()
}

pub(crate) fn ts(v: i64) -> Result<Timestamp> {
    Timestamp::from_microsecond(v).map_err(|e| StoreError::Corrupt(format!("timestamp {v}: {e}")))
}

pub(crate) fn opt_ts(v: Option<i64>) -> Result<Option<Timestamp>> {
    v.map(ts).transpose()
}

pub(crate) fn uuid(s: &str) -> Result<Uuid> {
    Uuid::parse_str(s).map_err(|e| StoreError::Corrupt(format!("uuid {s:?}: {e}")))
}

pub(crate) fn get<T>(row: &AnyRow, col: &str) -> Result<T>
where
    T: for<'r> sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any>,
{
    row.try_get(col).map_err(StoreError::Database)
}

pub(crate) fn json_text(v: &serde_json::Value) -> Result<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// Most values bound to one statement: under SQLite's limit (32,766) and PostgreSQL's
/// (65,535), with room to spare.
const MAX_BINDS: usize = 30_000;

/// Rows of a multi-row statement whose row binds `binds` values: how many fit in one
/// statement (at least one, at most 500).
pub(crate) fn rows_per_statement(binds: usize) -> usize {
    (MAX_BINDS / binds.max(1)).clamp(1, 500)
}

/// `row` repeated `rows` times, comma-separated, with each `?` in it numbered as a
/// placeholder (`$1`, `$2`, … across the rows): the VALUES list of a multi-row INSERT.
/// `row` is our own SQL text (a `?` in a literal would be numbered too: keep none there).
pub(crate) fn values_list(row: &str, rows: usize) -> String {
    let mut sql = String::with_capacity((row.len() + 16) * rows);
    let mut n = 0usize;
    for i in 0..rows {
        if i > 0 {
            sql.push_str(", ");
        }
        for ch in row.chars() {
            if ch == '?' {
                n += 1;
                sql.push('$');
                sql.push_str(&n.to_string());
            } else {
                sql.push(ch);
            }
        }
    }
    sql
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_numbered_across_rows() {
        assert_eq!(
            values_list("(?, 'received', ?)", 3),
            "($1, 'received', $2), ($3, 'received', $4), ($5, 'received', $6)"
        );
        assert_eq!(values_list("(?)", 1), "($1)");
        assert_eq!(values_list("(?)", 0), "");
    }

    #[test]
    fn rows_per_statement_stays_under_the_bind_limit() {
        assert_eq!(rows_per_statement(8), 500);
        assert_eq!(rows_per_statement(100), 300);
        assert_eq!(rows_per_statement(40_000), 1);
        assert_eq!(rows_per_statement(0), 500);
    }
}
