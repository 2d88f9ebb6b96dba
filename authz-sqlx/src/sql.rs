//! A policy's list form ([`Condition`]) as a SQL `WHERE` clause with bound parameters.

use authz_core::condition::Condition;

/// Why a condition cannot be rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadColumn(pub &'static str);

impl std::fmt::Display for BadColumn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "`{}` is not a plain column name", self.0)
    }
}

impl std::error::Error for BadColumn {}

/// A condition as SQL: the boolean expression, with `$N` placeholders numbered from the `first`
/// given to [`where_clause`], and the values to bind to them, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlCondition {
    /// The expression, parenthesized.
    pub sql: String,
    /// The values for its placeholders, in order.
    pub params: Vec<i64>,
}

/// Renders `condition` as a SQL boolean expression whose values are bound parameters, numbered
/// `$first`, `$first+1`, ... (sqlx's `Any` driver passes `$N` to PostgreSQL as is and maps it on
/// SQLite, where its own builder's `?` would not reach PostgreSQL).
///
/// Column names must be plain identifiers (`[a-z_][a-z0-9_]*`, optionally `table.column`); they
/// come from code, and anything else is refused rather than quoted. SQL's `NULL` equals nothing
/// and is in no list, as [`Condition::matches`] reads it; booleans compare with `= TRUE` /
/// `= FALSE`, which SQLite (3.23+) and PostgreSQL read alike. The property tests of the projects
/// example compare the two readings on both databases.
pub fn where_clause(condition: &Condition, first: usize) -> Result<SqlCondition, BadColumn> {
    let mut out = SqlCondition { sql: String::new(), params: Vec::new() };
    render(condition, first, &mut out)?;
    Ok(out)
}

fn column(name: &'static str) -> Result<&'static str, BadColumn> {
    let plain = name.split('.').count() <= 2
        && name.split('.').all(|part| {
            part.bytes().next().is_some_and(|b| b.is_ascii_lowercase() || b == b'_')
                && part.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        });
    if plain { Ok(name) } else { Err(BadColumn(name)) }
}

fn render(condition: &Condition, first: usize, out: &mut SqlCondition) -> Result<(), BadColumn> {
    use std::fmt::Write as _;
    let bind = |out: &mut SqlCondition, value: i64| {
        out.params.push(value);
        format!("${}", first + out.params.len() - 1)
    };
    match condition {
        Condition::Always => out.sql.push_str("(1 = 1)"),
        Condition::Never => out.sql.push_str("(1 = 0)"),
        Condition::Is(c, value) => {
            let _ = write!(out.sql, "({} = {})", column(c)?, if *value { "TRUE" } else { "FALSE" });
        }
        Condition::Eq(c, value) => {
            let c = column(c)?;
            let p = bind(out, *value);
            let _ = write!(out.sql, "({c} = {p})");
        }
        Condition::In(c, ids) if ids.is_empty() => {
            column(c)?;
            out.sql.push_str("(1 = 0)");
        }
        Condition::In(c, ids) => {
            let c = column(c)?;
            let list: Vec<String> = ids.iter().map(|id| bind(out, *id)).collect();
            let _ = write!(out.sql, "({c} IN ({}))", list.join(", "));
        }
        Condition::Any(items) | Condition::All(items) => {
            let any = matches!(condition, Condition::Any(_));
            if items.is_empty() {
                // any() of nothing is false, all() of nothing is true.
                out.sql.push_str(if any { "(1 = 0)" } else { "(1 = 1)" });
                return Ok(());
            }
            out.sql.push('(');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.sql.push_str(if any { " OR " } else { " AND " });
                }
                render(item, first, out)?;
            }
            out.sql.push(')');
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_from_first_and_columns_are_checked() {
        let c = Condition::any([
            Condition::Is("is_public", true),
            Condition::Eq("owner_id", 4),
            Condition::In("team_id", std::sync::Arc::from([2, 9])),
        ]);
        let rendered = where_clause(&c, 3).unwrap();
        assert_eq!(
            rendered.sql,
            "((is_public = TRUE) OR (owner_id = $3) OR (team_id IN ($4, $5)))"
        );
        assert_eq!(rendered.params, [4, 2, 9]);
        assert_eq!(
            where_clause(&Condition::Eq("x; DROP TABLE t", 1), 1),
            Err(BadColumn("x; DROP TABLE t"))
        );
        assert_eq!(where_clause(&Condition::Never, 1).unwrap().sql, "(1 = 0)");
        assert_eq!(
            where_clause(&Condition::Eq("p.owner_id", 1), 1).unwrap().sql,
            "(p.owner_id = $1)"
        );
    }
}
