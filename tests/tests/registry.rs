//! Each `#[require_permission]` emits exactly one record, carrying what the matrix needs:
//! operation (from the doc comment unless given), methods, path, requirement, denial, policy, and
//! where it was declared; a route's policy record is the one `#[policy]` emitted.

use actix_web::{HttpResponse, get, patch};
use authz_actix::records::RouteMeta;
use authz_actix::{Declared, Deny, require_permission};

#[allow(dead_code)] // referenced by the attribute only; a real service calls it
mod policies {
    /// Owners or editors edit live projects.
    #[authz_actix::policy(rule = "project:write OR owner")]
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

fn record<D: Declared>(_: D) -> &'static RouteMeta {
    D::route()
}

#[test]
fn records_carry_what_the_matrix_needs() {
    let read = record(read_project);
    assert_eq!(read.operation, "Read a project");
    assert_eq!(read.methods, ["GET"]);
    assert_eq!(read.path, "/projects/{id}");
    assert_eq!(
        read.requirement().map(ToString::to_string).unwrap_or_default(),
        "project:read OR user:admin"
    );
    assert_eq!(read.deny(), Some(Deny::NotFound));
    assert_eq!(read.policy, None);
    assert!(read.file.ends_with("registry.rs"), "{}", read.file);
    let attr_line = include_str!("registry.rs")
        .lines()
        .position(|l| l.starts_with("#[require_permission(any("))
        .map(|i| i as u32 + 1);
    assert_eq!(Some(read.line), attr_line, "the line of the attribute");

    let update = record(update_project);
    assert_eq!(update.operation, "Update project");
    assert_eq!(update.requirement().map(ToString::to_string).unwrap_or_default(), "authenticated");
    let policy = update.policy.map(|p| (p.filters(), p.policy()));
    let (filters, policy) = policy.unwrap_or_else(|| panic!("no policy: {update:?}"));
    assert!(!filters, "`policy =` enforces");
    assert_eq!((policy.path, policy.name()), ("policies::can_edit_project", "can_edit_project"));
    // The record `#[policy]` emitted beside the function.
    assert_eq!(policy.meta.summary, "Owners or editors edit live projects");
    assert_eq!(policy.meta.rule, Some("project:write OR owner"));
    assert_eq!(policy.meta.module, concat!(module_path!(), "::policies"));
    assert_eq!(update.deny(), Some(Deny::Forbidden));

    // Without a doc comment the operation is the handler's name, made readable.
    assert_eq!(record(list_users).operation, "List users");
}
