//! Test kit: attach an actor to a test request without running a resolver.
//!
//! ```
//! use actix_web::{get, test, App, HttpResponse};
//! use authz_actix::{require_permission, Catalog, Permission, PermissionDef, RoleDef};
//!
//! const READ: Permission = Permission::new("report:read");
//! static CATALOG: Catalog = Catalog::new(
//!     &[PermissionDef { permission: READ, description: "Read reports" }],
//!     &[RoleDef { name: "analyst", permissions: &[READ] }],
//! );
//!
//! #[require_permission("report:read")]
//! #[get("/reports")]
//! async fn reports() -> HttpResponse { HttpResponse::Ok().finish() }
//!
//! # actix_web::rt::System::new().block_on(async {
//! let app = test::init_service(App::new().service(reports)).await;
//! let analyst = CATALOG.actor(1, ["analyst"]).unwrap();
//! let req = authz_actix::test::with_actor(test::TestRequest::get().uri("/reports").to_request(), analyst);
//! assert_eq!(test::call_service(&app, req).await.status(), 200);
//!
//! let req = authz_actix::test::anonymous(test::TestRequest::get().uri("/reports").to_request());
//! assert_eq!(test::call_service(&app, req).await.status(), 401);
//! # });
//! ```

use actix_web::HttpMessage;

use crate::resolve::Resolution;
use crate::Principal;

/// `req` as sent by `actor`. A [`ResolveActor`](crate::ResolveActor) middleware in the app keeps
/// this actor instead of resolving one.
pub fn with_actor<M: HttpMessage, A: Principal>(req: M, actor: A) -> M {
    req.extensions_mut().insert(Resolution::actor(actor));
    req
}

/// `req` as sent by nobody: gated routes answer 401.
pub fn anonymous<M: HttpMessage>(req: M) -> M {
    req.extensions_mut().insert(Resolution::Anonymous);
    req
}
