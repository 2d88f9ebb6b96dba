//! The audit trail on axum: one event per decision, target `authz`, with the fields and order of
//! the actix front end's events.

mod support;

use std::sync::{Arc, Mutex};

use authz_axum::{
    Actor, App, Catalog, Permission, PermissionDef, RoleDef, Routes, require_permission,
};
use http::request::Parts;
use support::{get, serve};

const READ: Permission = Permission::new("report:read");
static CATALOG: Catalog = Catalog::new(
    &[PermissionDef { permission: READ, description: "Read reports" }],
    &[
        RoleDef { name: "analyst", permissions: &[READ] },
        RoleDef { name: "guest", permissions: &[] },
    ],
);

/// Read a report.
#[require_permission("report:read")]
#[get("/reports/{id}")]
async fn report() -> &'static str {
    "report"
}

async fn resolve(parts: &Parts) -> Result<Option<Actor>, authz_axum::UnknownRole> {
    match authz_axum::credentials::bearer(parts) {
        Some("ana") => CATALOG.actor(2, ["analyst"]).map(Some),
        Some("gus") => CATALOG.actor(3, ["guest"]).map(Some),
        _ => Ok(None),
    }
}

#[derive(Clone, Default)]
struct Lines(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Lines {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lines").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn every_decision_is_one_event_with_the_actix_fields() {
    let lines = Lines::default();
    let writer = lines.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .without_time()
        .finish();
    let _guard = tracing::subscriber::set_global_default(subscriber);
    let app = App::new(
        |r: &mut Routes<'_>| {
            r.service(report);
        },
        resolve,
    );
    let digest = app.matrix_digest().to_owned();
    let addr = serve(app).await;
    assert_eq!(get(addr, "/reports/7", Some("gus")).await.status, 403);
    assert_eq!(get(addr, "/reports/8", None).await.status, 401);
    assert_eq!(get(addr, "/reports/9", Some("ana")).await.status, 200);
    let text = String::from_utf8(lines.0.lock().expect("lines").clone()).expect("utf-8");
    let events: Vec<&str> = text.lines().filter(|l| l.contains("authorization decision")).collect();
    assert_eq!(events.len(), 3, "{text}");
    for (event, fields) in events.iter().zip([
        r#"actor=3 route=/reports/{id} resource=id=7 method=GET handler="report" requirement=report:read decision="deny" reason="requirement not met" missing=report:read status=403"#,
        r#"actor=anonymous route=/reports/{id} resource=id=8 method=GET handler="report" requirement=report:read decision="deny" reason="no authenticated actor" status=401"#,
        r#"actor=2 route=/reports/{id} resource=id=9 method=GET handler="report" requirement=report:read decision="allow" reason="requirement met" status=200"#,
    ]) {
        assert!(event.contains(fields), "{event}\n  lacks {fields}");
        assert!(event.contains(&format!("matrix={digest}")), "{event}");
        assert!(event.contains("decision_id="), "{event}");
    }
    assert!(events[0].starts_with(" INFO authz:"), "{}", events[0]);
    assert!(events[2].starts_with("DEBUG authz:"), "{}", events[2]);
}
