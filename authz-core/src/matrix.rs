//! The endpoint-permission matrix: who may call what, rendered from the route records.
//!
//! Three renderings of the same rows, all deterministic (rows sorted by path, then method):
//! Markdown for people, JSON (schema [`SCHEMA`], documented in `docs/matrix-json.md`) for tools,
//! CSV for spreadsheets and reviewers.

use std::fmt::Write as _;

use crate::actor::{ActorId, Principal};
use crate::catalog::Catalog;
use crate::permission::Permission;
use crate::route::{Access, Refusals, RouteMeta, RoutePolicy};
use crate::set::PermissionSet;

/// The JSON schema identifier written in every JSON rendering.
pub const SCHEMA: &str = "authz-matrix/1";

/// One served (path, method) pair and the record that governs it.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// The full path as served, scope prefixes included, in actix pattern syntax.
    pub path: String,
    /// The HTTP method, upper case.
    pub method: String,
    /// The declaration.
    pub route: RouteMeta,
}

/// The matrix: endpoints sorted by path then method, plus the catalog for role and permission
/// tables.
#[derive(Debug, Clone)]
pub struct Matrix {
    endpoints: Vec<Endpoint>,
    catalog: Option<&'static Catalog>,
}

/// How a role fares on an endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleOutcome {
    /// Open to anyone.
    Public,
    /// The role's permissions meet the requirement and no policy applies.
    Allowed,
    /// The role's permissions meet the requirement; the named policy decides per resource.
    DependsOnPolicy(&'static str),
    /// Served, with results narrowed by the named policy.
    Filtered(&'static str),
    /// Refused with this status.
    Denied(u16),
    /// Scoped route: the role's permissions meet the requirement inside the scope where the role
    /// is held (everywhere, for a role held globally).
    InScope(&'static str),
    /// Scoped route: refused with the first status to a member of the scope, the second to an
    /// actor holding no role there.
    DeniedInScope(&'static str, u16, u16),
}

impl RoleOutcome {
    /// The outcome in words, as the matrix's role table writes it.
    pub fn describe(self) -> String {
        self.text()
    }

    fn text(self) -> String {
        match self {
            RoleOutcome::Public => "allowed (public)".to_owned(),
            RoleOutcome::Allowed => "allowed".to_owned(),
            RoleOutcome::DependsOnPolicy(p) => format!("depends on policy `{p}`"),
            RoleOutcome::Filtered(p) => format!("allowed, filtered by `{p}`"),
            RoleOutcome::Denied(status) => format!("denied ({status})"),
            RoleOutcome::InScope(kind) => format!("allowed in the {kind} where the role is held"),
            RoleOutcome::DeniedInScope(kind, member, outsider) => {
                format!(
                    "denied ({member} in the {kind} where the role is held, {outsider} elsewhere)"
                )
            }
        }
    }

    fn key(self) -> &'static str {
        match self {
            RoleOutcome::Public => "public",
            RoleOutcome::Allowed => "allowed",
            RoleOutcome::DependsOnPolicy(_) => "policy",
            RoleOutcome::Filtered(_) => "filtered",
            RoleOutcome::Denied(_) | RoleOutcome::DeniedInScope(..) => "denied",
            RoleOutcome::InScope(_) => "scoped",
        }
    }
}

/// A role's permissions posing as an actor, to evaluate requirements per role.
struct RoleView(PermissionSet);

impl Principal for RoleView {
    fn actor_id(&self) -> &ActorId {
        const ID: &ActorId = &ActorId::System("matrix");
        ID
    }

    fn has_permission(&self, permission: Permission) -> bool {
        self.0.contains(permission)
    }
}

impl Matrix {
    /// A matrix of `endpoints`; `catalog` adds the role × endpoint and permission tables.
    pub fn new(mut endpoints: Vec<Endpoint>, catalog: Option<&'static Catalog>) -> Self {
        endpoints.sort_by(|a, b| (&a.path, &a.method).cmp(&(&b.path, &b.method)));
        Matrix { endpoints, catalog }
    }

    /// The rows, sorted.
    pub fn endpoints(&self) -> &[Endpoint] {
        &self.endpoints
    }

    /// The catalog the matrix was built with, if any.
    pub fn catalog(&self) -> Option<&'static Catalog> {
        self.catalog
    }

    /// How `role` fares on `endpoint`, or `None` when the catalog has no such role.
    pub fn role_outcome(&self, role: &str, endpoint: &Endpoint) -> Option<RoleOutcome> {
        self.roles_outcome(&[role], endpoint)
    }

    /// How an actor holding all of `roles` fares on `endpoint`, or `None` when the catalog lacks
    /// one of them.
    pub fn roles_outcome(&self, roles: &[&str], endpoint: &Endpoint) -> Option<RoleOutcome> {
        let catalog = self.catalog?;
        let (set, _) = catalog.permissions_for_roles(roles).ok()?;
        Some(outcome(&RoleView(set), &endpoint.route))
    }

    /// Markdown: a generated-file notice naming `regenerate`, the endpoint table, then (with a
    /// catalog) the role × endpoint table and the permissions table.
    pub fn to_markdown(&self, regenerate: &str) -> String {
        let mut out = String::with_capacity(128 + self.endpoints.len() * 160);
        let _ = writeln!(
            out,
            "_Generated by authz from the route declarations; do not edit. Regenerate with `{regenerate}`._"
        );
        out.push_str("\n# Endpoint-permission matrix\n\n");
        let _ = writeln!(
            out,
            "Digest `{}`: the audit events of a build serving this table say `matrix={0}`.\n",
            self.digest()
        );
        out.push_str(&self.endpoint_table());
        out.push_str(
            "\nEvery route that is not public answers `401` to a request without a valid actor.\n",
        );
        if let Some(kind) = self.endpoints.iter().find_map(|e| e.route.scope()).map(|s| s.kind) {
            let _ = writeln!(
                out,
                "A requirement `in {kind} {{…}}` is met by global permissions, or by a role held in the {kind} the path names; \
                 an id that is not a number answers 404, as a missing {kind} does."
            );
        }

        if let Some(catalog) = self.catalog {
            let roles = catalog.roles();
            if !roles.is_empty() {
                out.push_str("\n## Roles\n\n");
                let included: Vec<String> = roles
                    .iter()
                    .filter(|r| !catalog.includes(r.name).is_empty())
                    .map(|r| {
                        let names: Vec<String> =
                            catalog.includes(r.name).iter().map(|n| format!("`{n}`")).collect();
                        format!("`{}` includes {}", r.name, names.join(", "))
                    })
                    .collect();
                if !included.is_empty() {
                    let _ = writeln!(
                        out,
                        "A role holds the permissions of the roles it includes: {}.\n",
                        included.join("; ")
                    );
                }
                out.push_str("| Endpoint | Method |");
                for role in roles {
                    let _ = write!(out, " {} |", md(role.name));
                }
                out.push_str("\n|---|---|");
                out.push_str(&"---|".repeat(roles.len()));
                out.push('\n');
                let views: Vec<RoleView> =
                    roles.iter().map(|r| RoleView(role_set(catalog, r.name))).collect();
                for e in &self.endpoints {
                    let _ = write!(out, "| {} | {} |", md_code(&e.path), e.method);
                    for view in &views {
                        let _ = write!(out, " {} |", md(&outcome(view, &e.route).text()));
                    }
                    out.push('\n');
                }
            }
            let permissions = catalog.permissions();
            if !permissions.is_empty() {
                out.push_str("\n## Permissions\n\n| Permission | Description | Granted to |\n|---|---|---|\n");
                for def in permissions {
                    let holders: Vec<&str> = roles
                        .iter()
                        .filter(|r| r.permissions.iter().any(|p| p == &def.permission))
                        .map(|r| r.name)
                        .collect();
                    let _ = writeln!(
                        out,
                        "| {} | {} | {} |",
                        md_code(def.permission.as_str()),
                        md(def.description),
                        if holders.is_empty() { "—".to_owned() } else { md(&holders.join(", ")) }
                    );
                }
            }
        }
        out
    }

    /// The endpoint table: one row per endpoint, the six columns of the contract.
    fn endpoint_table(&self) -> String {
        let mut out = String::with_capacity(128 + self.endpoints.len() * 160);
        out.push_str("| Endpoint | Method | Operation | Required permission(s) | Additional policy | Unauthorized response |\n");
        out.push_str("|---|---|---|---|---|---|\n");
        for e in &self.endpoints {
            let r = &e.route;
            let cells = [
                md_code(&e.path),
                e.method.clone(),
                md(r.operation),
                md(&required_text(r)),
                md(&policy_text(r)),
                md(&unauthorized_text(r)),
            ];
            out.push_str("| ");
            out.push_str(&cells.join(" | "));
            out.push_str(" |\n");
        }
        out
    }

    /// The first 16 hex digits of the SHA-256 of the endpoint table (its Markdown rows: path,
    /// method, operation, requirement, policy, unauthorized response), which every audit event of
    /// an app serving these endpoints carries as `matrix=`, so a log line names the reviewed matrix
    /// in force. Source locations and the catalog's role tables are not in it: moving a handler
    /// does not change it, nor does a role's change in `authz.toml` (the role tables follow from
    /// the rows and the catalog).
    pub fn digest(&self) -> String {
        use sha2::Digest as _;
        let hash = sha2::Sha256::digest(self.endpoint_table().as_bytes());
        hash.iter().take(8).map(|b| format!("{b:02x}")).collect()
    }

    /// JSON, schema [`SCHEMA`]: every field of every record, source locations included.
    pub fn to_json(&self) -> String {
        let roles = self.catalog.map(Catalog::roles).unwrap_or_default();
        let views: Vec<(&str, RoleView)> = match self.catalog {
            Some(c) => roles.iter().map(|r| (r.name, RoleView(role_set(c, r.name)))).collect(),
            None => Vec::new(),
        };
        let document = json::Document {
            schema: SCHEMA,
            digest: self.digest(),
            endpoints: self.endpoints.iter().map(|e| json::Endpoint::new(e, &views)).collect(),
            roles: roles
                .iter()
                .map(|r| json::Role {
                    name: r.name,
                    includes: self.catalog.map(|c| c.includes(r.name)).unwrap_or_default(),
                    permissions: r.permissions.iter().map(Permission::as_str).collect(),
                })
                .collect(),
            permissions: self
                .catalog
                .map(Catalog::permissions)
                .unwrap_or_default()
                .iter()
                .map(|d| json::PermissionEntry {
                    name: d.permission.as_str(),
                    description: d.description,
                })
                .collect(),
        };
        let mut out = serde_json::to_string_pretty(&document)
            .unwrap_or_else(|e| unreachable!("plain data serializes: {e}"));
        out.push('\n');
        out
    }

    /// CSV (RFC 4180): the Markdown columns, then the handler and its source location.
    pub fn to_csv(&self) -> String {
        let mut out = String::with_capacity(128 + self.endpoints.len() * 160);
        out.push_str("Endpoint,Method,Operation,Required permission(s),Additional policy,Unauthorized response,Handler,File,Line\r\n");
        for e in &self.endpoints {
            let r = &e.route;
            let line = r.line.to_string();
            let handler = format!("{}::{}", r.module, r.handler);
            let cells = [
                e.path.as_str(),
                e.method.as_str(),
                r.operation,
                &required_text(r),
                &policy_text(r),
                &unauthorized_text(r),
                &handler,
                r.file,
                &line,
            ];
            let row: Vec<String> = cells.iter().map(|c| csv(c)).collect();
            out.push_str(&row.join(","));
            out.push_str("\r\n");
        }
        out
    }
}

fn role_set(catalog: &'static Catalog, role: &str) -> PermissionSet {
    catalog
        .permissions_for_roles([role])
        .map_or_else(|_| PermissionSet::empty(catalog), |(set, _)| set)
}

fn outcome(view: &RoleView, route: &RouteMeta) -> RoleOutcome {
    match &route.access {
        Access::Public { .. } => RoleOutcome::Public,
        Access::Gated { requirement, deny, scope } => {
            if !requirement.is_satisfied_by(view) {
                match scope {
                    Some(s) if s.outsiders != *deny => {
                        RoleOutcome::DeniedInScope(s.kind, deny.status(), s.outsiders.status())
                    }
                    _ => RoleOutcome::Denied(deny.status()),
                }
            } else if let Some(policy) = route.policy {
                match policy {
                    RoutePolicy::Filter(p) => RoleOutcome::Filtered(p.name()),
                    RoutePolicy::Enforce(p) => RoleOutcome::DependsOnPolicy(p.name()),
                }
            } else if let Some(s) = scope {
                RoleOutcome::InScope(s.kind)
            } else {
                RoleOutcome::Allowed
            }
        }
    }
}

/// The "Required permission(s)" cell: the requirement, or the policy's stated rule when the route
/// only requires authentication and defers to a policy.
fn required_text(route: &RouteMeta) -> String {
    match &route.access {
        Access::Public { reason, writes: None } => format!("none (public: {reason})"),
        Access::Public { reason, writes: Some(writes) } => {
            format!("none (public: {reason}; writes: {writes})")
        }
        Access::Gated { requirement, .. } => {
            if let crate::Requirement::Authenticated = requirement
                && let Some(RoutePolicy::Enforce(policy)) = route.policy
                && let Some(rule) = policy.meta.rule
            {
                return rule.to_owned();
            }
            route.requirement_text().unwrap_or_default()
        }
    }
}

fn policy_text(route: &RouteMeta) -> String {
    match route.policy {
        None => "—".to_owned(),
        Some(applied) => {
            let p = applied.policy();
            let verb = if applied.filters() { " filters the results" } else { "" };
            match p.meta.summary {
                "" => format!("`{}`{verb}", p.name()),
                summary => format!("`{}`{verb}: {summary}", p.name()),
            }
        }
    }
}

fn unauthorized_text(route: &RouteMeta) -> String {
    match route.refusals() {
        Refusals::None => "—".to_owned(),
        Refusals::Filtered => "200, filtered".to_owned(),
        Refusals::Forbidden => "403".to_owned(),
        Refusals::Hidden => "404 (hides existence)".to_owned(),
        Refusals::HiddenOrForbidden(v) => {
            format!("404 if `{}` refuses (hides existence), else 403", v.name())
        }
        Refusals::HiddenFromOutsiders(s) => {
            format!("404 without a role in the {} (hides it), else 403", s.kind)
        }
    }
}

/// A Markdown table cell: backslashes then pipes escaped (a `\|` in the text would otherwise
/// become an escaped backslash followed by a cell break), line breaks flattened.
fn md(text: &str) -> String {
    text.replace('\\', "\\\\").replace('|', "\\|").replace(['\n', '\r'], " ")
}

fn md_code(text: &str) -> String {
    format!(
        "`{}`",
        text.replace('`', "'").replace('\\', "\\\\").replace('|', "\\|").replace(['\n', '\r'], " ")
    )
}

fn csv(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(csv("plain"), "plain");
        assert_eq!(csv("a, \"b\""), "\"a, \"\"b\"\"\"");
        assert_eq!(md("a|b\nc"), "a\\|b c");
        // A pipe the text escaped itself stays inside the cell.
        assert_eq!(md("a \\| b"), "a \\\\\\| b");
        assert_eq!(md_code("x\\|y"), "`x\\\\\\|y`");
    }
}

/// The JSON rendering's shape: field order as documented in `docs/matrix-json.md`.
mod json {
    use serde::Serialize;

    use super::{Endpoint as Row, RoleView, outcome};
    use crate::route::{Access, RoutePolicy};

    #[derive(Serialize)]
    pub(super) struct Document<'a> {
        pub(super) schema: &'static str,
        pub(super) digest: String,
        pub(super) endpoints: Vec<Endpoint<'a>>,
        pub(super) roles: Vec<Role>,
        pub(super) permissions: Vec<PermissionEntry>,
    }

    #[derive(Serialize)]
    pub(super) struct Role {
        pub(super) name: &'static str,
        pub(super) includes: &'static [&'static str],
        pub(super) permissions: Vec<&'static str>,
    }

    #[derive(Serialize)]
    pub(super) struct PermissionEntry {
        pub(super) name: &'static str,
        pub(super) description: &'static str,
    }

    #[derive(Serialize)]
    pub(super) struct Endpoint<'a> {
        path: &'a str,
        method: &'a str,
        operation: &'static str,
        access: &'static str,
        public_reason: Option<&'static str>,
        requirement: Option<String>,
        permissions: Vec<&'static str>,
        deny_status: Option<u16>,
        scope: Option<Scope>,
        policy: Option<Policy>,
        visibility: Option<Visibility>,
        roles: Outcomes<'a>,
        handler: &'static str,
        module: &'static str,
        file: &'static str,
        line: u32,
    }

    #[derive(Serialize)]
    struct Scope {
        kind: &'static str,
        param: &'static str,
        outsiders_status: u16,
    }

    #[derive(Serialize)]
    struct Policy {
        path: &'static str,
        name: &'static str,
        #[serde(rename = "use")]
        applied: &'static str,
        summary: &'static str,
        rule: Option<&'static str>,
    }

    /// Role name → outcome, in the catalog's role order.
    struct Outcomes<'a>(Vec<(&'a str, &'static str)>);

    impl Serialize for Outcomes<'_> {
        fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            serializer.collect_map(self.0.iter().copied())
        }
    }

    #[derive(Serialize)]
    struct Visibility {
        path: &'static str,
        name: &'static str,
    }

    impl<'a> Endpoint<'a> {
        pub(super) fn new(e: &'a Row, views: &[(&'a str, RoleView)]) -> Self {
            let r = &e.route;
            let (access, public_reason, requirement, permissions, deny_status) = match &r.access {
                Access::Public { reason, .. } => ("public", Some(*reason), None, Vec::new(), None),
                Access::Gated { requirement, deny, .. } => (
                    "gated",
                    None,
                    r.requirement_text(),
                    requirement.permissions().iter().map(|p| p.as_str()).collect(),
                    Some(deny.status()),
                ),
            };
            let policy = r.policy.map(|applied| {
                let p = applied.policy();
                Policy {
                    path: p.path,
                    name: p.name(),
                    applied: match applied {
                        RoutePolicy::Enforce(_) => "enforce",
                        RoutePolicy::Filter(_) => "filter",
                    },
                    summary: p.meta.summary,
                    rule: p.meta.rule,
                }
            });
            Endpoint {
                path: &e.path,
                method: &e.method,
                operation: r.operation,
                access,
                public_reason,
                requirement,
                permissions,
                deny_status,
                scope: r.scope().map(|s| Scope {
                    kind: s.kind,
                    param: s.param,
                    outsiders_status: s.outsiders.status(),
                }),
                policy,
                visibility: r.visibility.map(|v| Visibility { path: v.path, name: v.name() }),
                roles: Outcomes(
                    views.iter().map(|(name, view)| (*name, outcome(view, r).key())).collect(),
                ),
                handler: r.handler,
                module: r.module,
                file: r.file,
                line: r.line,
            }
        }
    }
}
