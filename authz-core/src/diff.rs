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
//! unchanged: GET /projects/{id}: requirement `a OR b` rewritten as `b OR a`, granting the same
//! endpoint DELETE /projects/{id}: widened
//! role member: widened
//! role editor: narrowed
//! unchanged roles: admin, support
//! ```
//!
//! Requirements are compared as what they grant — Boolean functions of the permissions held,
//! over every set of the permissions they name — so a rewrite that grants the same is unchanged,
//! and a requirement met by more sets is a widening even where no single role gains (an actor
//! holding two roles may). Roles are compared by what each reaches, so a role's permissions
//! listed anew change nothing and a new role lists every endpoint it opens. Access *widened* when
//! some caller is served where it was refused.

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
    /// The endpoint's requirement was rewritten and grants exactly what it granted: every set of
    /// permissions that met the old one meets the new one, and the reverse (`a OR b` → `b OR a`).
    Rewritten {
        /// `METHOD /path`.
        endpoint: String,
        /// The requirement before.
        from: String,
        /// The requirement now.
        to: String,
    },
}

/// How a change moved access, for one endpoint or one role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Effect {
    /// Nobody gained or lost it (a rewrite that grants the same included).
    Unchanged,
    /// Some caller that was refused is served now, and nobody lost it.
    Widened,
    /// Some caller that was served is refused now, and nobody gained it.
    Narrowed,
    /// Both: some gained, some lost.
    Both,
}

impl Effect {
    fn with(self, other: Effect) -> Effect {
        match (self, other) {
            (a, Effect::Unchanged) => a,
            (Effect::Unchanged, b) => b,
            (a, b) if a == b => a,
            _ => Effect::Both,
        }
    }

    /// `unchanged`, `widened`, `narrowed`, or `widened and narrowed`.
    pub const fn label(self) -> &'static str {
        match self {
            Effect::Unchanged => "unchanged",
            Effect::Widened => "widened",
            Effect::Narrowed => "narrowed",
            Effect::Both => "widened and narrowed",
        }
    }
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
            Change::Rewritten { endpoint, from, to } => {
                write!(
                    f,
                    "unchanged: {endpoint}: requirement `{from}` rewritten as `{to}`, granting the same"
                )
            }
        }
    }
}

/// The access changes from a base matrix to this one. `Display` writes one change per line,
/// then the effect on each endpoint and each role that changed (`endpoint DELETE /reports/{id}:
/// widened`, `role editor: widened and narrowed`), then the roles left unchanged.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MatrixDiff {
    /// Gains and losses role by role (roles in catalog order), then changed endpoints.
    pub changes: Vec<Change>,
    /// Every endpoint of either side (`METHOD /path`, sorted) with its effect.
    pub endpoints: Vec<(String, Effect)>,
    /// Every role of either side (catalog order) with its effect; `anyone` for public access.
    pub roles: Vec<(String, Effect)>,
}

impl MatrixDiff {
    /// Whether some caller is served where it was refused: a role gained an endpoint, an
    /// endpoint became public, or a requirement is met by more sets of permissions than before
    /// (an actor holding two roles may gain what neither role alone reaches).
    pub fn widened(&self) -> bool {
        self.endpoints.iter().any(|(_, e)| matches!(e, Effect::Widened | Effect::Both))
    }

    /// Whether nothing changed (a rewrite that grants the same is a change of text only: it is
    /// listed, and the diff is not empty).
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// The effect on `endpoint` (`METHOD /path`), if either side has it.
    pub fn endpoint(&self, endpoint: &str) -> Option<Effect> {
        self.endpoints.iter().find(|(e, _)| e == endpoint).map(|(_, effect)| *effect)
    }

    /// The effect on `role`, if either side has it.
    pub fn role(&self, role: &str) -> Option<Effect> {
        self.roles.iter().find(|(r, _)| r == role).map(|(_, effect)| *effect)
    }
}

impl fmt::Display for MatrixDiff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for change in &self.changes {
            writeln!(f, "{change}")?;
        }
        for (endpoint, effect) in &self.endpoints {
            if *effect != Effect::Unchanged {
                writeln!(f, "endpoint {endpoint}: {}", effect.label())?;
            }
        }
        let mut unchanged = Vec::new();
        for (role, effect) in &self.roles {
            match effect {
                Effect::Unchanged => unchanged.push(role.as_str()),
                _ => writeln!(f, "role {role}: {}", effect.label())?,
            }
        }
        if !self.changes.is_empty() && !unchanged.is_empty() {
            writeln!(f, "unchanged roles: {}", unchanged.join(", "))?;
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
    let mut endpoint_effect: BTreeMap<String, Effect> =
        keys.iter().map(|(path, method)| (format!("{method} {path}"), Effect::Unchanged)).collect();
    let mut role_effect: Vec<(String, Effect)> = std::iter::once("anyone")
        .chain(roles.iter().copied())
        .map(|r| (r.to_owned(), Effect::Unchanged))
        .collect();
    let mut note = |role: &str, endpoint: &str, effect: Effect| {
        if let Some(e) = endpoint_effect.get_mut(endpoint) {
            *e = e.with(effect);
        }
        if let Some((_, e)) = role_effect.iter_mut().find(|(r, _)| r == role) {
            *e = e.with(effect);
        }
    };
    // An endpoint that becomes public is gained by everyone, with or without a role.
    for key in &keys {
        let old = before.get(*key).filter(|r| r.public());
        let new = after.get(*key).filter(|r| r.public());
        match (old, new) {
            (None, Some(new)) => {
                note("anyone", &new.label(), Effect::Widened);
                changes.push(Change::Gained {
                    role: "anyone".to_owned(),
                    endpoint: new.label(),
                    requirement: new.requirement(),
                })
            }
            (Some(old), None) => {
                note("anyone", &old.label(), Effect::Narrowed);
                changes.push(Change::Lost {
                    role: "anyone".to_owned(),
                    endpoint: old.label(),
                    requirement: old.requirement(),
                })
            }
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
                (std::cmp::Ordering::Less, _, Some(new)) => {
                    note(role, &new.label(), Effect::Widened);
                    changes.push(Change::Gained {
                        role: who,
                        endpoint: new.label(),
                        requirement: new.requirement(),
                    })
                }
                (std::cmp::Ordering::Greater, Some(old), _) => {
                    note(role, &old.label(), Effect::Narrowed);
                    changes.push(Change::Lost {
                        role: who,
                        endpoint: old.label(),
                        requirement: old.requirement(),
                    })
                }
                _ => {}
            }
        }
    }
    for key in &keys {
        if let (Some(old), Some(new)) = (before.get(*key), after.get(*key)) {
            let label = new.label();
            // The requirements as functions of the permissions held, when both are gated on the
            // same scope: equal, wider or narrower whatever the roles.
            let compared = match (old.public(), new.public(), old.scope == new.scope) {
                (false, false, true) => compare(old, new),
                _ => None,
            };
            match compared {
                Some(Relation::Same) if old.requirement() != new.requirement() => {
                    changes.push(Change::Rewritten {
                        endpoint: label.clone(),
                        from: old.requirement(),
                        to: new.requirement(),
                    });
                }
                Some(relation) => {
                    if let Some(e) = endpoint_effect.get_mut(&label) {
                        *e = e.with(relation.effect());
                    }
                }
                None => {}
            }
            for what in field_changes(old, new, compared) {
                changes.push(Change::Changed { endpoint: label.clone(), what });
            }
        }
    }
    MatrixDiff { changes, endpoints: endpoint_effect.into_iter().collect(), roles: role_effect }
}

/// How two requirements compare as functions of the permissions an actor holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Relation {
    Same,
    Wider,
    Narrower,
    Different,
}

impl Relation {
    fn effect(self) -> Effect {
        match self {
            Relation::Same => Effect::Unchanged,
            Relation::Wider => Effect::Widened,
            Relation::Narrower => Effect::Narrowed,
            Relation::Different => Effect::Both,
        }
    }
}

/// Compares the requirements of `old` and `new` over every set of the permissions they name
/// (at most 2^16 sets); `None` when a requirement cannot be read or names more than 16.
fn compare(old: &Row, new: &Row) -> Option<Relation> {
    let (a, b) =
        (Expr::parse(old.requirement.as_deref()?)?, Expr::parse(new.requirement.as_deref()?)?);
    let mut names: Vec<&str> = Vec::new();
    a.names(&mut names);
    b.names(&mut names);
    names.sort_unstable();
    names.dedup();
    if names.len() > 16 {
        return None;
    }
    let (mut wider, mut narrower) = (false, false);
    for held in 0u32..(1 << names.len()) {
        let holds = |name: &str| {
            names.iter().position(|n| *n == name).is_some_and(|i| held & (1 << i) != 0)
        };
        match (a.eval(&holds), b.eval(&holds)) {
            (false, true) => wider = true,
            (true, false) => narrower = true,
            _ => {}
        }
    }
    Some(match (wider, narrower) {
        (false, false) => Relation::Same,
        (true, false) => Relation::Wider,
        (false, true) => Relation::Narrower,
        (true, true) => Relation::Different,
    })
}

/// A requirement as the matrix writes it: `authenticated`, `a:b`, `a OR b`, `a AND (b OR c)`,
/// and for a scoped route the same followed by ` in KIND {param}`.
#[derive(Debug, PartialEq, Eq)]
enum Expr {
    True,
    Permission(String),
    Any(Vec<Expr>),
    All(Vec<Expr>),
}

impl Expr {
    fn parse(text: &str) -> Option<Expr> {
        // The scope is compared on its own: `(a OR b) in team {team_id}` → `(a OR b)`.
        let text = match text.rfind(" in ") {
            Some(at) if text[at..].ends_with('}') => &text[..at],
            _ => text,
        };
        let tokens: Vec<&str> =
            text.split_whitespace().flat_map(|word| split_parens(word)).collect();
        let mut at = 0;
        let expr = Expr::list(&tokens, &mut at)?;
        (at == tokens.len()).then_some(expr)
    }

    fn list(tokens: &[&str], at: &mut usize) -> Option<Expr> {
        let mut items = vec![Expr::item(tokens, at)?];
        let mut joiner = None;
        while let Some(&word) = tokens.get(*at) {
            if word != "OR" && word != "AND" {
                break;
            }
            // One level joins with one word: `a OR b AND c` is not what the matrix writes.
            if joiner.is_some_and(|j| j != word) {
                return None;
            }
            joiner = Some(word);
            *at += 1;
            items.push(Expr::item(tokens, at)?);
        }
        Some(match joiner {
            None => items.pop()?,
            Some("OR") => Expr::Any(items),
            Some(_) => Expr::All(items),
        })
    }

    fn item(tokens: &[&str], at: &mut usize) -> Option<Expr> {
        let word = *tokens.get(*at)?;
        *at += 1;
        match word {
            "(" => {
                let inner = Expr::list(tokens, at)?;
                (tokens.get(*at) == Some(&")")).then(|| *at += 1)?;
                Some(inner)
            }
            "authenticated" => Some(Expr::True),
            ")" | "OR" | "AND" => None,
            name => Some(Expr::Permission(name.to_owned())),
        }
    }

    fn names<'a>(&'a self, out: &mut Vec<&'a str>) {
        match self {
            Expr::True => {}
            Expr::Permission(name) => out.push(name),
            Expr::Any(items) | Expr::All(items) => items.iter().for_each(|i| i.names(out)),
        }
    }

    fn eval(&self, holds: &dyn Fn(&str) -> bool) -> bool {
        match self {
            Expr::True => true,
            Expr::Permission(name) => holds(name),
            Expr::Any(items) => items.iter().any(|i| i.eval(holds)),
            Expr::All(items) => items.iter().all(|i| i.eval(holds)),
        }
    }
}

/// `(a` → `(`, `a`; `b))` → `b`, `)`, `)`.
fn split_parens(word: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = word;
    while let Some(tail) = rest.strip_prefix('(') {
        out.push("(");
        rest = tail;
    }
    let closing = rest.len() - rest.trim_end_matches(')').len();
    let core = &rest[..rest.len() - closing];
    if !core.is_empty() {
        out.push(core);
    }
    out.extend(std::iter::repeat_n(")", closing));
    out
}

fn field_changes(old: &Row, new: &Row, compared: Option<Relation>) -> Vec<String> {
    let mut out = Vec::new();
    if old.requirement() != new.requirement() && compared != Some(Relation::Same) {
        let how = match compared {
            Some(Relation::Wider) => " (met by more sets of permissions: wider)",
            Some(Relation::Narrower) => " (met by fewer sets of permissions: narrower)",
            Some(Relation::Different) => " (some sets of permissions gain it, others lose it)",
            _ => "",
        };
        out.push(format!("requirement `{}` → `{}`{how}", old.requirement(), new.requirement()));
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

#[cfg(test)]
mod tests {
    use super::*;

    fn grants(text: &str, held: &[&str]) -> bool {
        Expr::parse(text).unwrap_or_else(|| panic!("{text}")).eval(&|p| held.contains(&p))
    }

    #[test]
    fn requirements_read_back_as_the_matrix_writes_them() {
        assert!(grants("a:x AND (b:x OR c:x)", &["a:x", "c:x"]));
        assert!(!grants("a:x AND (b:x OR c:x)", &["b:x", "c:x"]));
        assert!(grants("(a:x OR b:x) in team {team_id}", &["b:x"]));
        assert!(grants("a:x OR (b:x AND (c:x OR d:x))", &["b:x", "d:x"]));
        assert!(grants("authenticated", &[]));
        for broken in ["a:x OR", "(a:x", "a:x OR b:x AND c:x", "a:x)", ""] {
            assert_eq!(Expr::parse(broken), None, "{broken}");
        }
    }
}
