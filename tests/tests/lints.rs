//! `matrix --lint`: the declarations' probable mistakes, each naming its route, permission or
//! role — public writes without a reason, permissions nothing uses, roles nothing needs, routes no
//! role reaches.

use actix_web::{HttpResponse, get, post};
use authz_actix::access::Lint;
use authz_actix::{Actor, Routes, policy, public, require_permission};
use authz_tests::CATALOG;

/// Sign up.
#[public("new users register themselves")]
#[post("/signup")]
async fn signup() -> HttpResponse {
    HttpResponse::Created().finish()
}

/// Sign up, saying why anyone may write.
#[public("new users register themselves", writes = "registration creates the caller's own account")]
#[post("/signup")]
async fn signup_said() -> HttpResponse {
    HttpResponse::Created().finish()
}

/// Health.
#[public("probes")]
#[get("/health")]
async fn health() -> HttpResponse {
    HttpResponse::Ok().finish()
}

/// Deleters and writers may archive.
#[policy]
pub fn can_archive(actor: &Actor) -> bool {
    actor.permissions().contains(authz_tests::PROJECT_DELETE)
}

/// Read a document.
#[require_permission("project:read")]
#[get("/documents/{id}")]
async fn read_document() -> HttpResponse {
    HttpResponse::Ok().finish()
}

/// Archive a document.
#[require_permission("project:write", policy = can_archive)]
#[post("/documents/{id}/archive")]
async fn archive_document() -> HttpResponse {
    HttpResponse::Ok().finish()
}

fn lints(routes: fn(&mut Routes<'_>)) -> Vec<String> {
    authz_actix::routes::matrix(routes, Some(&CATALOG))
        .lints()
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[test]
fn each_probable_mistake_is_named() {
    let found = lints(|r| {
        r.service(signup).service(health).service(read_document);
    });
    assert_eq!(
        found,
        [
            "POST /signup (`signup`) is public and accepts writes without saying why: add \
             `writes = \"...\"` to its `#[public]`, or require a permission",
            "permission `project:write` is in the catalog, but no route requires it and no policy \
             a route applies names it",
            "permission `project:delete` is in the catalog, but no route requires it and no \
             policy a route applies names it",
            "permission `user:admin` is in the catalog, but no route requires it and no policy a \
             route applies names it",
        ],
    );
}

#[test]
fn a_permission_a_policy_names_is_used_and_a_reason_for_writes_is_enough() {
    let found = lints(|r| {
        r.service(signup_said).service(read_document).service(archive_document);
    });
    // project:delete is named in `can_archive`'s body; only user:admin is left, and support
    // (project:read, user:admin) still grants what a route needs.
    assert_eq!(
        found,
        ["permission `user:admin` is in the catalog, but no route requires it and no policy a \
          route applies names it"]
    );
}

const READ: authz_actix::Permission = authz_actix::Permission::new("project:read");
const ADMIN: authz_actix::Permission = authz_actix::Permission::new("user:admin");
/// A catalog where nobody administers users, and `reader` grants only what no route needs.
static NOBODY_ADMINS: authz_actix::Catalog = authz_actix::Catalog::new(
    &[
        authz_actix::PermissionDef { permission: READ, description: "Read" },
        authz_actix::PermissionDef { permission: ADMIN, description: "Administer users" },
    ],
    &[
        authz_actix::RoleDef { name: "reader", permissions: &[READ] },
        authz_actix::RoleDef { name: "guest", permissions: &[] },
    ],
);

/// List users.
#[require_permission("user:admin")]
#[get("/admin/users")]
async fn list_users() -> HttpResponse {
    HttpResponse::Ok().finish()
}

#[test]
fn a_route_no_role_reaches_and_a_role_nothing_needs_are_named() {
    let matrix = authz_actix::routes::matrix(
        |r| {
            r.service(list_users);
        },
        Some(&NOBODY_ADMINS),
    );
    let found = matrix.lints();
    assert!(
        found.contains(&Lint::Unreachable {
            endpoint: "GET /admin/users".to_owned(),
            requirement: "user:admin".to_owned()
        }),
        "{found:?}"
    );
    assert!(found.contains(&Lint::RoleGrantsNothingNeeded { role: "reader" }), "{found:?}");
    assert!(found.contains(&Lint::UnusedPermission { permission: "project:read" }), "{found:?}");
    // An empty role is an identity (signed in, nothing more), not a mistake.
    assert!(!found.contains(&Lint::RoleGrantsNothingNeeded { role: "guest" }), "{found:?}");
    assert_eq!(found.len(), 3, "{found:?}");
}

/// The projects binary's `matrix --lint`: clean (exit 0), as CI requires.
#[test]
fn the_projects_declarations_have_no_lints() {
    let out = std::process::Command::new(env!("CARGO"))
        .args(["run", "-q", "-p", "projects", "--", "matrix", "--lint"])
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no lints in 13 endpoints"));
}
