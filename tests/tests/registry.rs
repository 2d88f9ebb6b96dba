//! Each `#[require_permission]` links exactly one record into the registry, carrying what the
//! matrix needs: operation (from the doc comment unless given), methods, path, requirement,
//! denial, policy, and where it was declared.

use actix_web::{get, patch, HttpResponse};
use authz_actix::{registry, require_permission, Deny};

#[allow(dead_code)] // referenced by the attribute only; a real service calls it
mod policies {
    /// Owners or editors edit live projects.
    pub fn can_edit_project(_actor: &authz_actix::Actor, _owner: i64) -> bool {
        false
    }
}

/// Read a project.
///
/// Long description the matrix does not use.
#[require_permission(any("project:read", "user:admin"), deny = not_found)]
#[get("/projects/{id}")]
async fn read_project() -> HttpResponse {
    HttpResponse::Ok().finish()
}

/// Not this line.
#[require_permission(authenticated, policy = policies::can_edit_project, operation = "Update project")]
#[patch("/projects/{id}")]
async fn update_project() -> HttpResponse {
    HttpResponse::Ok().finish()
}

#[require_permission("user:admin")]
#[get("/admin/users")]
async fn list_users() -> HttpResponse {
    HttpResponse::Ok().finish()
}

fn record(handler: &str) -> &'static registry::RouteMeta {
    registry::find(module_path!(), handler).unwrap_or_else(|| panic!("no record for {handler}"))
}

#[test]
fn records_carry_what_the_matrix_needs() {
    let _ = (read_project, update_project, list_users);
    let read = record("read_project");
    assert_eq!(read.operation, "Read a project");
    assert_eq!(read.methods, ["GET"]);
    assert_eq!(read.path, "/projects/{id}");
    assert_eq!(read.requirement().map(ToString::to_string).unwrap_or_default(), "project:read OR user:admin");
    assert_eq!(read.deny(), Some(Deny::NotFound));
    assert_eq!(read.policy, None);
    assert!(read.file.ends_with("registry.rs"), "{}", read.file);
    let attr_line = include_str!("registry.rs")
        .lines()
        .position(|l| l.starts_with("#[require_permission(any("))
        .map(|i| i as u32 + 1);
    assert_eq!(Some(read.line), attr_line, "the line of the attribute");

    let update = record("update_project");
    assert_eq!(update.operation, "Update project");
    assert_eq!(update.requirement().map(ToString::to_string).unwrap_or_default(), "authenticated");
    assert_eq!(update.policy, Some(registry::RoutePolicy::Enforce(registry::PolicyRef { path: "policies::can_edit_project" })));
    assert_eq!(update.policy.map(|p| p.policy().name()), Some("can_edit_project"));
    assert_eq!(update.deny(), Some(Deny::Forbidden));

    // Without a doc comment the operation is the handler's name, made readable.
    assert_eq!(record("list_users").operation, "List users");

    let mine: Vec<_> = registry::routes().iter().filter(|r| r.module == module_path!()).collect();
    assert_eq!(mine.len(), 3, "one record per declaration");
}
