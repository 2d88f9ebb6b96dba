//! Who can call an endpoint, and access expectations in CI: the command-line side of
//! [`Matrix::who_can`] and [`Matrix::violations`] — finding the endpoint a path names, and reading
//! a committed file of expectations. Each front end's `access` module passes its framework's own
//! pattern matcher, so a concrete path (`/projects/7`) names the endpoint that framework routes it
//! to.
//!
//! ```toml
//! # Checked by `matrix --expect FILE`: each violated expectation is named, exit status 1.
//! [[expect]]
//! role = "member"
//! method = "DELETE"
//! path = "/projects/{id}"
//! allowed = false
//!
//! [[expect]]
//! role = "editor"
//! method = "POST"
//! path = "/teams/{team_id}/projects"
//! allowed = true
//! in_team = true    # the role held inside the scope the path names, not globally
//! ```

use std::path::Path;

use crate::matrix::{Endpoint, Matrix};
use crate::{Expectation, WhoCan};

use toml::de::{DeTable, DeValue};

/// The endpoint `method` `path` names: a path as the matrix writes it (`/projects/{id}`), or one
/// a client would send (`/projects/7`), matched by `matches(pattern, path)` — the framework's
/// own matcher.
pub fn find<'m>(
    matrix: &'m Matrix,
    method: &str,
    path: &str,
    matches: &dyn Fn(&str, &str) -> bool,
) -> Option<&'m Endpoint> {
    matrix.endpoint(method, path).or_else(|| {
        matrix.endpoints().iter().find(|e| {
            (e.method == "*" || e.method.eq_ignore_ascii_case(method)) && matches(&e.path, path)
        })
    })
}

/// `who-can METHOD PATH` as text: one role per line (`admin`), then the roles that may call it
/// inside a scope (`editor in team`), then each policy that still decides per resource. `Err`
/// says why there is no answer.
pub fn who_can(
    matrix: &Matrix,
    method: &str,
    path: &str,
    matches: &dyn Fn(&str, &str) -> bool,
) -> Result<String, String> {
    let endpoint = find(matrix, method, path, matches)
        .ok_or_else(|| format!("no endpoint is declared for {} {path}", method.to_uppercase()))?;
    let who: WhoCan = matrix
        .who_can(endpoint)
        .ok_or_else(|| "the matrix has no catalog to take roles from".to_owned())?;
    let mut out = String::new();
    if who.public {
        out.push_str("anyone (public)\n");
    } else {
        for role in &who.roles {
            out.push_str(&format!("{role}\n"));
        }
        if let Some((kind, roles)) = &who.in_scope {
            for role in roles {
                out.push_str(&format!("{role} in {kind}\n"));
            }
        }
        if who.roles.is_empty() && who.in_scope.as_ref().is_none_or(|(_, r)| r.is_empty()) {
            out.push_str("no role\n");
        }
    }
    for (name, summary) in &who.policies {
        let summary = if summary.is_empty() { String::new() } else { format!(": {summary}") };
        out.push_str(&format!("policy {name}{summary}\n"));
    }
    Ok(out)
}

/// Reads the expectations in the TOML file at `path` (see the [module docs](self)).
pub fn read(path: &Path) -> Result<Vec<Expectation>, String> {
    let shown = path.display();
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {shown}: {e}"))?;
    let doc =
        DeTable::parse(&text).map_err(|e| format!("{shown}: invalid TOML: {}", e.message()))?;
    let mut out = Vec::new();
    for (key, value) in doc.get_ref() {
        let (DeValue::Array(items), "expect") = (value.get_ref(), key.get_ref().as_ref()) else {
            return Err(format!(
                "{shown}: unknown key `{}`; expected `[[expect]]` tables",
                key.get_ref()
            ));
        };
        for (i, item) in items.iter().enumerate() {
            let DeValue::Table(table) = item.get_ref() else {
                return Err(format!("{shown}: expectation {} is not a table", i + 1));
            };
            out.push(
                expectation(table).map_err(|e| format!("{shown}: expectation {}: {e}", i + 1))?,
            );
        }
    }
    Ok(out)
}

fn expectation(table: &DeTable<'_>) -> Result<Expectation, String> {
    let mut e = Expectation {
        role: String::new(),
        method: String::new(),
        path: String::new(),
        allowed: false,
        in_scope: false,
    };
    let (mut role, mut method, mut path, mut allowed) = (false, false, false, false);
    for (key, value) in table {
        match (key.get_ref().as_ref(), value.get_ref()) {
            ("role", DeValue::String(s)) => (e.role, role) = (s.to_string(), true),
            ("method", DeValue::String(s)) => (e.method, method) = (s.to_uppercase(), true),
            ("path", DeValue::String(s)) => (e.path, path) = (s.to_string(), true),
            ("allowed", DeValue::Boolean(b)) => (e.allowed, allowed) = (*b, true),
            ("in_team" | "in_scope", DeValue::Boolean(b)) => e.in_scope = *b,
            (k @ ("role" | "method" | "path"), _) => return Err(format!("`{k}` must be a string")),
            (k @ ("allowed" | "in_team" | "in_scope"), _) => {
                return Err(format!("`{k}` must be true or false"));
            }
            (other, _) => {
                return Err(format!(
                    "unknown key `{other}`; expected role, method, path, allowed, in_team"
                ));
            }
        }
    }
    for (given, name) in [(role, "role"), (method, "method"), (path, "path"), (allowed, "allowed")]
    {
        if !given {
            return Err(format!("`{name}` is missing"));
        }
    }
    Ok(e)
}
