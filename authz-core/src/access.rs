//! Who can do what, by reasoning over the declarations: for one endpoint, the roles whose
//! permissions meet its requirement (held globally, or held inside the scope it names), and
//! expectations about access checked against the same answers.

use crate::matrix::{Endpoint, Matrix, RoleOutcome};

/// Who may call one endpoint, from the catalog's roles and the endpoint's declaration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WhoCan {
    /// Open to anyone: no role is needed.
    pub public: bool,
    /// Roles that may call it when held globally.
    pub roles: Vec<&'static str>,
    /// Roles that may call it when held inside the scope the path names (a scoped route), and
    /// the scope's kind.
    pub in_scope: Option<(&'static str, Vec<&'static str>)>,
    /// Policies that still decide per resource (`policy`, `filter`, `visibility`), with their
    /// summaries.
    pub policies: Vec<(&'static str, &'static str)>,
}

impl Matrix {
    /// Who may call `endpoint`; `None` when the matrix has no catalog to take roles from.
    pub fn who_can(&self, endpoint: &Endpoint) -> Option<WhoCan> {
        let catalog = self.catalog()?;
        let mut who = WhoCan {
            public: endpoint.route.is_public(),
            roles: Vec::new(),
            in_scope: None,
            policies: Vec::new(),
        };
        for role in catalog.roles() {
            match self.role_outcome(role.name, endpoint)? {
                RoleOutcome::Public
                | RoleOutcome::Allowed
                | RoleOutcome::DependsOnPolicy(_)
                | RoleOutcome::Filtered(_) => who.roles.push(role.name),
                // Held globally, a role meets a scoped requirement in every scope; held in a
                // scope, inside that one.
                RoleOutcome::InScope(kind) => {
                    who.roles.push(role.name);
                    who.in_scope.get_or_insert((kind, Vec::new())).1.push(role.name);
                }
                RoleOutcome::Denied(_) | RoleOutcome::DeniedInScope(..) => {}
            }
        }
        if let Some(scope) = endpoint.route.scope() {
            who.in_scope.get_or_insert((scope.kind, Vec::new()));
        }
        let route = &endpoint.route;
        let policies = route.policy.map(|p| p.policy()).into_iter().chain(route.visibility);
        who.policies = policies.map(|p| (p.name(), p.meta.summary)).collect();
        Some(who)
    }

    /// The endpoint declared for `method` at `pattern`, written as the matrix writes it
    /// (`/projects/{id}`).
    pub fn endpoint(&self, method: &str, pattern: &str) -> Option<&Endpoint> {
        self.endpoints().iter().find(|e| {
            e.path == pattern && (e.method == "*" || e.method.eq_ignore_ascii_case(method))
        })
    }

    /// The expectations `expected` does not meet, each said with the endpoint, the role and why;
    /// empty when all hold.
    pub fn violations(&self, expected: &[Expectation]) -> Vec<String> {
        expected.iter().filter_map(|e| self.violation(e)).collect()
    }

    fn violation(&self, e: &Expectation) -> Option<String> {
        let what = format!("{} {} for `{}`", e.method, e.path, e.role);
        let Some(endpoint) = self.endpoint(&e.method, &e.path) else {
            return Some(format!("{what}: no such endpoint is declared"));
        };
        let Some(catalog) = self.catalog() else {
            return Some(format!("{what}: the matrix has no catalog to take roles from"));
        };
        if catalog.roles().iter().all(|r| r.name != e.role) {
            return Some(format!("{what}: the catalog has no role `{}`", e.role));
        }
        let who = self.who_can(endpoint)?;
        let allowed = match (e.in_scope, &who.in_scope) {
            (true, Some((_, roles))) => roles.contains(&e.role.as_str()),
            (true, None) => return Some(format!("{what}: the route names no scope")),
            (false, _) => who.public || who.roles.contains(&e.role.as_str()),
        };
        let outcome = self.role_outcome(&e.role, endpoint).map(|o| o.describe());
        let outcome = outcome.unwrap_or_default();
        match (e.allowed, allowed) {
            (true, false) => Some(format!("{what}: expected allowed, but it is {outcome}")),
            (false, true) => Some(format!("{what}: expected refused, but it is {outcome}")),
            _ => None,
        }
    }
}

/// What must hold of one role on one endpoint: `allowed` says whether the declaration admits
/// the role (a policy may still refuse per resource; [`WhoCan::policies`] names it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expectation {
    /// A role of the catalog.
    pub role: String,
    /// The method, as the matrix writes it.
    pub method: String,
    /// The path, as the matrix writes it (`/projects/{id}`).
    pub path: String,
    /// Whether the role may call it.
    pub allowed: bool,
    /// The role held inside the scope the path names, rather than globally.
    pub in_scope: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Deny;
    use crate::catalog::{Catalog, PermissionDef, RoleDef};
    use crate::permission::Permission;
    use crate::requirement::Requirement;
    use crate::route::{Access, RouteMeta};
    use crate::scope::ScopeRef;

    const READ: Permission = Permission::new("doc:read");
    const WRITE: Permission = Permission::new("doc:write");
    static CATALOG: Catalog = Catalog::new(
        &[
            PermissionDef { permission: READ, description: "r" },
            PermissionDef { permission: WRITE, description: "w" },
        ],
        &[
            RoleDef { name: "admin", permissions: &[READ, WRITE] },
            RoleDef { name: "viewer", permissions: &[READ] },
            RoleDef { name: "member", permissions: &[] },
        ],
    );

    fn endpoint(method: &'static str, path: &'static str, access: Access) -> Endpoint {
        let route = RouteMeta {
            handler: "h",
            module: "m",
            file: "f.rs",
            line: 1,
            methods: &[],
            path,
            access,
            policy: None,
            visibility: None,
            operation: "op",
        };
        Endpoint { path: path.to_owned(), method: method.to_owned(), route }
    }

    fn matrix() -> Matrix {
        const W: Requirement = Requirement::Permission(WRITE);
        const R: Requirement = Requirement::Permission(READ);
        let team = ScopeRef { kind: "team", param: "team_id", outsiders: Deny::NotFound };
        Matrix::new(
            vec![
                endpoint(
                    "POST",
                    "/docs",
                    Access::Gated { requirement: W, deny: Deny::Forbidden, scope: None },
                ),
                endpoint(
                    "GET",
                    "/teams/{team_id}/docs",
                    Access::Gated { requirement: R, deny: Deny::NotFound, scope: Some(team) },
                ),
                endpoint("GET", "/health", Access::Public { reason: "probes" }),
            ],
            Some(&CATALOG),
        )
    }

    #[test]
    fn who_can_lists_roles_globally_and_in_the_scope() {
        let m = matrix();
        let post = m.who_can(m.endpoint("post", "/docs").unwrap()).unwrap();
        assert_eq!((post.public, post.roles, post.in_scope), (false, vec!["admin"], None));
        let team = m.who_can(m.endpoint("GET", "/teams/{team_id}/docs").unwrap()).unwrap();
        assert_eq!(team.roles, ["admin", "viewer"]);
        assert_eq!(team.in_scope, Some(("team", vec!["admin", "viewer"])));
        assert!(m.who_can(m.endpoint("GET", "/health").unwrap()).unwrap().public);
        assert!(m.endpoint("GET", "/nowhere").is_none());
    }

    #[test]
    fn expectations_that_fail_say_the_endpoint_the_role_and_why() {
        let m = matrix();
        let e = |role: &str, method: &str, path: &str, allowed: bool, in_scope: bool| Expectation {
            role: role.into(),
            method: method.into(),
            path: path.into(),
            allowed,
            in_scope,
        };
        assert!(
            m.violations(&[
                e("member", "POST", "/docs", false, false),
                e("admin", "POST", "/docs", true, false),
                e("viewer", "GET", "/teams/{team_id}/docs", true, true),
                e("member", "GET", "/health", true, false),
            ])
            .is_empty()
        );
        let broken = m.violations(&[
            e("viewer", "POST", "/docs", true, false),
            e("member", "GET", "/teams/{team_id}/docs", true, true),
            e("wizard", "POST", "/docs", false, false),
            e("admin", "DELETE", "/docs", false, false),
        ]);
        assert_eq!(broken.len(), 4, "{broken:?}");
        assert!(
            broken[0]
                .starts_with("POST /docs for `viewer`: expected allowed, but it is denied (403)"),
            "{broken:?}"
        );
        assert!(broken[1].contains("expected allowed"), "{broken:?}");
        assert!(broken[2].contains("no role `wizard`"), "{broken:?}");
        assert!(broken[3].contains("no such endpoint"), "{broken:?}");
    }
}
