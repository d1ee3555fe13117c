//! One schema truth: the SQLite and the PostgreSQL migrations build the same schema.
//!
//! The test migrates a fresh, empty SQLite file and a fresh, empty PostgreSQL
//! database (from `DUIJIE_TEST_PG_URL`; without it the test fails, as the
//! storage tests do) with the project's own code (`Db::connect`), reads each
//! schema back from the database's own catalogue — SQLite: `sqlite_master`,
//! `pragma_table_info`, `pragma_index_list`/`pragma_index_info`,
//! `pragma_foreign_key_list`; PostgreSQL: `information_schema` and
//! `pg_constraint`/`pg_index` — and turns it into one line per fact. The two
//! sets of lines must be equal; on failure the test prints the lines only one
//! side has, sorted, so that a table's differences stand together.
//!
//! Compared:
//! - the applied migrations (version and description), so the two sets keep
//!   the same numbering;
//! - the tables (every table except the migration bookkeeping `_sqlx_migrations`
//!   and SQLite's internal `sqlite_*`);
//! - each column: name, type after normalising its name (SQLite INTEGER/INT/
//!   BIGINT/INT8 and PostgreSQL BIGINT → `integer`, both 64-bit; PostgreSQL
//!   INTEGER and SMALLINT stay `int32`/`int16` because SQLite has no narrower
//!   integer and a narrower column refuses values the other accepts;
//!   TEXT/VARCHAR/CHAR → `text`; REAL/DOUBLE PRECISION → `real`, PostgreSQL's
//!   4-byte REAL stays `float32`; BLOB/BYTEA → `bytes`; BOOLEAN → `boolean`, as
//!   both sets declare it; DATE → `date`), nullability (a primary-key column
//!   counts as NOT NULL on both sides: PostgreSQL makes it so, and SQLite only
//!   fails to for historical reasons while the code never writes a NULL key),
//!   the default (with PostgreSQL's `::type` casts removed and SQLite's `X'…'`
//!   written as PostgreSQL's `'\x…'`), and whether the database generates it
//!   (SQLite `AUTOINCREMENT` ↔ PostgreSQL identity or sequence);
//! - the primary key (columns in order), every unique constraint (its columns;
//!   the names differ by construction: `sqlite_autoindex_…` against `…_key`),
//!   every foreign key (columns, referenced table and columns, ON UPDATE and
//!   ON DELETE actions) and every CHECK constraint (its expression, lower-cased,
//!   without parentheses, casts and extra spaces; PostgreSQL names unnamed
//!   checks itself, so names are not compared);
//! - every index created with CREATE INDEX: name, columns in order, uniqueness
//!   and the partial-index predicate (normalised like a CHECK expression);
//! - triggers by table, timing and event (`audit_log: trigger before update`).
//!
//! Deliberately not compared:
//! - [`DELIBERATE`] lists the column types that differ on purpose, with the
//!   reason; the test also fails if one of them no longer differs, so the list
//!   cannot go stale;
//! - PostgreSQL operator classes (`text_pattern_ops` makes `LIKE 'prefix%'`
//!   use the index; SQLite has no such notion);
//! - trigger bodies and the trigger function (PL/pgSQL against SQLite's
//!   `RAISE`: the storage tests check that both refuse changes to the log),
//!   the column list of `UPDATE OF`, and trigger names (PostgreSQL fires one
//!   trigger on two events where SQLite needs two);
//! - column order (statements name their columns; `ALTER TABLE` appends on both
//!   backends anyway), collations, and the names of primary-key, unique and
//!   check constraints (see above);
//! - data: the rows migrations insert are checked by the storage tests.

use duijie_store::{Db, testing};
use std::collections::BTreeSet;

/// Column types that differ on purpose: (SQLite fact, PostgreSQL fact, why).
const DELIBERATE: &[(&str, &str, &str)] = &[(
    "designations: column valid_from text",
    "designations: column valid_from date",
    "the code reads and writes it as chrono::NaiveDate, which sqlx stores as ISO text on SQLite (no date type) and as DATE on PostgreSQL",
)];

/// Every kind of fact, each of which the schema has at least once: a reader
/// that silently finds nothing on both sides must not pass as "equal".
const KINDS: &[&str] = &[
    "migration ",
    ": column ",
    ": primary key ",
    ": foreign key ",
    ": unique (",
    ": index ",
    ": unique index ",
    " where ",
    ": check ",
    ": trigger ",
];

#[tokio::test]
async fn sqlite_and_postgresql_migrations_build_the_same_schema() {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = Db::connect(&format!("sqlite://{}", dir.path().join("schema.db").display())).await.expect("migrate SQLite");
    let sqlite_facts = sqlite::facts(&sqlite).await;
    sqlite.close().await;

    let server = testing::pg_server()
        .expect("DUIJIE_TEST_PG_URL is not set: run the README's test command (scripts/test.sh), which starts PostgreSQL");
    let name = format!("duijie_t_schema_{}_{}", std::process::id(), &duijie_domain::crypto::random_token()[..10]);
    let admin = sqlx::PgPool::connect(&format!("{server}/postgres")).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&admin).await.unwrap();
    let postgres = Db::connect(&format!("{server}/{name}")).await.expect("migrate PostgreSQL");
    let postgres_facts = postgres::facts(&postgres).await;
    postgres.close().await;
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE {name}"))).execute(&admin).await.unwrap();

    for (side, facts) in [("SQLite", &sqlite_facts), ("PostgreSQL", &postgres_facts)] {
        for kind in KINDS {
            assert!(facts.iter().any(|f| f.contains(kind)), "no `{kind}` fact read from {side}: the reader is broken\n{facts:#?}");
        }
    }
    let (mut sqlite_only, mut postgres_only) = (sqlite_facts, postgres_facts);
    for (on_sqlite, on_postgres, why) in DELIBERATE {
        let present = sqlite_only.remove(*on_sqlite) & postgres_only.remove(*on_postgres);
        assert!(present, "a deliberate difference is gone, remove it from DELIBERATE: {on_sqlite} / {on_postgres} ({why})");
    }
    let common: BTreeSet<String> = sqlite_only.intersection(&postgres_only).cloned().collect();
    sqlite_only.retain(|f| !common.contains(f));
    postgres_only.retain(|f| !common.contains(f));
    assert!(
        sqlite_only.is_empty() && postgres_only.is_empty(),
        "the SQLite and PostgreSQL migrations build different schemas ({} facts agree).\n\
         Only on SQLite:\n{}\nOnly on PostgreSQL:\n{}\n\
         Fix the set that is wrong with a new migration (both directories get the same number).",
        common.len(),
        lines(&sqlite_only),
        lines(&postgres_only),
    );
}

fn lines(facts: &BTreeSet<String>) -> String {
    if facts.is_empty() { "  (nothing)".into() } else { facts.iter().map(|f| format!("  {f}\n")).collect() }
}

/// The common type name of a column; unknown types keep their own name, marked
/// with the backend, so that they show up as a difference.
fn common_type(backend: &str, declared: &str) -> String {
    let base = declared.split('(').next().unwrap_or("").trim().to_ascii_lowercase();
    let common = match (backend, base.as_str()) {
        ("sqlite", "integer" | "int" | "bigint" | "int8") | ("postgres", "bigint") => "integer",
        ("postgres", "integer") => "int32",
        ("postgres", "smallint") => "int16",
        (_, "text" | "varchar" | "character varying" | "char" | "character" | "clob") => "text",
        ("sqlite", "real" | "double" | "double precision" | "float") | ("postgres", "double precision") => "real",
        ("postgres", "real") => "float32",
        ("sqlite", "blob") | ("postgres", "bytea") => "bytes",
        (_, "boolean" | "bool") => "boolean",
        (_, "date") => "date",
        _ => return format!("{backend}:{base}"),
    };
    common.to_string()
}

fn column_fact(table: &str, name: &str, ty: &str, not_null: bool, default: Option<&str>, generated: bool) -> String {
    let mut fact = format!("{table}: column {name} {ty}");
    if not_null {
        fact.push_str(" not null");
    }
    if let Some(d) = default {
        fact.push_str(" default ");
        fact.push_str(&expression(d));
    }
    if generated {
        fact.push_str(" generated");
    }
    fact
}

fn index_fact(table: &str, name: &str, unique: bool, columns: &[String], predicate: Option<&str>) -> String {
    let kind = if unique { "unique index" } else { "index" };
    let mut fact = format!("{table}: {kind} {name} ({})", columns.join(", "));
    if let Some(p) = predicate {
        fact.push_str(" where ");
        fact.push_str(&expression(p));
    }
    fact
}

fn foreign_key_fact(table: &str, columns: &[String], target: &str, target_columns: &[String], on_update: &str, on_delete: &str) -> String {
    format!(
        "{table}: foreign key ({}) references {target} ({}) on update {on_update} on delete {on_delete}",
        columns.join(", "),
        target_columns.join(", ")
    )
}

/// An SQL expression as both backends can be compared on: PostgreSQL's casts
/// (`'pending'::text`) and all parentheses (PostgreSQL adds its own) removed,
/// SQLite's blob literal `X'…'` written as PostgreSQL's `'\x…'`, lower case,
/// single spaces. Text inside quotes is kept as it is apart from the case.
fn expression(sql: &str) -> String {
    let mut out = String::new();
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                out.push('\'');
                for q in chars.by_ref() {
                    out.push(q);
                    if q == '\'' {
                        break;
                    }
                }
            }
            ':' if chars.peek() == Some(&':') => {
                chars.next();
                while chars.peek().is_some_and(|t| t.is_ascii_alphanumeric() || *t == '_' || *t == '[' || *t == ']') {
                    chars.next();
                }
            }
            'x' | 'X' if chars.peek() == Some(&'\'') && !out.ends_with(|p: char| p.is_ascii_alphanumeric() || p == '_') => {
                chars.next();
                out.push_str("'\\x");
                for h in chars.by_ref() {
                    out.push(h);
                    if h == '\'' {
                        break;
                    }
                }
            }
            '(' | ')' => out.push(' '),
            c if c.is_whitespace() => out.push(' '),
            c => out.push(c),
        }
    }
    out.to_lowercase().split_whitespace().collect::<Vec<_>>().join(" ")
}

mod sqlite {
    //! Reads an SQLite schema from `sqlite_master` and the `pragma_*` table functions.

    use super::{column_fact, common_type, expression, foreign_key_fact, index_fact};
    use duijie_store::Db;
    use sqlx::SqlitePool;
    use std::collections::BTreeSet;

    pub async fn facts(db: &Db) -> BTreeSet<String> {
        let Db::Sqlite(p) = db else { panic!("not SQLite") };
        let mut facts = BTreeSet::new();
        let migrations: Vec<(i64, String)> =
            sqlx::query_as("SELECT version, description FROM _sqlx_migrations ORDER BY version").fetch_all(p).await.unwrap();
        facts.extend(migrations.into_iter().map(|(v, d)| format!("migration {v} {d}")));
        let tables: Vec<(String, String)> = sqlx::query_as(
            "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name <> '_sqlx_migrations'",
        )
        .fetch_all(p)
        .await
        .unwrap();
        for (table, sql) in tables {
            table_facts(p, &table, &sql, &mut facts).await;
        }
        let triggers: Vec<(String, String)> =
            sqlx::query_as("SELECT tbl_name, sql FROM sqlite_master WHERE type = 'trigger'").fetch_all(p).await.unwrap();
        for (table, sql) in triggers {
            let (timing, event) = trigger_timing_and_event(&sql);
            facts.insert(format!("{table}: trigger {timing} {event} for each row"));
        }
        facts
    }

    async fn table_facts(p: &SqlitePool, table: &str, sql: &str, facts: &mut BTreeSet<String>) {
        let sql = without_comments(sql);
        let columns: Vec<(String, String, i64, Option<String>, i64)> =
            sqlx::query_as("SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info($1)").bind(table).fetch_all(p).await.unwrap();
        let mut key: Vec<(i64, String)> = columns.iter().filter(|c| c.4 > 0).map(|c| (c.4, c.0.clone())).collect();
        key.sort();
        let key: Vec<String> = key.into_iter().map(|(_, c)| c).collect();
        // AUTOINCREMENT is allowed only on a lone INTEGER PRIMARY KEY.
        let autoincrement = sql.to_ascii_uppercase().split(|c: char| !c.is_ascii_alphanumeric() && c != '_').any(|w| w == "AUTOINCREMENT");
        for (name, ty, not_null, default, pk) in &columns {
            let generated = autoincrement && *pk > 0;
            facts.insert(column_fact(table, name, &common_type("sqlite", ty), *not_null != 0 || *pk > 0, default.as_deref(), generated));
        }
        if !key.is_empty() {
            facts.insert(format!("{table}: primary key ({})", key.join(", ")));
        }
        for check in checks(&sql) {
            facts.insert(format!("{table}: check {}", expression(&check)));
        }

        let indexes: Vec<(String, i64, String, i64)> =
            sqlx::query_as("SELECT name, \"unique\", origin, partial FROM pragma_index_list($1)").bind(table).fetch_all(p).await.unwrap();
        for (index, unique, origin, partial) in indexes {
            let columns: Vec<Option<String>> =
                sqlx::query_scalar("SELECT name FROM pragma_index_info($1) ORDER BY seqno").bind(&index).fetch_all(p).await.unwrap();
            let columns: Vec<String> = columns.into_iter().map(|c| c.unwrap_or_else(|| "<expression>".into())).collect();
            match origin.as_str() {
                "pk" => {}
                "u" => {
                    facts.insert(format!("{table}: unique ({})", columns.join(", ")));
                }
                _ => {
                    let predicate = if partial != 0 {
                        let sql: String =
                            sqlx::query_scalar("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = $1").bind(&index).fetch_one(p).await.unwrap();
                        Some(index_predicate(&without_comments(&sql)))
                    } else {
                        None
                    };
                    facts.insert(index_fact(table, &index, unique != 0, &columns, predicate.as_deref()));
                }
            }
        }

        let keys: Vec<(i64, String, String, Option<String>, String, String)> =
            sqlx::query_as("SELECT id, \"table\", \"from\", \"to\", on_update, on_delete FROM pragma_foreign_key_list($1) ORDER BY id, seq")
                .bind(table)
                .fetch_all(p)
                .await
                .unwrap();
        let mut ids: Vec<i64> = keys.iter().map(|k| k.0).collect();
        ids.dedup();
        for id in ids {
            let parts: Vec<_> = keys.iter().filter(|k| k.0 == id).collect();
            let target = &parts[0].1;
            let from: Vec<String> = parts.iter().map(|k| k.2.clone()).collect();
            // `REFERENCES t` without columns means t's primary key.
            let to: Vec<String> = if parts.iter().all(|k| k.3.is_some()) {
                parts.iter().filter_map(|k| k.3.clone()).collect()
            } else {
                sqlx::query_scalar("SELECT name FROM pragma_table_info($1) WHERE pk > 0 ORDER BY pk").bind(target).fetch_all(p).await.unwrap()
            };
            let action = |a: &str| a.to_ascii_lowercase();
            facts.insert(foreign_key_fact(table, &from, target, &to, &action(&parts[0].4), &action(&parts[0].5)));
        }
    }

    /// The statement without `-- …` and `/* … */` comments (quoted text kept).
    fn without_comments(sql: &str) -> String {
        let mut out = String::new();
        let mut chars = sql.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\'' | '"' => {
                    out.push(c);
                    for q in chars.by_ref() {
                        out.push(q);
                        if q == c {
                            break;
                        }
                    }
                }
                '-' if chars.peek() == Some(&'-') => {
                    for q in chars.by_ref() {
                        if q == '\n' {
                            break;
                        }
                    }
                    out.push('\n');
                }
                '/' if chars.peek() == Some(&'*') => {
                    chars.next();
                    let mut last = ' ';
                    for q in chars.by_ref() {
                        if last == '*' && q == '/' {
                            break;
                        }
                        last = q;
                    }
                    out.push(' ');
                }
                c => out.push(c),
            }
        }
        out
    }

    /// Byte ranges of `sql` that lie outside quotes, as a mask.
    fn outside_quotes(sql: &str) -> Vec<bool> {
        let mut mask = Vec::with_capacity(sql.len());
        let mut quote: Option<char> = None;
        for c in sql.chars() {
            let outside = match quote {
                Some(q) => {
                    if c == q {
                        quote = None;
                    }
                    false
                }
                None if c == '\'' || c == '"' => {
                    quote = Some(c);
                    false
                }
                None => true,
            };
            mask.extend(std::iter::repeat_n(outside, c.len_utf8()));
        }
        mask
    }

    /// The text inside the parentheses that open at byte `open` (which holds `(`).
    fn parenthesised(sql: &str, open: usize) -> &str {
        let mask = outside_quotes(sql);
        let mut depth = 0;
        for (i, b) in sql.bytes().enumerate().skip(open) {
            if !mask[i] {
                continue;
            }
            match b {
                b'(' => depth += 1,
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        return &sql[open + 1..i];
                    }
                }
                _ => {}
            }
        }
        panic!("unbalanced parentheses in {sql}")
    }

    /// Positions of the keyword `word` (upper case) outside quotes.
    fn keyword_positions(sql: &str, word: &str) -> Vec<usize> {
        let mask = outside_quotes(sql);
        let upper = sql.to_ascii_uppercase();
        let ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
        upper
            .match_indices(word)
            .map(|(i, _)| i)
            .filter(|&i| mask[i])
            .filter(|&i| i == 0 || !ident(upper.as_bytes()[i - 1]))
            .filter(|&i| upper.as_bytes().get(i + word.len()).is_none_or(|&b| !ident(b)))
            .collect()
    }

    /// The expressions of the CHECK constraints of a CREATE TABLE statement.
    fn checks(sql: &str) -> Vec<String> {
        keyword_positions(sql, "CHECK")
            .into_iter()
            .map(|at| {
                let open = at + sql[at..].find('(').expect("CHECK without parentheses");
                parenthesised(sql, open).to_string()
            })
            .collect()
    }

    /// The WHERE clause of a partial CREATE INDEX statement.
    fn index_predicate(sql: &str) -> String {
        let on = keyword_positions(sql, "ON")[0];
        let open = on + sql[on..].find('(').expect("index without columns");
        let columns = parenthesised(sql, open);
        let rest = &sql[open + columns.len() + 2..];
        let at = keyword_positions(rest, "WHERE")[0];
        rest[at + "WHERE".len()..].trim().to_string()
    }

    /// `CREATE TRIGGER name [BEFORE|AFTER|INSTEAD OF] (DELETE|INSERT|UPDATE [OF …]) ON …`.
    fn trigger_timing_and_event(sql: &str) -> (String, String) {
        let words: Vec<String> = sql.split_whitespace().map(|w| w.to_ascii_lowercase()).collect();
        let mut i = words.iter().position(|w| w == "trigger").expect("CREATE TRIGGER") + 1;
        if words[i] == "if" {
            i += 3;
        }
        i += 1;
        let timing = match words[i].as_str() {
            "before" | "after" => {
                i += 1;
                words[i - 1].clone()
            }
            "instead" => {
                i += 2;
                "instead of".into()
            }
            _ => "before".into(),
        };
        (timing, words[i].clone())
    }
}

mod postgres {
    //! Reads a PostgreSQL schema from `information_schema` and `pg_catalog` (schema `public`).

    use super::{column_fact, common_type, expression, foreign_key_fact, index_fact};
    use duijie_store::Db;
    use std::collections::BTreeSet;

    /// A row of `pg_constraint`, with column numbers turned into names.
    #[derive(sqlx::FromRow)]
    struct Constraint {
        table: String,
        kind: String,
        columns: Vec<String>,
        target: Option<String>,
        target_columns: Vec<String>,
        on_update: String,
        on_delete: String,
        definition: String,
    }

    /// A row of `pg_index`: its columns (or expressions) in order and its predicate.
    #[derive(sqlx::FromRow)]
    struct Index {
        table: String,
        name: String,
        unique: bool,
        columns: Vec<String>,
        predicate: Option<String>,
    }

    pub async fn facts(db: &Db) -> BTreeSet<String> {
        let Db::Postgres(p) = db else { panic!("not PostgreSQL") };
        let mut facts = BTreeSet::new();
        let migrations: Vec<(i64, String)> =
            sqlx::query_as("SELECT version, description FROM _sqlx_migrations ORDER BY version").fetch_all(p).await.unwrap();
        facts.extend(migrations.into_iter().map(|(v, d)| format!("migration {v} {d}")));

        let columns: Vec<(String, String, String, String, Option<String>, String)> = sqlx::query_as(
            "SELECT c.table_name::text, c.column_name::text, c.data_type::text, c.is_nullable::text, c.column_default::text, c.is_identity::text \
             FROM information_schema.columns c JOIN information_schema.tables t \
               ON t.table_schema = c.table_schema AND t.table_name = c.table_name \
             WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE' AND c.table_name <> '_sqlx_migrations'",
        )
        .fetch_all(p)
        .await
        .unwrap();
        for (table, name, ty, nullable, default, identity) in columns {
            let sequence = default.as_deref().is_some_and(|d| d.starts_with("nextval("));
            let default = default.filter(|_| !sequence);
            facts.insert(column_fact(&table, &name, &common_type("postgres", &ty), nullable == "NO", default.as_deref(), identity == "YES" || sequence));
        }

        let constraints: Vec<Constraint> = sqlx::query_as(
            "SELECT c.conrelid::regclass::text AS table, c.contype::text AS kind, \
                ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(n, i) \
                      JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.i) AS columns, \
                CASE WHEN c.confrelid = 0 THEN NULL ELSE c.confrelid::regclass::text END AS target, \
                ARRAY(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY k(n, i) \
                      JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.i) AS target_columns, \
                c.confupdtype::text AS on_update, c.confdeltype::text AS on_delete, pg_get_constraintdef(c.oid) AS definition \
             FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace \
             WHERE n.nspname = 'public' AND c.conrelid <> 0 AND c.conrelid::regclass::text <> '_sqlx_migrations'",
        )
        .fetch_all(p)
        .await
        .unwrap();
        let action = |a: &str| match a {
            "a" => "no action",
            "r" => "restrict",
            "c" => "cascade",
            "n" => "set null",
            "d" => "set default",
            other => panic!("unknown foreign key action {other}"),
        };
        for Constraint { table, kind, columns, target, target_columns, on_update, on_delete, definition } in constraints {
            match kind.as_str() {
                "p" => facts.insert(format!("{table}: primary key ({})", columns.join(", "))),
                "u" => facts.insert(format!("{table}: unique ({})", columns.join(", "))),
                "f" => facts.insert(foreign_key_fact(
                    &table,
                    &columns,
                    &target.expect("foreign key target"),
                    &target_columns,
                    action(&on_update),
                    action(&on_delete),
                )),
                "c" => facts.insert(format!("{table}: check {}", expression(definition.strip_prefix("CHECK").unwrap_or(&definition)))),
                other => facts.insert(format!("{table}: constraint of kind {other}: {definition}")),
            };
        }

        // Indexes of their own, not the ones that back a primary key or unique constraint.
        let indexes: Vec<Index> = sqlx::query_as(
            "SELECT t.relname::text AS table, i.relname::text AS name, x.indisunique AS unique, \
                ARRAY(SELECT pg_get_indexdef(x.indexrelid, k, true) FROM generate_series(1, x.indnkeyatts) k ORDER BY k) AS columns, \
                pg_get_expr(x.indpred, x.indrelid, true) AS predicate \
             FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid \
             JOIN pg_namespace n ON n.oid = t.relnamespace \
             WHERE n.nspname = 'public' AND t.relname <> '_sqlx_migrations' AND NOT EXISTS ( \
                SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid AND c.conrelid = x.indrelid AND c.contype IN ('p', 'u', 'x'))",
        )
        .fetch_all(p)
        .await
        .unwrap();
        for Index { table, name, unique, columns, predicate } in indexes {
            facts.insert(index_fact(&table, &name, unique, &columns, predicate.as_deref()));
        }

        let triggers: Vec<(String, String, String, String)> = sqlx::query_as(
            "SELECT event_object_table::text, action_timing::text, event_manipulation::text, action_orientation::text \
             FROM information_schema.triggers WHERE trigger_schema = 'public'",
        )
        .fetch_all(p)
        .await
        .unwrap();
        for (table, timing, event, orientation) in triggers {
            let each = if orientation == "ROW" { "for each row" } else { "for each statement" };
            facts.insert(format!("{table}: trigger {} {} {each}", timing.to_lowercase(), event.to_lowercase()));
        }
        facts
    }
}
