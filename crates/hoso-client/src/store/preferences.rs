//! The person's choices (`preferences`), by name.

use rusqlite::{Connection, OptionalExtension, params};

/// The value kept for preference `name`, if ever set.
pub(crate) fn get(conn: &Connection, name: &str) -> rusqlite::Result<Option<String>> {
    conn.query_row(
        "SELECT value FROM preferences WHERE name = ?1",
        params![name],
        |r| r.get(0),
    )
    .optional()
}

/// Keeps `value` for preference `name`.
pub(crate) fn set(conn: &Connection, name: &str, value: &str) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO preferences (name, value) VALUES (?1, ?2)
         ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        params![name, value],
    )?;
    Ok(())
}
