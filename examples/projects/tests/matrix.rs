//! The committed `docs/authorization.md` is the projects service's matrix, every row of it is
//! served with the documented answer, and nothing the app serves is undeclared.

use actix_web::test as actix_test;
use projects::REGENERATE;
use projects::perms::CATALOG;

const COMMITTED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/authorization.md");

fn matrix() -> authz_actix::matrix::Matrix {
    authz_actix::routes::matrix(projects::http::routes, Some(&CATALOG))
}

/// `AUTHZ_MATRIX=overwrite cargo test -p projects --test matrix` rewrites the file.
#[test]
fn committed_matrix_is_fresh() {
    authz_actix::build::assert_fresh(COMMITTED, &matrix(), REGENERATE);
}

#[actix_rt::test]
async fn every_row_is_served_and_nothing_else() {
    let db = projects::db::Db::connect("sqlite::memory:").await.expect("database");
    let app = actix_test::init_service(projects::http::app(db)).await;
    assert_eq!(
        authz_actix::test::undeclared_routes(&app).await,
        [],
        "every served route is declared"
    );
    for endpoint in matrix().endpoints() {
        let uri = endpoint.path.replace("{id}", "1");
        // A public service (`*`: any method) is asked with `GET`.
        let method = if endpoint.method == "*" { "GET" } else { endpoint.method.as_str() };
        let req =
            actix_test::TestRequest::default().method(method.parse().expect("method")).uri(&uri);
        let status = actix_test::call_service(&app, req.to_request()).await.status().as_u16();
        let want = if endpoint.route.is_public() { 200 } else { 401 };
        assert_eq!(status, want, "anonymous {} {uri}", endpoint.method);
    }
}

/// The README quotes this matrix; the quote must stay true.
#[test]
fn readme_quotes_the_current_matrix() {
    let readme = include_str!("../../../README.md");
    // The quickstart's matrix comes first; this example's, in its own section.
    let readme = &readme[readme.find("## The projects example").expect("the example's section")..];
    let rendered = matrix().to_markdown(REGENERATE);
    let quoted: Vec<&str> = readme.lines().filter(|l| l.starts_with("| `/")).collect();
    assert_eq!(quoted.len(), matrix().endpoints().len(), "the README quotes every row");
    for line in quoted {
        assert!(
            rendered.lines().any(|l| l == line),
            "README line not in the rendered matrix: {line}"
        );
    }
}
