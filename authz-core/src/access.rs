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

/// A declaration that is probably a mistake, found by [`Matrix::lints`]: each says which route,
/// permission or role, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lint {
    /// A `#[public]` route accepts `POST`, `PUT`, `PATCH` or `DELETE` without saying why anyone
    /// may write (`writes = "..."`).
    PublicWrite {
        /// `METHOD /path`.
        endpoint: String,
        /// The handler.
        handler: &'static str,
    },
    /// A permission of the catalog that no route requires and no policy a route applies names.
    UnusedPermission {
        /// The permission.
        permission: &'static str,
    },
    /// A role whose permissions no route requires and no policy a route applies names (a role
    /// with no permissions at all is an identity, not a mistake, and is not reported).
    RoleGrantsNothingNeeded {
        /// The role.
        role: &'static str,
    },
    /// A gated route whose requirement no role meets, not even every role held together.
    Unreachable {
        /// `METHOD /path`.
        endpoint: String,
        /// What it requires.
        requirement: String,
    },
}

impl std::fmt::Display for Lint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Lint::PublicWrite { endpoint, handler } => write!(
                f,
                "{endpoint} (`{handler}`) is public and accepts writes without saying why: add \
                 `writes = \"...\"` to its `#[public]`, or require a permission"
            ),
            Lint::UnusedPermission { permission } => write!(
                f,
                "permission `{permission}` is in the catalog, but no route requires it and no \
                 policy a route applies names it"
            ),
            Lint::RoleGrantsNothingNeeded { role } => write!(
                f,
                "role `{role}` grants nothing any route needs: none of its permissions is required \
                 by a route or named by a policy a route applies"
            ),
            Lint::Unreachable { endpoint, requirement } => write!(
                f,
                "{endpoint} requires {requirement}, which no role meets, not even every role held \
                 together"
            ),
        }
    }
}

impl Matrix {
    /// The lints of these declarations: public routes that accept writes without saying why,
    /// permissions nothing uses, roles that grant nothing any route needs, and routes no role can
    /// reach (the last three need the catalog). A permission counts as used when a route
    /// requires it, or a policy a route applies names it in its body (as `#[policy]` read it) or
    /// its `rule`.
    pub fn lints(&self) -> Vec<Lint> {
        let mut lints = Vec::new();
        for e in self.endpoints() {
            if let crate::route::Access::Public { writes: None, .. } = e.route.access
                && matches!(e.method.as_str(), "POST" | "PUT" | "PATCH" | "DELETE")
            {
                lints.push(Lint::PublicWrite {
                    endpoint: format!("{} {}", e.method, e.path),
                    handler: e.route.handler,
                });
            }
        }
        let Some(catalog) = self.catalog() else { return lints };
        let mut used: Vec<&str> = Vec::new();
        for e in self.endpoints() {
            if let Some(requirement) = e.route.requirement() {
                used.extend(requirement.permissions().iter().map(|p| p.as_str()));
            }
            let policies = e.route.policy.map(|p| p.policy()).into_iter().chain(e.route.visibility);
            for policy in policies {
                used.extend(policy.meta.permissions.iter().copied());
                let rule = policy.meta.rule.unwrap_or_default();
                used.extend(
                    rule.split(|c: char| c.is_whitespace() || "()".contains(c))
                        .filter(|word| crate::permission::validate(word).is_ok()),
                );
            }
        }
        for def in catalog.permissions() {
            if !used.contains(&def.permission.as_str()) {
                lints.push(Lint::UnusedPermission { permission: def.permission.as_str() });
            }
        }
        for role in catalog.roles() {
            if !role.permissions.is_empty()
                && !role.permissions.iter().any(|p| used.contains(&p.as_str()))
            {
                lints.push(Lint::RoleGrantsNothingNeeded { role: role.name });
            }
        }
        let everyone = catalog.roles().iter().map(|r| r.name);
        if let Ok((all, _)) = catalog.permissions_for_roles(everyone) {
            for e in self.endpoints() {
                if let Some(requirement) = e.route.requirement()
                    && !requirement.is_satisfied_by_set(&all)
                {
                    lints.push(Lint::Unreachable {
                        endpoint: format!("{} {}", e.method, e.path),
                        requirement: e.route.requirement_text().unwrap_or_default(),
                    });
                }
            }
        }
        lints
    }
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
                endpoint("GET", "/health", Access::Public { reason: "probes", writes: None }),
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
