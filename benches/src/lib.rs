//! Fixtures shared by authz's benchmarks and the HTTP comparison server.

use authz_core::matrix::{Endpoint, Matrix};
use authz_core::{
    Access, Catalog, Deny, Permission, PermissionDef, PolicyMeta, PolicyRef, Requirement, RoleDef,
    RouteMeta, RoutePolicy,
};

const READ: Permission = Permission::new("project:read");
const WRITE: Permission = Permission::new("project:write");
const DELETE: Permission = Permission::new("project:delete");
const ADMIN: Permission = Permission::new("user:admin");

/// A catalog shaped like the projects example: four permissions, four roles.
pub static CATALOG: Catalog = Catalog::new(
    &[
        PermissionDef { permission: READ, description: "Read private projects" },
        PermissionDef { permission: WRITE, description: "Create and edit projects" },
        PermissionDef { permission: DELETE, description: "Delete projects" },
        PermissionDef { permission: ADMIN, description: "Administer users" },
    ],
    &[
        RoleDef { name: "admin", permissions: &[READ, WRITE, DELETE, ADMIN] },
        RoleDef { name: "editor", permissions: &[READ, WRITE] },
        RoleDef { name: "support", permissions: &[READ, ADMIN] },
        RoleDef { name: "member", permissions: &[] },
    ],
);

const fn route(
    methods: &'static [&'static str],
    access: Access,
    policy: Option<RoutePolicy>,
    operation: &'static str,
) -> RouteMeta {
    RouteMeta {
        handler: "handler",
        module: "bench::handlers",
        file: "benches/src/lib.rs",
        line: 1,
        methods,
        path: "/{id}",
        access,
        policy,
        visibility: None,
        operation,
    }
}

static CAN_EDIT: PolicyMeta = PolicyMeta {
    name: "can_edit",
    module: "bench::policies",
    summary: "Owners and editors edit items",
    rule: Some("item:write OR owner"),
    permissions: &["item:write"],
    file: "benches/src/lib.rs",
    line: 1,
};

/// The kinds of row a real app has: single permissions, `any`, `all`, hidden reads, policy
/// routes, public routes.
static TEMPLATES: [RouteMeta; 6] = [
    route(
        &["GET"],
        Access::Gated {
            requirement: Requirement::Permission(READ),
            deny: Deny::NotFound,
            scope: None,
        },
        None,
        "Read an item",
    ),
    route(
        &["POST"],
        Access::Gated {
            requirement: Requirement::Permission(WRITE),
            deny: Deny::Forbidden,
            scope: None,
        },
        None,
        "Create an item",
    ),
    route(
        &["PATCH"],
        Access::Gated {
            requirement: Requirement::Authenticated,
            deny: Deny::Forbidden,
            scope: None,
        },
        Some(RoutePolicy::Enforce(PolicyRef { path: "policies::can_edit", meta: &CAN_EDIT })),
        "Update an item",
    ),
    route(
        &["DELETE"],
        Access::Gated {
            requirement: Requirement::All(&[
                Requirement::Permission(DELETE),
                Requirement::Permission(WRITE),
            ]),
            deny: Deny::Forbidden,
            scope: None,
        },
        None,
        "Delete an item",
    ),
    route(
        &["PUT"],
        Access::Gated {
            requirement: Requirement::Any(&[
                Requirement::Permission(ADMIN),
                Requirement::Permission(WRITE),
            ]),
            deny: Deny::Forbidden,
            scope: None,
        },
        None,
        "Replace an item",
    ),
    route(&["GET"], Access::Public { reason: "status pages", writes: None }, None, "Read status"),
];

/// `n` endpoints over `n / 6` distinct paths, in scrambled order so sorting does real work.
pub fn endpoints(n: usize) -> Vec<Endpoint> {
    (0..n)
        .map(|i| {
            let scrambled = (i * 7919) % n.max(1);
            let route = TEMPLATES[scrambled % TEMPLATES.len()];
            Endpoint {
                path: format!("/api/v1/resource{}/items/{{id}}", scrambled / TEMPLATES.len()),
                method: route.methods[0].to_owned(),
                route,
            }
        })
        .collect()
}

/// A matrix of `n` endpoints with the catalog's role and permission tables.
pub fn matrix(n: usize) -> Matrix {
    Matrix::new(endpoints(n), Some(&CATALOG))
}

/// casbin's RBAC model: subject has role, role grants (object, action).
pub const CASBIN_MODEL: &str = "
[request_definition]
r = sub, obj, act

[policy_definition]
p = sub, obj, act

[role_definition]
g = _, _

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = g(r.sub, p.sub) && r.obj == p.obj && r.act == p.act
";

/// Five roles, twenty policies, and the users the benchmarks act as.
pub async fn casbin_enforcer<E: casbin::CoreApi + casbin::MgmtApi>() -> E {
    use casbin::{DefaultModel, MemoryAdapter};
    let model = DefaultModel::from_str(CASBIN_MODEL).await.expect("model");
    let mut e = E::new(model, MemoryAdapter::default()).await.expect("enforcer");
    let roles = ["admin", "editor", "support", "member", "auditor"];
    let rights =
        [("project", "read"), ("project", "write"), ("project", "delete"), ("user", "admin")];
    for (i, role) in roles.iter().enumerate() {
        for (j, (obj, act)) in rights.iter().enumerate() {
            // Twenty policies; not every role holds every right.
            let held = (i + j) % 5 != 4 || *role == "admin";
            let obj = if held { (*obj).to_owned() } else { format!("{obj}-{role}") };
            e.add_policy(vec![(*role).to_owned(), obj, (*act).to_owned()]).await.expect("policy");
        }
    }
    e.add_grouping_policy(vec!["erin".to_owned(), "editor".to_owned()]).await.expect("grouping");
    e.add_grouping_policy(vec!["bob".to_owned(), "member".to_owned()]).await.expect("grouping");
    e
}

/// A grant store holding one grant: actor 5 is an editor in team 7. Answers at once, so a bench
/// measures the cache and the check, not a database.
#[derive(Debug, Clone, Copy)]
pub struct OneTeam;

impl authz_core::GrantStore for OneTeam {
    fn roles_in<'a>(
        &'a self,
        actor: &'a authz_core::ActorId,
        scope: authz_core::Scope,
    ) -> authz_core::StoreFuture<'a, Vec<String>> {
        let held = *actor == 5_i64 && scope.id == 7;
        Box::pin(async move { Ok(if held { vec!["editor".to_owned()] } else { Vec::new() }) })
    }

    fn scopes_with<'a>(
        &'a self,
        actor: &'a authz_core::ActorId,
        _: &'static str,
        _: &'a [&'static str],
    ) -> authz_core::StoreFuture<'a, Vec<i64>> {
        let held = *actor == 5_i64;
        Box::pin(async move { Ok(if held { vec![7] } else { Vec::new() }) })
    }
}
