//! Access changes between two matrices, per role: what a reviewer of a pull request needs to see.
//!
//! The base is a committed JSON matrix (`authz-matrix/1`, e.g. the base branch's
//! `docs/authorization.json`); the head is the matrix rendered from the code. For every role of
//! either side, each endpoint it gains (refused before, served now, or new) and loses; then every
//! endpoint whose requirement, denial or policies changed:
//!
//! ```text
//! member: + DELETE /projects/{id} (project:delete)
//! editor: - GET /admin/users (user:admin)
//! anyone: + GET /status (public: uptime probes)
//! changed: PATCH /projects/{id}: policy `can_edit_project` → `can_edit_any_project`
//! ```
//!
//! Access *widened* when some role gains an endpoint or an endpoint becomes public.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;

use crate::matrix::{Matrix, SCHEMA};

/// Why a matrix could not be compared.
#[derive(Debug, thiserror::Error)]
pub enum DiffError {
    /// The base is not JSON of the matrix schema.
    #[error("the base matrix is not `{SCHEMA}` JSON: {0}")]
    Parse(#[from] serde_json::Error),
    /// The base declares another schema.
    #[error("the base matrix has schema `{0}`; expected `{SCHEMA}`")]
    Schema(String),
}

/// One line of a [`MatrixDiff`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// `role` may now call `endpoint` (`anyone` for an endpoint that became public).
    Gained {
        /// The role.
        role: String,
        /// `METHOD /path`.
        endpoint: String,
        /// What the endpoint requires now.
        requirement: String,
    },
    /// `role` may no longer call `endpoint`.
    Lost {
        /// The role.
        role: String,
        /// `METHOD /path`.
        endpoint: String,
        /// What the endpoint required before.
        requirement: String,
    },
    /// The endpoint's requirement, denial or policies changed.
    Changed {
        /// `METHOD /path`.
        endpoint: String,
        /// What changed, e.g. ``policy `a` → `b` ``.
        what: String,
    },
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Change::Gained { role, endpoint, requirement } => {
                write!(f, "{role}: + {endpoint} ({requirement})")
            }
            Change::Lost { role, endpoint, requirement } => {
                write!(f, "{role}: - {endpoint} ({requirement})")
            }
            Change::Changed { endpoint, what } => write!(f, "changed: {endpoint}: {what}"),
        }
    }
}

/// The access changes from a base matrix to this one. `Display` writes one change per line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MatrixDiff {
    /// Gains and losses role by role (roles in catalog order), then changed endpoints.
    pub changes: Vec<Change>,
}

impl MatrixDiff {
    /// Whether some role gained an endpoint, or an endpoint became public.
    pub fn widened(&self) -> bool {
        self.changes.iter().any(|c| matches!(c, Change::Gained { .. }))
    }

    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }
}

impl fmt::Display for MatrixDiff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for change in &self.changes {
            writeln!(f, "{change}")?;
        }
        Ok(())
    }
}

/// The fields of `authz-matrix/1` a diff reads.
#[derive(Deserialize)]
struct Document {
    schema: String,
    endpoints: Vec<Row>,
    #[serde(default)]
    roles: Vec<RoleRow>,
}

#[derive(Deserialize)]
struct RoleRow {
    name: String,
}

#[derive(Deserialize, Clone)]
struct Row {
    path: String,
    method: String,
    access: String,
    public_reason: Option<String>,
    requirement: Option<String>,
    deny_status: Option<u16>,
    // Absent in matrices written before scoped requirements existed.
    #[serde(default)]
    scope: Option<ScopeRow>,
    policy: Option<PolicyRow>,
    visibility: Option<NamedRow>,
    #[serde(default)]
    roles: BTreeMap<String, String>,
}

#[derive(Deserialize, Clone, PartialEq, Eq)]
struct ScopeRow {
    kind: String,
    param: String,
    outsiders_status: u16,
}

#[derive(Deserialize, Clone, PartialEq, Eq)]
struct PolicyRow {
    name: String,
    #[serde(rename = "use")]
    applied: String,
}

#[derive(Deserialize, Clone, PartialEq, Eq)]
struct NamedRow {
    name: String,
}

impl Row {
    fn key(&self) -> (String, String) {
        (self.path.clone(), self.method.clone())
    }

    fn label(&self) -> String {
        format!("{} {}", self.method, self.path)
    }

    fn requirement(&self) -> String {
        match (&self.requirement, &self.public_reason) {
            (Some(r), _) => r.clone(),
            (None, Some(reason)) => format!("public: {reason}"),
            (None, None) => "public".to_owned(),
        }
    }

    fn public(&self) -> bool {
        self.access == "public"
    }

    /// How far `role` reaches here: 0 refused, 1 only inside a scope where it is held (a scoped
    /// route), 2 everywhere (a policy may still refuse per resource).
    fn reach(&self, role: &str) -> u8 {
        if self.public() {
            return 2;
        }
        match self.roles.get(role).map(String::as_str) {
            None | Some("denied") => 0,
            Some("scoped") => 1,
            Some(_) => 2,
        }
    }
}

fn parse(json: &str) -> Result<Document, DiffError> {
    let doc: Document = serde_json::from_str(json)?;
    if doc.schema != SCHEMA {
        return Err(DiffError::Schema(doc.schema));
    }
    Ok(doc)
}

impl Matrix {
    /// The access changes from `base` — a JSON rendering of an earlier matrix — to this one.
    pub fn diff_from_json(&self, base: &str) -> Result<MatrixDiff, DiffError> {
        Ok(diff(&parse(base)?, &parse(&self.to_json())?))
    }
}

fn diff(base: &Document, head: &Document) -> MatrixDiff {
    let mut roles: Vec<&str> = head.roles.iter().map(|r| r.name.as_str()).collect();
    for role in &base.roles {
        if !roles.contains(&role.name.as_str()) {
            roles.push(&role.name);
        }
    }
    let before: BTreeMap<_, _> = base.endpoints.iter().map(|r| (r.key(), r)).collect();
    let after: BTreeMap<_, _> = head.endpoints.iter().map(|r| (r.key(), r)).collect();
    let mut keys: Vec<&(String, String)> = before.keys().chain(after.keys()).collect();
    keys.sort();
    keys.dedup();

    let mut changes = Vec::new();
    // An endpoint that becomes public is gained by everyone, with or without a role.
    for key in &keys {
        let old = before.get(*key).filter(|r| r.public());
        let new = after.get(*key).filter(|r| r.public());
        match (old, new) {
            (None, Some(new)) => changes.push(Change::Gained {
                role: "anyone".to_owned(),
                endpoint: new.label(),
                requirement: new.requirement(),
            }),
            (Some(old), None) => changes.push(Change::Lost {
                role: "anyone".to_owned(),
                endpoint: old.label(),
                requirement: old.requirement(),
            }),
            _ => {}
        }
    }
    for role in &roles {
        for key in &keys {
            let (old, new) = (before.get(*key), after.get(*key));
            // Public on either side is reported once, above, for anyone.
            if old.is_some_and(|r| r.public()) || new.is_some_and(|r| r.public()) {
                continue;
            }
            let was = old.map_or(0, |r| r.reach(role));
            let is = new.map_or(0, |r| r.reach(role));
            // A role that reached an endpoint inside its scopes only and now reaches it everywhere
            // (or the reverse) gains (loses) it where it is held in a scope.
            let who = if was.min(is) == 1 {
                format!("{role} (held in a scope)")
            } else {
                (*role).to_owned()
            };
            match (was.cmp(&is), old, new) {
                (std::cmp::Ordering::Less, _, Some(new)) => changes.push(Change::Gained {
                    role: who,
                    endpoint: new.label(),
                    requirement: new.requirement(),
                }),
                (std::cmp::Ordering::Greater, Some(old), _) => changes.push(Change::Lost {
                    role: who,
                    endpoint: old.label(),
                    requirement: old.requirement(),
                }),
                _ => {}
            }
        }
    }
    for key in &keys {
        if let (Some(old), Some(new)) = (before.get(*key), after.get(*key)) {
            for what in field_changes(old, new) {
                changes.push(Change::Changed { endpoint: new.label(), what });
            }
        }
    }
    MatrixDiff { changes }
}

fn field_changes(old: &Row, new: &Row) -> Vec<String> {
    let mut out = Vec::new();
    if old.requirement() != new.requirement() {
        out.push(format!("requirement `{}` → `{}`", old.requirement(), new.requirement()));
    }
    if old.deny_status != new.deny_status {
        let status = |s: Option<u16>| s.map_or_else(|| "none".to_owned(), |s| s.to_string());
        out.push(format!("denial {} → {}", status(old.deny_status), status(new.deny_status)));
    }
    if old.scope != new.scope {
        let scope = |s: &Option<ScopeRow>| {
            s.as_ref().map_or_else(
                || "none".to_owned(),
                |s| format!("{} {{{}}} (outsiders {})", s.kind, s.param, s.outsiders_status),
            )
        };
        out.push(format!("scope {} → {}", scope(&old.scope), scope(&new.scope)));
    }
    if old.policy != new.policy {
        let policy = |p: &Option<PolicyRow>| {
            p.as_ref()
                .map_or_else(|| "none".to_owned(), |p| format!("`{}` ({})", p.name, p.applied))
        };
        out.push(format!("policy {} → {}", policy(&old.policy), policy(&new.policy)));
    }
    if old.visibility != new.visibility {
        let named = |v: &Option<NamedRow>| {
            v.as_ref().map_or_else(|| "none".to_owned(), |v| format!("`{}`", v.name))
        };
        out.push(format!("visibility {} → {}", named(&old.visibility), named(&new.visibility)));
    }
    out
}
