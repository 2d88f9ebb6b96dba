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

/// A route an app serves without a declaration (or registered around [`mount`](crate::mount)).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct UndeclaredRoute {
    /// The full path as served.
    pub path: String,
    /// The method, or `*` for a resource without a method guard.
    pub method: String,
}

impl std::fmt::Display for UndeclaredRoute {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.method, self.path)
    }
}

/// Every route `app` serves that has no declaration — each would be refused at run time — from
/// actix-web's route introspection. Needs the `introspection` feature and a
/// [`ResolveActor`](crate::ResolveActor) on the app.
///
/// ```
/// # #[cfg(feature = "introspection")] {
/// use actix_web::{get, test, App, HttpResponse};
/// use authz_actix::{mount, require_permission, ResolveActor};
///
/// #[require_permission("report:read")]
/// #[get("/reports")]
/// async fn reports() -> HttpResponse { HttpResponse::Ok().finish() }
///
/// #[get("/forgotten")]
/// async fn forgotten() -> HttpResponse { HttpResponse::Ok().finish() }
///
/// # actix_web::rt::System::new().block_on(async {
/// let resolve = |_req| async { Ok::<Option<authz_actix::Actor>, std::convert::Infallible>(None) };
/// let app = test::init_service(
///     App::new().wrap(ResolveActor::new(resolve)).configure(mount(|r| { r.service(reports); })).service(forgotten),
/// )
/// .await;
/// let missing = authz_actix::test::undeclared_routes(&app).await;
/// assert_eq!(missing.iter().map(ToString::to_string).collect::<Vec<_>>(), ["GET /forgotten"]);
/// # });
/// # }
/// ```
#[cfg(feature = "introspection")]
pub async fn undeclared_routes<S, B>(app: &S) -> Vec<UndeclaredRoute>
where
    S: actix_web::dev::Service<actix_http::Request, Response = actix_web::dev::ServiceResponse<B>, Error = actix_web::Error>,
{
    let probe = RouteProbe::default();
    let req = actix_web::test::TestRequest::get().uri("/").to_request();
    req.extensions_mut().insert(probe.clone());
    let _ = app.call(req).await;
    let found = probe.0.borrow_mut().take();
    found.unwrap_or_else(|| {
        panic!("no answer from the app: `undeclared_routes` needs `ResolveActor` installed on it")
    })
}

/// Carries the question from [`undeclared_routes`] to `ResolveActor`, which sees the app's data.
/// Only in-process code can attach it: request extensions never come from the network.
#[cfg(feature = "introspection")]
#[derive(Clone, Default)]
pub(crate) struct RouteProbe(std::rc::Rc<std::cell::RefCell<Option<Vec<UndeclaredRoute>>>>);

#[cfg(feature = "introspection")]
impl RouteProbe {
    pub(crate) fn answer(&self, req: &actix_web::dev::ServiceRequest) {
        use actix_web::web::Data;
        use actix_web::introspection::{IntrospectionNode, IntrospectionTree, ResourceType};

        type Served = (String, Option<String>, Vec<String>);
        fn walk(node: &IntrospectionNode, out: &mut Vec<Served>) {
            if let ResourceType::Resource = node.kind {
                out.push((node.full_path.clone(), node.resource_name.clone(), node.methods.iter().map(ToString::to_string).collect()));
            }
            for child in &node.children {
                walk(child, out);
            }
        }

        let table = req.app_data::<crate::routes::RouteTable>();
        let mut served = Vec::new();
        if let Some(tree) = req.app_data::<Data<IntrospectionTree>>() {
            walk(&tree.root, &mut served);
        }
        let mut missing = Vec::new();
        for (path, name, methods) in served {
            let methods = if methods.is_empty() { vec!["*".to_owned()] } else { methods };
            for method in methods {
                // `*` (no method guard) is declared only by an any-method public service.
                let parsed = actix_web::http::Method::from_bytes(method.as_bytes());
                let declared = table
                    .zip(parsed.ok())
                    .is_some_and(|(t, m)| matches!(t.lookup(&path, name.as_deref(), &m), crate::routes::Lookup::Declared));
                if !declared {
                    missing.push(UndeclaredRoute { path: path.clone(), method });
                }
            }
        }
        missing.sort();
        missing.dedup();
        *self.0.borrow_mut() = Some(missing);
    }
}
