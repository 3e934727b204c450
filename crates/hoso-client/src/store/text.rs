//! The enums kept as text in the store, bound and read through
//! `rusqlite::ToSql`/`FromSql` so that no state is spelled as a string
//! literal outside this file. The texts are exactly those the databases
//! already hold (and the `CHECK` constraints of the migrations name).

use hoso_core::DossierState;
use hoso_core::status::Status;
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};

/// An enum stored as one of a fixed set of texts.
pub(crate) trait StoredText: Sized + Copy {
    /// What it is, for the error when a stored text is unknown.
    const WHAT: &'static str;
    /// Its stored text.
    fn text(self) -> &'static str;
    /// The value a stored text names.
    fn from_text(text: &str) -> Option<Self>;
}

/// A value of `T` as the store holds it: bind it as a parameter, read it
/// as a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Text<T>(pub T);

/// The stored text itself (as the report's CSV shows a local state).
impl<T: StoredText> std::fmt::Display for Text<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0.text())
    }
}

impl<T: StoredText> ToSql for Text<T> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.0.text()))
    }
}

impl<T: StoredText> FromSql for Text<T> {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let text = value.as_str()?;
        T::from_text(text)
            .map(Text)
            .ok_or_else(|| FromSqlError::Other(format!("unknown {} {text:?}", T::WHAT).into()))
    }
}

impl StoredText for DossierState {
    const WHAT: &'static str = "dossier state";

    fn text(self) -> &'static str {
        match self {
            DossierState::Draft => "draft",
            DossierState::Submitting => "submitting",
            DossierState::Submitted => "submitted",
        }
    }

    fn from_text(text: &str) -> Option<Self> {
        [
            DossierState::Draft,
            DossierState::Submitting,
            DossierState::Submitted,
        ]
        .into_iter()
        .find(|s| s.text() == text)
    }
}

impl StoredText for Status {
    const WHAT: &'static str = "status";

    fn text(self) -> &'static str {
        self.as_str()
    }

    fn from_text(text: &str) -> Option<Self> {
        Status::parse(text)
    }
}

/// Where a supplement recorded here stands (`supplements.state`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SupplementState {
    /// Recorded with its key before the first byte; not yet filed.
    Sending,
    /// Filed; its receipt is kept.
    Filed,
}

impl StoredText for SupplementState {
    const WHAT: &'static str = "supplement state";

    fn text(self) -> &'static str {
        match self {
            SupplementState::Sending => "sending",
            SupplementState::Filed => "filed",
        }
    }

    fn from_text(text: &str) -> Option<Self> {
        [SupplementState::Sending, SupplementState::Filed]
            .into_iter()
            .find(|s| s.text() == text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The texts every existing profile holds; changing one would strand
    /// their dossiers.
    #[test]
    fn states_round_trip_through_sqlite_as_the_texts_existing_databases_hold() {
        let conn = rusqlite::Connection::open_in_memory().expect("db");
        let stored = |v: &dyn ToSql| -> String {
            conn.query_row("SELECT ?1", [v], |r| r.get(0))
                .expect("bound")
        };
        assert_eq!(stored(&Text(DossierState::Draft)), "draft");
        assert_eq!(stored(&Text(DossierState::Submitting)), "submitting");
        assert_eq!(stored(&Text(DossierState::Submitted)), "submitted");
        assert_eq!(stored(&Text(SupplementState::Sending)), "sending");
        assert_eq!(stored(&Text(SupplementState::Filed)), "filed");
        assert_eq!(
            stored(&Text(Status::SupplementRequested)),
            "supplement_requested"
        );
        for state in [
            DossierState::Draft,
            DossierState::Submitting,
            DossierState::Submitted,
        ] {
            let back: Text<DossierState> = conn
                .query_row("SELECT ?1", [Text(state)], |r| r.get(0))
                .expect("read");
            assert_eq!(back.0, state);
        }
        let unknown = conn.query_row("SELECT 'sent'", [], |r| r.get::<_, Text<DossierState>>(0));
        assert!(unknown.is_err(), "an unknown text is an error, not a guess");
    }
}
