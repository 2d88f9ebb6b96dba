//! `matrix --diff`: between two versions of an app's routes, per role, which endpoints each role
//! gains and loses, which requirements and policies changed, and whether access widened — from
//! the library and from the `projects` binary's exit status.

use actix_web::{HttpResponse, delete, get};
use authz_actix::diff::Change;
use authz_actix::{Actor, Routes, policy, public, require_permission};
use authz_tests::CATALOG;

/// Anyone authenticated may see a report they own.
#[policy]
pub fn can_see_report(_actor: &Actor, _owner: i64) -> bool {
    true
}

/// Delete a report.
#[require_permission("project:delete")]
#[delete("/reports/{id}")]
async fn delete_report_v1() -> HttpResponse {
    HttpResponse::NoContent().finish()
}

/// Delete a report: now editors may too.
#[require_permission(any("project:delete", "project:write"))]
#[delete("/reports/{id}")]
async fn delete_report_v2() -> HttpResponse {
    HttpResponse::NoContent().finish()
}

/// Export reports.
#[require_permission("project:read")]
#[get("/reports/export")]
async fn export_v1() -> HttpResponse {
    HttpResponse::Ok().finish()
}

/// Export reports: admins only now.
#[require_permission("user:admin")]
#[get("/reports/export")]
async fn export_v2() -> HttpResponse {
    HttpResponse::Ok().finish()
}

/// Read a report.
#[require_permission(authenticated, policy = can_see_report)]
#[get("/reports/{id}")]
async fn read_v2() -> HttpResponse {
    HttpResponse::Ok().finish()
}

/// Status page.
#[public("status page for customers")]
#[get("/status")]
async fn status() -> HttpResponse {
    HttpResponse::Ok().finish()
}

fn v1(r: &mut Routes<'_>) {
    r.service(delete_report_v1).service(export_v1);
}

fn v1_without_export(r: &mut Routes<'_>) {
    r.service(delete_report_v1);
}

fn v2(r: &mut Routes<'_>) {
    r.service(delete_report_v2).service(export_v2).service(read_v2).service(status);
}

#[test]
fn a_role_gaining_and_a_role_losing_are_reported() {
    let before = authz_actix::routes::matrix(v1, Some(&CATALOG)).to_json();
    let after = authz_actix::routes::matrix(v2, Some(&CATALOG));
    let diff = after.diff_from_json(&before).unwrap_or_else(|e| panic!("{e}"));
    let lines: Vec<String> = diff.changes.iter().map(ToString::to_string).collect();

    // Editors gain the delete; support (project:read, user:admin) keeps export; editors lose it.
    assert!(
        lines.contains(
            &"editor: + DELETE /reports/{id} (project:delete OR project:write)".to_owned()
        ),
        "{diff}"
    );
    assert!(lines.contains(&"editor: - GET /reports/export (project:read)".to_owned()), "{diff}");
    assert!(
        !lines.iter().any(|l| l.starts_with("support: ") && l.contains("/reports/export")),
        "{diff}"
    );
    // A new route is gained by every role it serves; a new public route by anyone.
    assert!(lines.contains(&"member: + GET /reports/{id} (authenticated)".to_owned()), "{diff}");
    assert!(
        lines.contains(&"anyone: + GET /status (public: status page for customers)".to_owned()),
        "{diff}"
    );
    assert!(
        lines.contains(
            &"changed: GET /reports/export: requirement `project:read` → `user:admin` (some sets of permissions gain it, others lose it)".to_owned()
        ),
        "{diff}"
    );
    assert!(diff.widened());

    // The other way round, editors regain the export: still a widening.
    let back = authz_actix::routes::matrix(v1, Some(&CATALOG))
        .diff_from_json(&after.to_json())
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(back.widened(), "{back}");
    assert!(back.to_string().contains("anyone: - GET /status"), "{back}");

    // Dropping a route only takes access away: not widened.
    let narrowed = authz_actix::routes::matrix(v1_without_export, Some(&CATALOG))
        .diff_from_json(&before)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!narrowed.widened(), "{narrowed}");
    assert!(
        narrowed.changes.iter().all(
            |c| matches!(c, Change::Lost { endpoint, .. } if endpoint == "GET /reports/export")
        ),
        "{narrowed}"
    );
    assert_eq!(narrowed.changes.len(), 3, "admin, editor and support lose it: {narrowed}");

    // The same matrix: nothing.
    assert!(after.diff_from_json(&after.to_json()).unwrap_or_else(|e| panic!("{e}")).is_empty());
    // Not a matrix: an error, not an empty diff.
    assert!(after.diff_from_json("{\"schema\": \"other/1\", \"endpoints\": []}").is_err());
    assert!(after.diff_from_json("[]").is_err());
}

/// The committed JSON matrix of the projects service, edited to what an older version allowed:
/// the binary prints the changes and its exit status says access widened.
#[test]
fn the_projects_binary_exits_1_when_access_widened() {
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/authorization.json"))
            .unwrap_or_else(|e| panic!("{e}"));
    // Before: members could not list projects.
    let mut base: serde_json::Value =
        serde_json::from_str(&committed).unwrap_or_else(|e| panic!("{e}"));
    let endpoints = base["endpoints"].as_array_mut().unwrap_or_else(|| panic!("endpoints"));
    let list = endpoints
        .iter_mut()
        .find(|e| e["path"] == "/projects" && e["method"] == "GET")
        .unwrap_or_else(|| panic!("GET /projects"));
    list["roles"]["member"] = "denied".into();
    let dir = std::env::temp_dir().join(format!("authz-diff-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let old = dir.join("old.json");
    std::fs::write(&old, base.to_string()).unwrap_or_else(|e| panic!("{e}"));

    let out = std::process::Command::new(env!("CARGO"))
        .args(["run", "-q", "-p", "projects", "--", "matrix", "--diff"])
        .arg(&old)
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        stdout.trim(),
        "member: + GET /projects (authenticated)\n\
         endpoint GET /projects: widened\n\
         role member: widened\n\
         unchanged roles: anyone, admin, editor, support"
    );

    // Against the committed file itself: nothing, exit 0.
    let same = std::process::Command::new(env!("CARGO"))
        .args(["run", "-q", "-p", "projects", "--", "matrix", "--diff", "docs/authorization.json"])
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(same.status.code(), Some(0), "{}", String::from_utf8_lossy(&same.stderr));
    assert!(same.stdout.is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}

/// Delete a report: editors of the report's team.
#[require_permission(any("project:delete", "project:write"), scope = team(path = "team_id"))]
#[delete("/teams/{team_id}/reports/{id}")]
async fn delete_team_report_scoped() -> HttpResponse {
    HttpResponse::NoContent().finish()
}

/// Delete a report: editors of the report's team; outsiders do not learn the team exists.
#[require_permission(any("project:delete", "project:write"), scope = team(path = "team_id", outsiders = not_found))]
#[delete("/teams/{team_id}/reports/{id}")]
async fn delete_team_report_hidden() -> HttpResponse {
    HttpResponse::NoContent().finish()
}

/// Delete a report: any editor, every team.
#[require_permission(any("project:delete", "project:write"))]
#[delete("/teams/{team_id}/reports/{id}")]
async fn delete_team_report_global() -> HttpResponse {
    HttpResponse::NoContent().finish()
}

#[::core::prelude::v1::test]
fn scoping_changes_are_reported() {
    let scoped = authz_actix::routes::matrix(
        |r| {
            r.service(delete_team_report_scoped);
        },
        Some(&CATALOG),
    );
    let hidden = authz_actix::routes::matrix(
        |r| {
            r.service(delete_team_report_hidden);
        },
        Some(&CATALOG),
    );
    let global = authz_actix::routes::matrix(
        |r| {
            r.service(delete_team_report_global);
        },
        Some(&CATALOG),
    );
    // Scoped → hidden from outsiders: a change of denial, no role gains anything.
    let diff = hidden.diff_from_json(&scoped.to_json()).unwrap_or_else(|e| panic!("{e}"));
    let text = diff.to_string();
    assert!(
        text.contains("scope team {team_id} (outsiders 403) → team {team_id} (outsiders 404)"),
        "{text}"
    );
    assert!(!diff.widened(), "{text}");
    // Scoped → global: the requirement changed (a member role granted in one team now holds everywhere).
    let diff = global.diff_from_json(&scoped.to_json()).unwrap_or_else(|e| panic!("{e}"));
    let text = diff.to_string();
    assert!(text.contains("requirement `(project:delete OR project:write) in team {team_id}` → `project:delete OR project:write`"), "{text}");
    assert!(text.contains("scope team {team_id} (outsiders 403) → none"), "{text}");
    // An editor held in one team now reaches the endpoint in every team: access widened.
    assert!(
        text.contains("editor (held in a scope): + DELETE /teams/{team_id}/reports/{id}"),
        "{text}"
    );
    assert!(diff.widened(), "{text}");
    // And back: lost, not widened.
    let back = scoped.diff_from_json(&global.to_json()).unwrap_or_else(|e| panic!("{e}"));
    assert!(back.to_string().contains("editor (held in a scope): - DELETE"), "{back}");
    assert!(!back.widened(), "{back}");
}

/// Delete reports: admins only, by holding all three.
#[require_permission(all("project:delete", "user:admin", "project:write"))]
#[delete("/archive/{id}")]
async fn purge_v1() -> HttpResponse {
    HttpResponse::NoContent().finish()
}

/// Delete reports: no single role but admin holds both, as before — but an actor holding editor
/// and support now may.
#[require_permission(all("project:write", "user:admin"))]
#[delete("/archive/{id}")]
async fn purge_v2() -> HttpResponse {
    HttpResponse::NoContent().finish()
}

/// Delete a report, the requirement written the other way round.
#[require_permission(any("project:write", "project:delete"))]
#[delete("/reports/{id}")]
async fn delete_report_v2_reordered() -> HttpResponse {
    HttpResponse::NoContent().finish()
}

/// The requirements are compared as what they grant, not as text: a reordered `any` grants the
/// same (unchanged, no role gains), and a requirement met by more sets of permissions is a
/// widening even where no single role gains the endpoint.
#[test]
fn requirements_are_compared_by_what_they_grant() {
    let before = authz_actix::routes::matrix(
        |r| {
            r.service(delete_report_v2).service(purge_v1);
        },
        Some(&CATALOG),
    );
    let reordered = authz_actix::routes::matrix(
        |r| {
            r.service(delete_report_v2_reordered).service(purge_v1);
        },
        Some(&CATALOG),
    );
    let diff = reordered.diff_from_json(&before.to_json()).unwrap_or_else(|e| panic!("{e}"));
    assert!(!diff.widened(), "{diff}");
    assert_eq!(diff.endpoint("DELETE /reports/{id}"), Some(authz_actix::diff::Effect::Unchanged));
    assert!(diff.roles.iter().all(|(_, e)| *e == authz_actix::diff::Effect::Unchanged), "{diff}");
    assert_eq!(
        diff.to_string(),
        "unchanged: DELETE /reports/{id}: requirement `project:delete OR project:write` rewritten as \
         `project:write OR project:delete`, granting the same\n\
         unchanged roles: anyone, admin, editor, support, member\n"
    );

    let loosened = authz_actix::routes::matrix(
        |r| {
            r.service(delete_report_v2).service(purge_v2);
        },
        Some(&CATALOG),
    );
    let diff = loosened.diff_from_json(&before.to_json()).unwrap_or_else(|e| panic!("{e}"));
    // No role alone gains it: admin had it; editor and support each still lack one permission.
    assert!(!diff.changes.iter().any(|c| matches!(c, Change::Gained { .. })), "{diff}");
    assert!(diff.widened(), "an actor holding editor and support gains it: {diff}");
    assert_eq!(diff.endpoint("DELETE /archive/{id}"), Some(authz_actix::diff::Effect::Widened));
    assert!(diff.to_string().contains(
        "changed: DELETE /archive/{id}: requirement `project:delete AND user:admin AND project:write` \
         → `project:write AND user:admin` (met by more sets of permissions: wider)\n\
         endpoint DELETE /archive/{id}: widened\n"
    ), "{diff}");
    // And back: narrower.
    let back = before.diff_from_json(&loosened.to_json()).unwrap_or_else(|e| panic!("{e}"));
    assert!(!back.widened(), "{back}");
    assert_eq!(back.endpoint("DELETE /archive/{id}"), Some(authz_actix::diff::Effect::Narrowed));
}

const READ: authz_actix::Permission = authz_actix::Permission::new("project:read");
const WRITE: authz_actix::Permission = authz_actix::Permission::new("project:write");
const DELETE: authz_actix::Permission = authz_actix::Permission::new("project:delete");
const ADMIN: authz_actix::Permission = authz_actix::Permission::new("user:admin");
const PERMISSIONS: &[authz_actix::PermissionDef] = &[
    authz_actix::PermissionDef { permission: READ, description: "Read private projects" },
    authz_actix::PermissionDef { permission: WRITE, description: "Create and edit projects" },
    authz_actix::PermissionDef { permission: DELETE, description: "Delete projects" },
    authz_actix::PermissionDef { permission: ADMIN, description: "Administer users" },
];
/// The test catalog with a new role, `auditor` (project:read), and editor's permissions listed
/// again in another order with a duplicate.
static WITH_AUDITOR: authz_actix::Catalog = authz_actix::Catalog::new(
    PERMISSIONS,
    &[
        authz_actix::RoleDef { name: "admin", permissions: &[READ, WRITE, DELETE, ADMIN] },
        authz_actix::RoleDef { name: "editor", permissions: &[WRITE, READ, WRITE] },
        authz_actix::RoleDef { name: "support", permissions: &[READ, ADMIN] },
        authz_actix::RoleDef { name: "member", permissions: &[] },
        authz_actix::RoleDef { name: "auditor", permissions: &[READ] },
    ],
);

/// A new role shows every endpoint it opens; a role whose permissions are rewritten to the same
/// set is unchanged.
#[test]
fn a_new_role_shows_every_endpoint_it_opens() {
    let routes = |r: &mut Routes<'_>| {
        r.service(delete_report_v1).service(export_v1).service(read_v2);
    };
    let before = authz_actix::routes::matrix(routes, Some(&CATALOG));
    let after = authz_actix::routes::matrix(routes, Some(&WITH_AUDITOR));
    let diff = after.diff_from_json(&before.to_json()).unwrap_or_else(|e| panic!("{e}"));
    let text = diff.to_string();
    assert!(text.contains("auditor: + GET /reports/export (project:read)\n"), "{text}");
    assert!(text.contains("auditor: + GET /reports/{id} (authenticated)\n"), "{text}");
    assert!(!text.contains("auditor: + DELETE"), "{text}");
    assert_eq!(diff.role("auditor"), Some(authz_actix::diff::Effect::Widened));
    assert_eq!(diff.role("editor"), Some(authz_actix::diff::Effect::Unchanged), "{text}");
    assert!(diff.widened());
}
