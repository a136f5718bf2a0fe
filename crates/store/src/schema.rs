//! What a migrated database holds — tables, columns, indexes, unique constraints — read
//! back from the database's own catalogue, in one shape for both backends, so a test can
//! check that the SQLite and PostgreSQL migration trees build the same schema (feature
//! `testing`).

use crate::{Conn, Dialect, Result, rows::get};
use std::collections::{BTreeMap, BTreeSet};

/// A table's column as both databases can describe it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Column {
    pub name: String,
    pub not_null: bool,
    pub primary_key: bool,
}

/// An index: a named one made by `CREATE INDEX` (its name is compared), or one that backs a
/// `UNIQUE` constraint (named by each database its own way, so its name is left out).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Index {
    pub table: String,
    /// `None` for a constraint's index.
    pub name: Option<String>,
    pub unique: bool,
    /// Column names in key order; an expression key is `(expr)`.
    pub columns: Vec<String>,
}

/// The schema of the application's tables (sqlx's bookkeeping table left out).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Schema {
    pub tables: BTreeMap<String, Vec<Column>>,
    pub indexes: BTreeSet<Index>,
}

const MIGRATIONS_TABLE: &str = "_sqlx_migrations";

/// Reads the schema of the database `c` is connected to.
pub async fn describe(c: &mut Conn, dialect: Dialect) -> Result<Schema> {
    match dialect {
        Dialect::Sqlite => describe_sqlite(c).await,
        Dialect::Postgres => describe_postgres(c).await,
    }
}

async fn describe_sqlite(c: &mut Conn) -> Result<Schema> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
         AND name <> $1 ORDER BY name",
    )
    .bind(MIGRATIONS_TABLE)
    .fetch_all(&mut *c)
    .await?;
    let mut schema = Schema::default();
    for table in tables {
        let rows = sqlx::query(
            "SELECT name, \"notnull\" AS not_null, pk FROM pragma_table_info($1) ORDER BY cid",
        )
        .bind(&table)
        .fetch_all(&mut *c)
        .await?;
        let mut columns = Vec::with_capacity(rows.len());
        for row in &rows {
            let pk: i64 = get(row, "pk")?;
            columns.push(Column {
                name: get(row, "name")?,
                // SQLite lets a primary-key column hold NULL unless it says NOT NULL;
                // PostgreSQL makes it NOT NULL. Compare what the schema means.
                not_null: get::<i64>(row, "not_null")? != 0 || pk != 0,
                primary_key: pk != 0,
            });
        }
        columns.sort();
        let indexes =
            sqlx::query("SELECT name, \"unique\" AS is_unique, origin FROM pragma_index_list($1)")
                .bind(&table)
                .fetch_all(&mut *c)
                .await?;
        for index in &indexes {
            let name: String = get(index, "name")?;
            let origin: String = get(index, "origin")?;
            if origin == "pk" {
                continue;
            }
            let keys =
                sqlx::query("SELECT name FROM pragma_index_xinfo($1) WHERE key = 1 ORDER BY seqno")
                    .bind(&name)
                    .fetch_all(&mut *c)
                    .await?;
            let columns = keys
                .iter()
                .map(|k| Ok(get::<Option<String>>(k, "name")?.unwrap_or_else(|| "(expr)".into())))
                .collect::<Result<Vec<_>>>()?;
            schema.indexes.insert(Index {
                table: table.clone(),
                name: (origin == "c").then_some(name),
                unique: get::<i64>(index, "is_unique")? != 0,
                columns,
            });
        }
        schema.tables.insert(table, columns);
    }
    Ok(schema)
}

async fn describe_postgres(c: &mut Conn) -> Result<Schema> {
    let rows = sqlx::query(
        "SELECT c.table_name::text AS table_name, c.column_name::text AS column_name, \
         (c.is_nullable = 'NO') AS not_null, \
         EXISTS (SELECT 1 FROM information_schema.table_constraints t \
           JOIN information_schema.key_column_usage k \
             ON k.constraint_name = t.constraint_name AND k.table_schema = t.table_schema \
           WHERE t.constraint_type = 'PRIMARY KEY' AND t.table_schema = c.table_schema \
             AND t.table_name = c.table_name AND k.column_name = c.column_name) AS primary_key \
         FROM information_schema.columns c \
         JOIN information_schema.tables tb ON tb.table_schema = c.table_schema \
           AND tb.table_name = c.table_name AND tb.table_type = 'BASE TABLE' \
         WHERE c.table_schema = current_schema() AND c.table_name <> $1 \
         ORDER BY c.table_name, c.ordinal_position",
    )
    .bind(MIGRATIONS_TABLE)
    .fetch_all(&mut *c)
    .await?;
    let mut schema = Schema::default();
    for row in &rows {
        schema
            .tables
            .entry(get(row, "table_name")?)
            .or_default()
            .push(Column {
                name: get(row, "column_name")?,
                not_null: get(row, "not_null")?,
                primary_key: get(row, "primary_key")?,
            });
    }
    for columns in schema.tables.values_mut() {
        columns.sort();
    }
    // Every key of every index, one row per key position (an expression's text as
    // `pg_get_indexdef` writes it), with whether a constraint owns the index.
    let keys = sqlx::query(
        "SELECT t.relname::text AS table_name, i.relname::text AS index_name, \
         ix.indisunique AS is_unique, ix.indisprimary AS is_primary, \
         EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = ix.indexrelid) AS by_constraint, \
         CAST(k.n AS BIGINT) AS position, pg_get_indexdef(ix.indexrelid, k.n, true) AS key \
         FROM pg_index ix \
         JOIN pg_class i ON i.oid = ix.indexrelid \
         JOIN pg_class t ON t.oid = ix.indrelid \
         JOIN pg_namespace ns ON ns.oid = t.relnamespace \
         CROSS JOIN LATERAL generate_series(1, ix.indnkeyatts) AS k(n) \
         WHERE ns.nspname = current_schema() AND t.relname <> $1 \
         ORDER BY t.relname, i.relname, k.n",
    )
    .bind(MIGRATIONS_TABLE)
    .fetch_all(&mut *c)
    .await?;
    let mut indexes: BTreeMap<(String, String), Index> = BTreeMap::new();
    for row in &keys {
        if get::<bool>(row, "is_primary")? {
            continue;
        }
        let table: String = get(row, "table_name")?;
        let name: String = get(row, "index_name")?;
        let key: String = get(row, "key")?;
        let key = if key
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
        {
            key
        } else {
            "(expr)".to_owned()
        };
        let by_constraint: bool = get(row, "by_constraint")?;
        let unique: bool = get(row, "is_unique")?;
        indexes
            .entry((table.clone(), name.clone()))
            .or_insert_with(|| Index {
                table,
                name: (!by_constraint).then_some(name),
                unique,
                columns: Vec::new(),
            })
            .columns
            .push(key);
    }
    schema.indexes = indexes.into_values().collect();
    Ok(schema)
}
