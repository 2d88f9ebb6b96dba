//! Route registration that knows full paths: [`Routes`] and [`mount`].
//!
//! Rust has no route reflection, and actix does not tell a handler where it was mounted. So routes
//! are registered through [`Routes`], a thin layer over actix's `ServiceConfig` and `web::scope`
//! that records each scope prefix on the way down, joined exactly as actix joins them:
//!
//! ```
//! use actix_web::{get, post, App, HttpResponse};
//! use authz_actix::{mount, public, require_permission, Routes};
//!
//! /// Health check.
//! #[public("load balancer probes")]
//! #[get("/health")]
//! async fn health() -> HttpResponse { HttpResponse::Ok().finish() }
//!
//! /// List users.
//! #[require_permission("user:admin")]
//! #[get("/users")]
//! async fn list_users() -> HttpResponse { HttpResponse::Ok().finish() }
//!
//! /// Every route of the app, in one place: the server mounts it, the matrix is rendered from it.
//! pub fn routes(r: &mut Routes<'_>) {
//!     r.service(health);
//!     r.scope("/admin", |r| {
//!         r.service(list_users); // served, and documented, as /admin/users
//!     });
//! }
//!
//! let app = App::new().configure(mount(routes));
//! let table = authz_actix::routes::collect(routes);
//! assert_eq!(table[1].path, "/admin/users");
//! ```
//!
//! Only declared handlers — `#[require_permission]` or `#[public]` — can be registered: anything
//! else is a compile error (`Declared` is not implemented). Every service `mount` registers at
//! the app's top level marks the requests actix routes to it, and
//! [`ResolveActor`](crate::ResolveActor) refuses every other request before it is served
//! (docs/routing.md, "Deny by default").

use std::fmt;
use std::panic::Location;

use actix_web::body::MessageBody;
use actix_web::dev::{
    AppService, HttpServiceFactory, ServiceFactory, ServiceRequest, ServiceResponse, Transform,
};
use actix_web::guard::Guard;
use actix_web::{Error, Scope, web};

use crate::declared::{self, Declared};
use crate::select::{DefaultService, Mark, Mount, ScopeMark};
use authz_core::matrix::Endpoint;
use authz_core::{Access, RouteMeta};

/// One registered route: its full path as served, and its declaration.
struct Row {
    path: String,
    route: RouteMeta,
}

impl Row {
    /// The matrix rows of this route: one per declared method (`HEAD` is implied by `GET`; `*`
    /// for a public service, which answers any method).
    fn endpoints(&self) -> impl Iterator<Item = Endpoint> + '_ {
        let declared: &[&str] =
            if self.route.methods.is_empty() { &["*"] } else { self.route.methods };
        declared.iter().map(|m| Endpoint {
            path: self.path.clone(),
            method: (*m).to_owned(),
            route: self.route,
        })
    }
}

enum Sink<'a> {
    Actix(&'a mut web::ServiceConfig),
    Record,
}

/// What registration learned: the routes (for the matrix) and every service in registration
/// order (for the consistency check).
struct Layout {
    rows: Vec<Row>,
    services: Vec<Service>,
    default: DefaultService,
    responder: Option<crate::problem::AppResponder>,
    mount: Mount,
}

impl Layout {
    fn new(mount: Mount) -> Self {
        Layout {
            rows: Vec::new(),
            services: Vec::new(),
            default: DefaultService::new(mount),
            responder: None,
            mount,
        }
    }
}

/// One service `Routes` registered, as actix's router sees it.
struct Service {
    /// Full pattern: exact for a resource, a prefix for a scope.
    pattern: String,
    scope: bool,
    /// The route's methods as bits (`None`: any method).
    methods: Option<crate::methods::MethodSet>,
    /// The service has guards of the app's own, so it may decline a request its pattern matches.
    may_decline: bool,
    /// For a scope: the index after its last nested service.
    end: usize,
    /// Which row it is, for messages (`None` for scopes).
    row: Option<usize>,
}

/// Registers declared routes while recording their full paths. See the [module docs](self).
pub struct Routes<'a> {
    prefix: String,
    root: bool,
    sink: Sink<'a>,
    layout: &'a mut Layout,
}

impl fmt::Debug for Routes<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Routes")
            .field("prefix", &self.prefix)
            .field("mounted", &self.layout.rows.len())
            .finish()
    }
}

/// A scope being customized by [`Routes::scope_with`]: middleware, app data and guards only — no
/// services or default service, which would serve requests without a declaration.
#[derive(Debug)]
pub struct ScopeConfig<S>(S);

impl<T> ScopeConfig<Scope<T>>
where
    T: ServiceFactory<ServiceRequest, Config = (), Error = Error, InitError = ()>,
{
    /// Adds scope middleware, as [`Scope::wrap`] does.
    pub fn wrap<M, B>(
        self,
        middleware: M,
    ) -> ScopeConfig<
        Scope<
            impl ServiceFactory<
                ServiceRequest,
                Config = (),
                Response = ServiceResponse<B>,
                Error = Error,
                InitError = (),
            >,
        >,
    >
    where
        M: Transform<
                T::Service,
                ServiceRequest,
                Response = ServiceResponse<B>,
                Error = Error,
                InitError = (),
            > + 'static,
        B: MessageBody,
    {
        ScopeConfig(self.0.wrap(middleware))
    }

    /// Adds a scope guard, as [`Scope::guard`] does: a request it declines is routed on as actix
    /// would, to a later service or the default service.
    pub fn guard<G: Guard + 'static>(self, guard: G) -> Self {
        ScopeConfig(self.0.guard(guard))
    }

    /// Adds scope app data, as [`Scope::app_data`] does.
    pub fn app_data<U: 'static>(self, data: U) -> Self {
        ScopeConfig(self.0.app_data(data))
    }
}

/// Registers a declared handler, its method guard marking the requests actix routes to it. Not
/// generic: one type (and one vtable) for every handler.
struct InMount(fn(&mut AppService, Mount), Mount);

impl HttpServiceFactory for InMount {
    fn register(self, config: &mut AppService) {
        (self.0)(config, self.1);
    }
}

/// The path actix serves `path` at under `prefix`: it adds a missing leading `/` to a non-empty
/// scope prefix or resource path (`ResourceDef::root_prefix`, `ensure_leading_slash`).
fn join(prefix: &str, path: &str) -> String {
    if path.is_empty() || path.starts_with('/') {
        format!("{prefix}{path}")
    } else {
        format!("{prefix}/{path}")
    }
}

impl<'a> Routes<'a> {
    /// Registers a declared handler here.
    pub fn service<F: Declared>(&mut self, handler: F) -> &mut Self {
        let _ = handler;
        let route = F::route();
        let path = join(&self.prefix, route.path);
        let may_decline = F::__AUTHZ_GUARDED;
        self.record(path, *route, false, may_decline);
        if let Sink::Actix(cfg) = &mut self.sink {
            cfg.service(InMount(declared::register::<F>, self.layout.mount));
        }
        self
    }

    /// Registers a service that is not a declared handler — static files, a third-party service
    /// — as public, for the stated `reason`, inside a scope at `prefix` (relative to the current
    /// scope): the service mounts itself relative to that scope, so `web::resource("")` serves
    /// `prefix` itself. It answers any method; a path under `prefix` that the service does not
    /// serve gets the default service's 404.
    #[track_caller]
    pub fn public_service<F>(
        &mut self,
        prefix: &'static str,
        reason: &'static str,
        service: F,
    ) -> &mut Self
    where
        F: HttpServiceFactory + 'static,
    {
        let here = Location::caller();
        let route = RouteMeta {
            handler: std::any::type_name::<F>(),
            module: "",
            file: here.file(),
            line: here.line(),
            methods: &[],
            path: prefix,
            access: Access::Public { reason, writes: None },
            policy: None,
            visibility: None,
            operation: reason,
        };
        let path = join(&self.prefix, prefix);
        self.record(path, route, true, false);
        if let Sink::Actix(cfg) = &mut self.sink {
            // The public service is the endpoint: reaching its scope is reaching it.
            let scope = web::scope(prefix)
                .service(service)
                .default_service(self.layout.default.clone())
                .guard(ScopeMark(Mark::Endpoint, self.layout.mount));
            cfg.service(scope);
        }
        self
    }

    /// Registers `f`'s routes under `prefix`, as `web::scope(prefix)` does.
    pub fn scope(&mut self, prefix: &str, f: impl FnOnce(&mut Routes<'_>)) -> &mut Self {
        self.nest(prefix, |scope| scope, false, f)
    }

    /// Like [`scope`](Self::scope), letting `customize` add scope middleware, app data or guards:
    /// `r.scope_with("/admin", |s| s.wrap(Logger::default()), |r| { ... })`.
    pub fn scope_with<T, B>(
        &mut self,
        prefix: &str,
        customize: impl FnOnce(ScopeConfig<Scope>) -> ScopeConfig<Scope<T>>,
        f: impl FnOnce(&mut Routes<'_>),
    ) -> &mut Self
    where
        T: ServiceFactory<
                ServiceRequest,
                Config = (),
                Response = ServiceResponse<B>,
                Error = Error,
                InitError = (),
            > + 'static,
        B: MessageBody + 'static,
    {
        self.nest(prefix, customize, true, f)
    }

    fn nest<T, B>(
        &mut self,
        prefix: &str,
        customize: impl FnOnce(ScopeConfig<Scope>) -> ScopeConfig<Scope<T>>,
        customized: bool,
        f: impl FnOnce(&mut Routes<'_>),
    ) -> &mut Self
    where
        T: ServiceFactory<
                ServiceRequest,
                Config = (),
                Response = ServiceResponse<B>,
                Error = Error,
                InitError = (),
            > + 'static,
        B: MessageBody + 'static,
    {
        let full = join(&self.prefix, prefix);
        let index = self.layout.services.len();
        // Customized scopes may carry guards that decline: they shadow nothing for the check.
        self.layout.services.push(Service {
            pattern: full.clone(),
            scope: true,
            methods: None,
            may_decline: customized,
            end: 0,
            row: None,
        });
        let layout = &mut *self.layout;
        match &mut self.sink {
            Sink::Actix(cfg) => {
                let default = layout.default.clone();
                let ScopeConfig(scope) = customize(ScopeConfig(web::scope(prefix)));
                let scope = scope
                    .configure(|inner| {
                        f(&mut Routes {
                            prefix: full,
                            root: false,
                            sink: Sink::Actix(inner),
                            layout,
                        })
                    })
                    .default_service(default)
                    // Last: it runs only when every guard of the app's accepted.
                    .guard(ScopeMark(Mark::Scope, layout.mount));
                cfg.service(scope);
            }
            Sink::Record => {
                f(&mut Routes { prefix: full, root: false, sink: Sink::Record, layout })
            }
        }
        self.layout.services[index].end = self.layout.services.len();
        self
    }

    /// Runs `f` here, as `App::configure` does: for route functions kept in other modules.
    pub fn configure(&mut self, f: impl FnOnce(&mut Routes<'_>)) -> &mut Self {
        f(self);
        self
    }

    /// Declares the app's default service — what answers a path no route matches, in the app
    /// and in every scope of `Routes` — in place of authz's: `405` with `Allow` where declared
    /// routes match the path but not the method (unless one hides that it exists), else
    /// [`problem::not_found`](crate::problem::not_found)'s 404.
    /// No matrix row documents what it serves, so it may answer `404` or `405`, in any shape, and
    /// nothing else: any other answer is refused (generic 500, ERROR logged). Content served at
    /// paths no route names belongs in [`public_service`](Self::public_service). Top level only,
    /// once.
    ///
    /// A default service set with `App::default_service` instead is not declared, and deny by
    /// default refuses every request that reaches it.
    ///
    /// # Panics
    ///
    /// Inside a scope, or when called twice.
    #[track_caller]
    pub fn default_service<F, U>(&mut self, service: F) -> &mut Self
    where
        F: actix_service::IntoServiceFactory<U, ServiceRequest>,
        U: ServiceFactory<
                ServiceRequest,
                Config = (),
                Response = ServiceResponse,
                Error = Error,
                InitError = (),
            > + 'static,
    {
        assert!(
            self.root,
            "authz: `Routes::default_service` is for the top level `Routes` of `mount`, not a scope"
        );
        let set = self.layout.default.set(crate::select::boxed_default(service.into_factory()));
        assert!(set, "authz: `Routes::default_service` called twice");
        self
    }

    /// Declares how the app's refusals look — `401`, `403`, `404` and `500` — in place of authz's
    /// generic `application/problem+json`: `responder(&req, refusal)` builds each response. Every
    /// refusal made where the request is at hand goes through it (the gate's; a service's `Denied`
    /// returned by a gated or public handler, reshaped; [`CurrentActor`](crate::CurrentActor)'s;
    /// the default service's 404; the 500 for a scope middleware's own answer), so a hidden
    /// resource's 404 stays byte-identical to a missing one's. Refusals made where routing has
    /// consumed the request — an undeclared route, a panic — answer the generic 500: there is no
    /// request left to hand the responder.
    /// A responder that panics or answers another status than the refusal's is ignored for that
    /// response (generic body, ERROR logged): it can change the shape of a refusal, never turn it
    /// into something else. A `401` gets `WWW-Authenticate: Bearer` unless the responder set one.
    /// Top level only, once. See [`problem`](crate::problem) for an example; a route overrides it
    /// with `#[require_permission(..., responder = path::to::fn)]`.
    ///
    /// # Panics
    ///
    /// Inside a scope, or when called twice.
    #[track_caller]
    pub fn responder<F>(&mut self, responder: F) -> &mut Self
    where
        F: Fn(&actix_web::HttpRequest, crate::problem::Refusal) -> actix_web::HttpResponse
            + 'static,
    {
        assert!(
            self.root,
            "authz: `Routes::responder` is for the top level `Routes` of `mount`, not a scope"
        );
        assert!(self.layout.responder.is_none(), "authz: `Routes::responder` called twice");
        self.layout.responder = Some(crate::problem::AppResponder(std::rc::Rc::new(responder)));
        self
    }

    fn record(&mut self, path: String, route: RouteMeta, scope: bool, may_decline: bool) {
        let methods = (!scope).then(|| crate::methods::MethodSet::for_route(route.methods));
        let row = self.layout.rows.len();
        self.layout.services.push(Service {
            pattern: path.clone(),
            scope,
            methods,
            may_decline,
            end: 0,
            row: Some(row),
        });
        self.layout.rows.push(Row { path, route });
    }
}

/// Registers `routes` into an actix app (`App::new().configure(mount(routes))`): every route,
/// the default service (for the app and each scope), and what [`ResolveActor`](crate::ResolveActor)
/// needs. Call it once, on the `App`, and add no `App::default_service` after it.
///
/// # Panics
///
/// When the routes are inconsistent (see [`check`]): the app would not serve what the matrix says.
pub fn mount<F>(routes: F) -> impl FnOnce(&mut web::ServiceConfig)
where
    F: FnOnce(&mut Routes<'_>),
{
    move |cfg| {
        let mut layout = Layout::new(Mount::next());
        routes(&mut Routes {
            prefix: String::new(),
            root: true,
            sink: Sink::Actix(cfg),
            layout: &mut layout,
        });
        if let Err(error) = layout.check() {
            panic!("{error}");
        }
        cfg.service(AtRoot);
        cfg.default_service(layout.default.clone());
        let endpoints = layout.rows.iter().flat_map(Row::endpoints).collect();
        cfg.app_data(crate::ids::MatrixDigest(
            authz_core::matrix::Matrix::new(endpoints, None).digest(),
        ));
        cfg.app_data(crate::resolver::ResolverSlot::new(layout.mount.id()));
        if let Some(responder) = layout.responder {
            cfg.app_data(responder);
        }
    }
}

/// Registers nothing; refuses, as the app is built, a `mount` configured inside a scope
/// (`web::scope("/v3").configure(mount(routes))`): the matrix would show paths without the
/// scope's prefix, and a parameter in that prefix could repeat a route's name unchecked.
struct AtRoot;

impl HttpServiceFactory for AtRoot {
    fn register(self, config: &mut AppService) {
        assert!(
            config.is_root(),
            "authz: `mount` must configure the `App` itself, not a scope: put the prefix in `Routes::scope` \
             (`r.scope(\"/v3\", |r| ...)`) so that the matrix shows the paths as served"
        );
    }
}

/// The endpoints `routes` registers — full path, method, declaration — in registration order,
/// without building an app.
pub fn collect<F>(routes: F) -> Vec<Endpoint>
where
    F: FnOnce(&mut Routes<'_>),
{
    record(routes).rows.iter().flat_map(Row::endpoints).collect()
}

fn record<F>(routes: F) -> Layout
where
    F: FnOnce(&mut Routes<'_>),
{
    let mut layout = Layout::new(Mount::OUTSIDE);
    routes(&mut Routes {
        prefix: String::new(),
        root: true,
        sink: Sink::Record,
        layout: &mut layout,
    });
    layout
}

/// Checks that the app serves what the matrix of `routes` says: no two declarations for one
/// path and method, and no declared route shadowed by a service registered before it (a
/// `/{tenant}/users` before `/admin/users`: actix would route `GET /admin/users` to the first).
/// Patterns are matched with actix's own `ResourceDef`.
pub fn check<F>(routes: F) -> Result<(), RoutesError>
where
    F: FnOnce(&mut Routes<'_>),
{
    record(routes).check()
}

/// The matrix of the routes `routes` registers.
///
/// # Panics
///
/// When the routes are inconsistent (see [`check`]).
pub fn matrix<F>(
    routes: F,
    catalog: Option<&'static authz_core::Catalog>,
) -> authz_core::matrix::Matrix
where
    F: FnOnce(&mut Routes<'_>),
{
    let layout = record(routes);
    if let Err(error) = layout.check() {
        panic!("{error}");
    }
    let endpoints = layout.rows.iter().flat_map(Row::endpoints).collect();
    authz_core::matrix::Matrix::new(endpoints, catalog)
}

/// Routes whose matrix rows would not say what the app serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoutesError {
    /// One line per problem.
    pub problems: Vec<String>,
}

impl fmt::Display for RoutesError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "authz: the app would not serve what its routes declare:")?;
        for problem in &self.problems {
            writeln!(f, "  - {problem}")?;
        }
        Ok(())
    }
}

impl std::error::Error for RoutesError {}

impl Layout {
    fn check(&self) -> Result<(), RoutesError> {
        let mut problems = Vec::new();
        // A name given twice in one full path: actix keeps both, and a lookup by name (a scope's
        // id, `web::Path`) reads the first — the prefix's — while the route means its own.
        for row in &self.rows {
            let names = crate::pattern::param_names(&row.path);
            if let Some(twice) =
                names.iter().enumerate().find_map(|(i, n)| names[..i].contains(n).then_some(n))
            {
                problems.push(format!(
                    "`{}` ({}) names the path parameter `{twice}` twice: a scope prefix and the route must use different names",
                    row.path,
                    origin(&row.route)
                ));
            }
        }
        for (i, later) in self.services.iter().enumerate() {
            let (Some(row), Some(methods)) = (later.row, later.methods) else { continue };
            for earlier in &self.services[..i] {
                // A scope around the route is its way in, not a rival.
                let encloses = earlier.scope && earlier.end > i;
                if encloses || earlier.may_decline {
                    continue;
                }
                let overlap = earlier.methods.is_none_or(|m| m.overlaps(methods));
                // What both patterns can match, not their text: `/reports/{id:\d+}` takes
                // `GET /reports/7` from a later `/reports/{name}`.
                let shadows = if earlier.scope {
                    pattern(earlier).is_match(&later.pattern) || prefix_takes(earlier, later)
                } else {
                    crate::pattern::may_overlap(&earlier.pattern, &later.pattern)
                        && !crate::pattern::is_exception_to(&earlier.pattern, &later.pattern)
                };
                if !overlap || !shadows {
                    continue;
                }
                let route = &self.rows[row];
                let what = match earlier.row {
                    Some(other) if self.rows[other].path == route.path && !earlier.scope => {
                        let first = &self.rows[other].route;
                        let both: Vec<&str> = route
                            .route
                            .methods
                            .iter()
                            .copied()
                            .filter(|m| first.methods.is_empty() || first.methods.contains(m))
                            .collect();
                        format!(
                            "`{} {}` is declared twice: {} and {}",
                            both.join(", "),
                            route.path,
                            origin(&route.route),
                            origin(first)
                        )
                    }
                    Some(other) => format!(
                        "`{}` ({}) is shadowed by `{}` ({}), registered before it: actix routes its requests there",
                        route.path,
                        origin(&route.route),
                        earlier.pattern,
                        origin(&self.rows[other].route)
                    ),
                    None => format!(
                        "`{}` ({}) is shadowed by the scope `{}` registered before it: actix routes its requests there",
                        route.path,
                        origin(&route.route),
                        earlier.pattern
                    ),
                };
                problems.push(what);
                break;
            }
        }
        if problems.is_empty() { Ok(()) } else { Err(RoutesError { problems }) }
    }
}

fn pattern(service: &Service) -> actix_web::dev::ResourceDef {
    if service.scope {
        actix_web::dev::ResourceDef::root_prefix(&service.pattern)
    } else {
        actix_web::dev::ResourceDef::new(service.pattern.as_str())
    }
}

/// Whether a scope prefix takes some path of a later route: a path made from the route by
/// actix's matcher, each parameter filled with a sample value.
fn prefix_takes(scope: &Service, later: &Service) -> bool {
    let rdef = pattern(scope);
    let route = actix_web::dev::ResourceDef::new(later.pattern.as_str());
    ["1", "a", "a1"]
        .into_iter()
        .map(|v| crate::pattern::rewrite_params(&later.pattern, |_| v.to_owned()))
        .any(|p| route.is_match(&p) && rdef.is_match(&p))
}

fn origin(route: &RouteMeta) -> String {
    format!("`{}` at {}:{}", route.handler, route.file, route.line)
}
