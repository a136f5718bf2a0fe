//! Both migration trees build the same schema: the same tables with the same columns
//! (name, NOT NULL, primary key), the same named indexes on the same keys, and the same
//! unique constraints. Types are left out: each database spells them its own way.

use store::{
    Dialect,
    schema::{Index, Schema, describe},
    testing::{Backend, TestDb},
};

async fn schema_of(backend: Backend) -> Schema {
    let db = TestDb::new(backend).await;
    let store = db.store().await;
    let dialect = match backend {
        Backend::Sqlite => Dialect::Sqlite,
        Backend::Postgres => Dialect::Postgres,
    };
    let schema = describe(&mut store.read().await.expect("connection"), dialect)
        .await
        .expect("describe the schema");
    store.close().await;
    schema
}

/// The description is not empty by accident: a few things every version of the schema has.
fn assert_plausible(schema: &Schema, backend: Backend) {
    let reports = schema.tables.get("reports").unwrap_or_else(|| {
        panic!(
            "{backend:?}: no reports table in {:?}",
            schema.tables.keys()
        )
    });
    let id = reports.iter().find(|c| c.name == "id").expect("reports.id");
    assert!(
        id.primary_key && id.not_null,
        "{backend:?}: reports.id is {id:?}"
    );
    assert!(
        reports.iter().any(|c| c.name == "title" && c.not_null),
        "{backend:?}: reports.title NOT NULL"
    );
    assert!(
        schema.indexes.contains(&Index {
            table: "reports".into(),
            name: Some("reports_project_state_received".into()),
            unique: false,
            columns: vec!["project_id".into(), "state".into(), "received_at".into()],
        }),
        "{backend:?}: reports_project_state_received missing from {:?}",
        schema.indexes
    );
    assert!(
        schema.indexes.iter().any(|i| i.name.is_none() && i.unique),
        "{backend:?}: no unique constraint found"
    );
    assert!(
        !schema.tables.contains_key("_sqlx_migrations"),
        "{backend:?}: sqlx's own table is not ours"
    );
}

/// Full-text search is built each database's own way (migration 18): SQLite's FTS5 table
/// `reports_fts` with its shadow tables, PostgreSQL's generated column `reports.search` with
/// its GIN index `reports_search`. They are checked to exist, then left out of the comparison.
fn without_full_text(mut sqlite: Schema, postgres: &mut Schema) -> Schema {
    let fts: Vec<String> = sqlite
        .tables
        .keys()
        .filter(|t| *t == "reports_fts" || t.starts_with("reports_fts_"))
        .cloned()
        .collect();
    assert!(
        fts.iter().any(|t| t == "reports_fts"),
        "SQLite: no reports_fts in {:?}",
        sqlite.tables.keys()
    );
    for table in fts {
        sqlite.tables.remove(&table);
        sqlite.indexes.retain(|i| i.table != table);
    }
    let reports = postgres.tables.get_mut("reports").expect("reports");
    let before = reports.len();
    reports.retain(|c| c.name != "search");
    assert_eq!(before, reports.len() + 1, "PostgreSQL: reports.search");
    let gin = Index {
        table: "reports".into(),
        name: Some("reports_search".into()),
        unique: false,
        columns: vec!["search".into()],
    };
    assert!(
        postgres.indexes.remove(&gin),
        "PostgreSQL: reports_search missing from {:?}",
        postgres.indexes
    );
    sqlite
}

#[tokio::test]
async fn both_migration_trees_build_the_same_schema() {
    let backends = Backend::all();
    let sqlite = schema_of(Backend::Sqlite).await;
    assert_plausible(&sqlite, Backend::Sqlite);
    if !backends.contains(&Backend::Postgres) {
        return;
    }
    let mut postgres = schema_of(Backend::Postgres).await;
    assert_plausible(&postgres, Backend::Postgres);
    let sqlite = without_full_text(sqlite, &mut postgres);

    let names = |s: &Schema| s.tables.keys().cloned().collect::<Vec<_>>();
    assert_eq!(names(&sqlite), names(&postgres), "the same tables");
    for (table, columns) in &sqlite.tables {
        assert_eq!(
            Some(columns),
            postgres.tables.get(table),
            "table {table}: SQLite's columns, then PostgreSQL's"
        );
    }
    let only_sqlite: Vec<_> = sqlite.indexes.difference(&postgres.indexes).collect();
    let only_postgres: Vec<_> = postgres.indexes.difference(&sqlite.indexes).collect();
    assert!(
        only_sqlite.is_empty() && only_postgres.is_empty(),
        "indexes differ:\n  only on SQLite: {only_sqlite:#?}\n  only on PostgreSQL: {only_postgres:#?}"
    );
}
