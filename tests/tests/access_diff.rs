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
            &"changed: GET /reports/export: requirement `project:read` → `user:admin`".to_owned()
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
    assert_eq!(stdout.trim(), "member: + GET /projects (authenticated)");

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
