//! Test kit (feature `test-kit`, for dev-dependencies): send a request to the real app as a
//! given actor, without running its resolver; list what the app answers without a declaration.
//!
//! Nothing here exists in a build without the feature, so no production build accepts an
//! injected actor: the resolution a request carries can be put there by this module, or by the
//! gate after it ran the app's resolver, and by nothing else.
//!
//! ```
//! use authz_axum::{require_permission, Actor, App, Catalog, Permission, PermissionDef, RoleDef};
//! use tower_service::Service;
//!
//! const READ: Permission = Permission::new("report:read");
//! static CATALOG: Catalog = Catalog::new(
//!     &[PermissionDef { permission: READ, description: "Read reports" }],
//!     &[RoleDef { name: "analyst", permissions: &[READ] }],
//! );
//!
//! /// Read reports.
//! #[require_permission("report:read")]
//! #[get("/reports")]
//! async fn reports() -> &'static str { "[]" }
//!
//! // The app's own resolver; an injected actor means it does not run.
//! async fn resolve(_: &http::request::Parts) -> Result<Option<Actor>, std::convert::Infallible> {
//!     Ok(None)
//! }
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let mut app = App::new(|r| { r.service(reports); }, resolve);
//! let analyst = CATALOG.actor(1, ["analyst"]).unwrap();
//! let req = authz_axum::test::with_actor(http::Request::get("/reports").body(axum::body::Body::empty()).unwrap(), analyst);
//! assert_eq!(app.call(req).await.unwrap().status(), 200);
//!
//! let req = authz_axum::test::anonymous(http::Request::get("/reports").body(axum::body::Body::empty()).unwrap());
//! assert_eq!(app.call(req).await.unwrap().status(), 401);
//! # });
//! ```

use std::sync::Arc;

use authz_core::Principal;

use crate::marks::{Injected, Probe};
use crate::resolver::Resolution;

/// `req` as sent by `actor`: gates and [`CurrentActor`](crate::CurrentActor) take this actor
/// instead of running the app's resolver.
pub fn with_actor<B, A: Principal + Send + Sync>(
    mut req: http::Request<B>,
    actor: A,
) -> http::Request<B> {
    req.extensions_mut().insert(Injected(Resolution::Actor(Arc::new(actor))));
    req
}

/// `req` as sent by nobody: gated routes answer 401.
pub fn anonymous<B>(mut req: http::Request<B>) -> http::Request<B> {
    req.extensions_mut().insert(Injected(Resolution::Anonymous));
    req
}

/// A path and method the app answers with a success no declared endpoint gave: refused at run
/// time (500, logged).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct UndeclaredRoute {
    /// The path probed.
    pub path: String,
    /// The method probed.
    pub method: String,
}

impl std::fmt::Display for UndeclaredRoute {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.method, self.path)
    }
}

/// Every path and method `app` answers with a success that no declared endpoint gave — what a
/// layer answers by itself — each of which is refused at run time. Probed: every declared
/// pattern (its parameters filled with `1`), `extra` (paths a layer might answer, such as
/// `/metrics`), and a path nothing declares, in every standard method. A probe runs no handler
/// and no resolver: declared routes and public services answer it at once. A layer's own code
/// does run for it, as it would for a real request.
///
/// An `App` holds nothing undeclared but what its layers answer: axum's router cannot be asked
/// what it serves, so what is listed is what the probes met.
pub async fn undeclared_routes(app: &crate::App, extra: &[&str]) -> Vec<UndeclaredRoute> {
    use tower_service::Service;
    const METHODS: [&str; 7] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];
    let mut paths: Vec<String> = app.patterns().map(fill).collect();
    paths.extend(extra.iter().map(|p| (*p).to_owned()));
    paths.push("/__authz_probe_nothing_declares_this".to_owned());
    paths.sort();
    paths.dedup();
    let mut found = Vec::new();
    let mut app = app.clone();
    for path in &paths {
        for method in METHODS {
            let Ok(mut req) =
                http::Request::builder().method(method).uri(path).body(axum::body::Body::empty())
            else {
                continue;
            };
            req.extensions_mut().insert(Probe);
            let Ok(response) =
                Service::<http::Request<axum::body::Body>>::call(&mut app, req).await;
            if response.extensions().get::<crate::app::Undeclared>().is_some() {
                found.push(UndeclaredRoute { path: path.clone(), method: method.to_owned() });
            }
        }
    }
    found
}

/// `pattern` with each parameter filled with `1`.
fn fill(pattern: &str) -> String {
    let mut out = String::new();
    let mut rest = pattern;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('}') else { break };
        out.push('1');
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    out
}
