//! Test kit (feature `test-kit`, for dev-dependencies): send a request to the real app as a
//! given actor, without running its resolver.
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

/// An injected resolution, which [`App`](crate::App) keeps with the request in place of its
/// resolver's.
#[derive(Clone)]
pub(crate) struct Injected(pub(crate) Resolution);
