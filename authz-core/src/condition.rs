//! Row conditions: a policy's list form, written once and read two ways — evaluated on a loaded
//! row in Rust ([`Condition::matches`]), and rendered as a SQL `WHERE` clause by a store crate
//! (`authz-sqlx`), so a list query and a per-row check cannot drift apart.

use std::sync::Arc;

use crate::scope::Scopes;

/// A column's value as a condition reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// A boolean column.
    Bool(bool),
    /// An integer column.
    Int(i64),
    /// SQL `NULL`: equal to nothing, in no set.
    Null,
}

/// A row a condition can be evaluated on: its columns by name.
pub trait Fields {
    /// The value of `column`; [`Field::Null`] for a column the row does not have.
    fn field(&self, column: &str) -> Field;
}

/// A condition on a row's columns. Column names are `'static` identifiers written in code, never
/// user input; a store rejects any other spelling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    /// Every row.
    Always,
    /// No row.
    Never,
    /// The boolean column equals the value.
    Is(&'static str, bool),
    /// The integer column equals the value.
    Eq(&'static str, i64),
    /// The integer column is one of the ids (sorted, no duplicates).
    In(&'static str, Arc<[i64]>),
    /// At least one holds.
    Any(Vec<Condition>),
    /// Every one holds.
    All(Vec<Condition>),
}

impl Condition {
    /// The rows whose `column` names one of `scopes`: every row for [`Scopes::All`].
    pub fn in_scopes(column: &'static str, scopes: &Scopes) -> Condition {
        match scopes {
            Scopes::All => Condition::Always,
            Scopes::Only(ids) if ids.is_empty() => Condition::Never,
            Scopes::Only(ids) => Condition::In(column, ids.clone()),
        }
    }

    /// `any(...)`, simplified: `Always` wins, `Never` drops out.
    pub fn any(items: impl IntoIterator<Item = Condition>) -> Condition {
        Condition::fold(items, true)
    }

    /// `all(...)`, simplified: `Never` wins, `Always` drops out.
    pub fn all(items: impl IntoIterator<Item = Condition>) -> Condition {
        Condition::fold(items, false)
    }

    /// `any` (or `all`) of `items`: the absorbing constant wins, the neutral one drops out, and
    /// one item left stands alone.
    fn fold(items: impl IntoIterator<Item = Condition>, any: bool) -> Condition {
        let (absorbing, neutral) = if any {
            (Condition::Always, Condition::Never)
        } else {
            (Condition::Never, Condition::Always)
        };
        let mut out = Vec::new();
        for item in items {
            if item == absorbing {
                return absorbing;
            }
            if item != neutral {
                out.push(item);
            }
        }
        match out.len() {
            0 => neutral,
            1 => out.pop().unwrap_or(neutral),
            _ if any => Condition::Any(out),
            _ => Condition::All(out),
        }
    }

    /// Whether `row` meets the condition, with SQL's reading of `NULL` (equal to nothing).
    pub fn matches(&self, row: &impl Fields) -> bool {
        match self {
            Condition::Always => true,
            Condition::Never => false,
            Condition::Is(column, value) => row.field(column) == Field::Bool(*value),
            Condition::Eq(column, value) => row.field(column) == Field::Int(*value),
            Condition::In(column, ids) => {
                matches!(row.field(column), Field::Int(v) if ids.binary_search(&v).is_ok())
            }
            Condition::Any(items) => items.iter().any(|c| c.matches(row)),
            Condition::All(items) => items.iter().all(|c| c.matches(row)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Row {
        public: bool,
        team: Option<i64>,
    }

    impl Fields for Row {
        fn field(&self, column: &str) -> Field {
            match column {
                "is_public" => Field::Bool(self.public),
                "team_id" => self.team.map_or(Field::Null, Field::Int),
                _ => Field::Null,
            }
        }
    }

    #[test]
    fn null_is_in_no_set_and_simplification_keeps_meaning() {
        let teams = Scopes::Only(Arc::from([3, 7]));
        let c = Condition::any([
            Condition::Is("is_public", true),
            Condition::in_scopes("team_id", &teams),
        ]);
        assert!(c.matches(&Row { public: false, team: Some(7) }));
        assert!(!c.matches(&Row { public: false, team: Some(4) }));
        assert!(!c.matches(&Row { public: false, team: None }));
        assert!(c.matches(&Row { public: true, team: None }));
        assert_eq!(
            Condition::any([Condition::Never, Condition::in_scopes("team_id", &Scopes::All)]),
            Condition::Always
        );
        assert_eq!(
            Condition::all([Condition::Always, Condition::in_scopes("team_id", &Scopes::none())]),
            Condition::Never
        );
        assert!(!Condition::Eq("missing", 1).matches(&Row { public: true, team: None }));
    }
}
