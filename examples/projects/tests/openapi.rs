//! `/openapi.json`: every declared operation with its `x-authz` extension, security and refusal
//! responses, matching the matrix (and so `docs/authorization.md`) row for row; the committed
//! `docs/openapi.json` is what the service serves; `openapi::check` finds drift either way.

use actix_web::test as actix_test;
use projects::perms::CATALOG;
use serde_json::Value;
use utoipa::openapi::OpenApi;

const COMMITTED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/openapi.json");

fn matrix() -> authz_actix::matrix::Matrix {
    authz_actix::routes::matrix(projects::http::routes, Some(&CATALOG))
}

#[actix_rt::test]
async fn the_served_document_matches_the_matrix_row_for_row() {
    let db = projects::db::Db::connect("sqlite::memory:").await.expect("database");
    let app = actix_test::init_service(projects::http::app(db)).await;
    // Public: no token.
    let res = actix_test::call_service(
        &app,
        actix_test::TestRequest::get().uri("/openapi.json").to_request(),
    )
    .await;
    assert_eq!(res.status(), 200);
    let body = actix_test::read_body(res).await;
    // utoipa's own model reads it back: a valid document.
    let doc: OpenApi = serde_json::from_slice(&body).expect("an OpenAPI document utoipa parses");
    authz_actix::openapi::check(&doc, &matrix()).unwrap_or_else(|drift| panic!("{drift}"));
    let json: Value = serde_json::from_slice(&body).expect("JSON");
    let rows: Value = serde_json::from_str(&matrix().to_json()).expect("matrix JSON");

    // Public services (`*`, any method: the API browser page) are not operations.
    let endpoints: Vec<&Value> = rows["endpoints"]
        .as_array()
        .expect("endpoints")
        .iter()
        .filter(|r| r["method"] != "*")
        .collect();
    assert_eq!(
        endpoints.len(),
        12,
        "seven operations of the contract, four team operations, and the document itself"
    );
    for row in endpoints {
        let (path, method) =
            (row["path"].as_str().expect("path"), row["method"].as_str().expect("method"));
        let op = &json["paths"][path][method.to_ascii_lowercase()];
        assert!(op.is_object(), "{method} {path} is documented");
        let authz = &op["x-authz"];
        assert_eq!(authz["access"], row["access"], "{method} {path}");
        assert_eq!(authz["operation"], row["operation"], "{method} {path}");
        let responses = op["responses"].as_object().expect("responses");
        if row["access"] == "public" {
            assert_eq!(op["security"], serde_json::json!([]), "{method} {path}: public");
            assert_eq!(authz["public_reason"], row["public_reason"]);
            assert!(!responses.contains_key("401"), "{method} {path}");
            continue;
        }
        assert_eq!(op["security"], serde_json::json!([{ "bearer": [] }]), "{method} {path}");
        assert_eq!(authz["requirement"], row["requirement"], "{method} {path}");
        assert_eq!(authz["permissions"], row["permissions"], "{method} {path}");
        assert_eq!(authz["deny_status"], row["deny_status"], "{method} {path}");
        assert_eq!(authz["policy"]["name"], row["policy"]["name"], "{method} {path}");
        assert_eq!(authz["policy"]["use"], row["policy"]["use"], "{method} {path}");
        assert_eq!(authz["visibility"], row["visibility"]["name"], "{method} {path}");
        // Every refusal the matrix names is a documented response, with the problem schema.
        let unauthorized = docs_cell(path, method);
        let mut expected = vec!["401"];
        if unauthorized.contains("403") {
            expected.push("403");
        }
        if unauthorized.contains("404") {
            expected.push("404");
        }
        for status in ["401", "403", "404"] {
            assert_eq!(
                responses.contains_key(status),
                expected.contains(&status),
                "{method} {path} {status}: matrix says {unauthorized:?}"
            );
        }
        for status in expected {
            assert_eq!(
                responses[status]["content"]["application/problem+json"]["schema"]["$ref"],
                "#/components/schemas/Problem",
                "{method} {path} {status}"
            );
        }
    }
    assert_eq!(json["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
    let catalog = json["x-authz-catalog"]["permissions"].as_array().expect("catalog");
    assert_eq!(catalog.len(), CATALOG.permissions().len());
    let read = catalog.iter().find(|p| p["name"] == "project:read").expect("project:read");
    assert_eq!(read["roles"], serde_json::json!(["admin", "editor", "support"]));
}

/// The "Unauthorized response" cell of the committed Markdown matrix for `method path`.
fn docs_cell(path: &str, method: &str) -> String {
    let md = include_str!("../../../docs/authorization.md");
    let row = md
        .lines()
        .find(|l| l.starts_with(&format!("| `{path}` | {method} |")))
        .unwrap_or_else(|| panic!("{method} {path} in docs/authorization.md"));
    row.trim_end_matches('|').rsplit('|').next().unwrap_or_default().trim().to_owned()
}

#[test]
fn the_committed_document_is_fresh() {
    let committed = std::fs::read_to_string(COMMITTED).expect("docs/openapi.json");
    assert!(
        committed == projects::http::openapi_text(),
        "docs/openapi.json is stale: cargo run -p projects -- openapi --out docs/openapi.json"
    );
}

/// The axum front end builds its document from its own routes (`authz_axum::openapi::document`:
/// each handler's `#[utoipa::path]` at the full path `Routes` serves it at) and serves it; it is
/// the actix front end's, committed, byte for byte.
#[test]
fn the_axum_front_end_documents_the_same_api() {
    let committed = std::fs::read_to_string(COMMITTED).expect("docs/openapi.json");
    let axum = projects::http_axum::openapi_text();
    if axum != committed {
        let (a, b): (Value, Value) = (
            serde_json::from_str(&committed).expect("json"),
            serde_json::from_str(&axum).expect("json"),
        );
        let mut differences = Vec::new();
        compare("", &a, &b, &mut differences);
        panic!("the axum document differs from docs/openapi.json:\n{}", differences.join("\n"));
    }
    let doc: OpenApi = serde_json::from_str(&axum).expect("document");
    let matrix = authz_axum::routes::matrix(projects::http_axum::routes, Some(&CATALOG));
    authz_axum::openapi::check(&doc, &matrix).expect("every declared operation, and no other");
}

/// Where `a` and `b` differ, as JSON pointers.
fn compare(at: &str, a: &Value, b: &Value, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for key in x.keys().chain(y.keys().filter(|k| !x.contains_key(*k))) {
                let here = format!("{at}/{key}");
                match (x.get(key), y.get(key)) {
                    (Some(v), Some(w)) => compare(&here, v, w, out),
                    (v, w) => out.push(format!("{here}: actix {v:?}, axum {w:?}")),
                }
            }
        }
        _ if a != b => out.push(format!("{at}: actix {a}, axum {b}")),
        _ => {}
    }
}

#[test]
fn drift_is_reported_both_ways() {
    let mut doc = projects::http::openapi();
    // An operation the routes do not declare, and a declared one missing.
    let undeclared = doc.paths.paths.get("/health").cloned().expect("/health");
    doc.paths.paths.insert("/debug".to_owned(), undeclared);
    if let Some(item) = doc.paths.paths.get_mut("/projects/{id}") {
        item.delete = None;
    }
    let drift = authz_actix::openapi::check(&doc, &matrix()).expect_err("drift");
    assert_eq!(drift.undocumented, ["DELETE /projects/{id}"]);
    assert_eq!(drift.undeclared, ["GET /debug"]);
}

/// `/scalar` is the API browser page: the served document in it, Scalar's script pinned to one
/// version, and — for a browser that cannot fetch the script (offline) — a message that says
/// what is missing and links the document, in place of a blank page.
#[actix_rt::test]
async fn the_api_browser_page_says_what_is_missing_when_its_script_cannot_load() {
    let db = projects::db::Db::connect("sqlite::memory:").await.expect("database");
    let app = actix_test::init_service(projects::http::app(db)).await;
    let res =
        actix_test::call_service(&app, actix_test::TestRequest::get().uri("/scalar").to_request())
            .await;
    assert_eq!(res.status(), 200);
    let page = String::from_utf8(actix_test::read_body(res).await.to_vec()).expect("UTF-8");
    assert!(
        page.contains(r#""title":"projects""#) || page.contains("\"openapi\""),
        "the document is in the page"
    );
    assert!(
        page.contains(
            "https://cdn.jsdelivr.net/npm/@scalar/api-reference@1.76.0/dist/browser/standalone.js"
        ),
        "pinned: {page}"
    );
    assert!(page.contains("onerror=") && page.contains("The API browser could not load"), "{page}");
    assert!(page.contains(r#"<a href="/openapi.json">/openapi.json</a>"#), "{page}");
}
