//! Route registration that knows full paths, and the deny-by-default route table.
//!
//! Rust has no route reflection, and actix does not tell a handler where it was mounted. So routes
//! are registered through [`Routes`], a thin layer over actix's `ServiceConfig` and `web::scope`
//! that records each scope prefix on the way down:
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
//! else is a compile error (`Declared` is not implemented). [`mount`] also stores the table of
//! declared (pattern, method) pairs in the app, and [`ResolveActor`](crate::ResolveActor) refuses
//! every request routed anywhere else — a route registered around `Routes` — before its handler
//! runs.

use std::collections::HashMap;
use std::panic::Location;

use actix_web::dev::HttpServiceFactory;
use actix_web::http::Method;
use actix_web::{web, Scope};

use crate::matrix::Endpoint;
use crate::{Access, RouteMeta};

/// A handler whose authorization is declared by `#[require_permission]` or `#[public]`.
///
/// Implemented by those macros; the bound of [`Routes::service`].
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no authorization declaration",
    label = "not declared with `#[require_permission(...)]` or `#[public(...)]`",
    note = "every route states who may call it: add `#[require_permission(\"resource:action\")]` or `#[public(\"reason\")]` above its route attribute"
)]
pub trait Declared: HttpServiceFactory + 'static {
    /// The handler's record, as linked into the registry.
    fn route() -> &'static RouteMeta;

    /// The name of the handler's actix resource (the route's `name = "..."`, else the function's
    /// name). Deny by default uses it to tell the handler's resource from another one at the same
    /// path.
    fn resource_name() -> &'static str {
        Self::route().handler
    }

    /// Whether the route has guards of its own (`guard = "..."`), beside its method guard.
    fn guarded() -> bool {
        false
    }
}

/// A declared handler registered by [`Routes`]: its method guard knows it is mounted.
struct InMount<F>(F);

impl<F: HttpServiceFactory> HttpServiceFactory for InMount<F> {
    fn register(self, config: &mut actix_web::dev::AppService) {
        crate::gate::mounting(|| self.0.register(config));
    }
}

/// One registered route: its full path as served, its methods, and its declaration.
#[derive(Debug, Clone)]
pub struct Mounted {
    /// Full path as served (scope prefixes included), actix pattern syntax.
    pub path: String,
    /// The methods the route answers (`HEAD` included for `GET` routes).
    pub methods: Vec<&'static str>,
    /// The declaration.
    pub route: RouteMeta,
    /// The name of the route's actix resource, for a declared handler; `None` for a
    /// [`public_service`](Routes::public_service).
    pub resource_name: Option<&'static str>,
    /// Whether actix routes to this handler without anything of the app's in between that could
    /// decline or delay: no guards of its own, no scope customized with `scope_with` around it.
    pub(crate) direct: bool,
}

impl Mounted {
    /// The matrix rows of this route: one per declared method (`HEAD` is implied by `GET`).
    pub fn endpoints(&self) -> impl Iterator<Item = Endpoint> + '_ {
        let declared: Vec<&'static str> = if self.route.methods.is_empty() {
            vec!["*"]
        } else {
            self.route.methods.to_vec()
        };
        declared.into_iter().map(|m| Endpoint { path: self.path.clone(), method: m.to_owned(), route: self.route })
    }
}

enum Sink<'a> {
    Actix(&'a mut web::ServiceConfig),
    Record,
}

/// Registers declared routes while recording their full paths. See the [module docs](self).
pub struct Routes<'a> {
    prefix: String,
    sink: Sink<'a>,
    table: &'a mut Vec<Mounted>,
    // Inside a scope customized by `scope_with` (middleware there may route later).
    customized: bool,
}

impl std::fmt::Debug for Routes<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Routes").field("prefix", &self.prefix).field("mounted", &self.table.len()).finish()
    }
}

impl<'a> Routes<'a> {
    /// Registers a declared handler here.
    pub fn service<F: Declared>(&mut self, handler: F) -> &mut Self {
        let route = F::route();
        let direct = !F::guarded() && !self.customized;
        self.record(route.path, *route, Some(F::resource_name()), direct);
        if let Sink::Actix(cfg) = &mut self.sink {
            cfg.service(InMount(handler));
        }
        self
    }

    /// Registers a service that is not a declared handler — static files, a third-party service
    /// — as public, mounted at `path` (relative to the current scope, exactly as the service
    /// mounts itself), for the stated `reason`. It answers any method.
    #[track_caller]
    pub fn public_service<F>(&mut self, path: &'static str, reason: &'static str, service: F) -> &mut Self
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
            path,
            access: Access::Public { reason },
            policy: None,
            policy_filters: false,
            visibility: None,
            operation: reason,
        };
        self.record(path, route, None, false);
        if let Sink::Actix(cfg) = &mut self.sink {
            cfg.service(service);
        }
        self
    }

    /// Registers `f`'s routes under `prefix`, as `web::scope(prefix)` does.
    pub fn scope(&mut self, prefix: &str, f: impl FnOnce(&mut Routes<'_>)) -> &mut Self {
        self.nest(prefix, |scope| scope, false, f)
    }

    /// Like [`scope`](Self::scope), letting `customize` add scope middleware, data or guards:
    /// `r.scope_with("/admin", |s| s.wrap(Logger::default()), |r| { ... })`.
    pub fn scope_with<S>(&mut self, prefix: &str, customize: impl FnOnce(Scope) -> S, f: impl FnOnce(&mut Routes<'_>)) -> &mut Self
    where
        S: HttpServiceFactory + 'static,
    {
        self.nest(prefix, customize, true, f)
    }

    fn nest<S>(&mut self, prefix: &str, customize: impl FnOnce(Scope) -> S, customized: bool, f: impl FnOnce(&mut Routes<'_>)) -> &mut Self
    where
        S: HttpServiceFactory + 'static,
    {
        let full = format!("{}{prefix}", self.prefix);
        let customized = customized || self.customized;
        match &mut self.sink {
            Sink::Actix(cfg) => {
                let table = &mut *self.table;
                let scope = web::scope(prefix).configure(|inner| {
                    f(&mut Routes { prefix: full, sink: Sink::Actix(inner), table, customized });
                });
                cfg.service(customize(scope));
            }
            Sink::Record => f(&mut Routes { prefix: full, sink: Sink::Record, table: self.table, customized }),
        }
        self
    }

    /// Runs `f` here, as `App::configure` does: for route functions kept in other modules.
    pub fn configure(&mut self, f: impl FnOnce(&mut Routes<'_>)) -> &mut Self {
        f(self);
        self
    }

    fn record(&mut self, path: &str, route: RouteMeta, resource_name: Option<&'static str>, direct: bool) {
        let mut methods = route.methods.to_vec();
        if methods.contains(&"GET") && !methods.contains(&"HEAD") {
            methods.push("HEAD");
        }
        self.table.push(Mounted { path: format!("{}{path}", self.prefix), methods, route, resource_name, direct });
    }
}

/// Registers `routes` into an actix app (`App::new().configure(mount(routes))`), and stores the
/// table of declared routes that deny-by-default checks. Call it once, on the `App`.
pub fn mount<F>(routes: F) -> impl FnOnce(&mut web::ServiceConfig)
where
    F: FnOnce(&mut Routes<'_>),
{
    move |cfg| {
        let mut table = Vec::new();
        routes(&mut Routes { prefix: String::new(), sink: Sink::Actix(cfg), table: &mut table, customized: false });
        cfg.app_data(RouteTable::new(&table));
    }
}

/// The routes `routes` registers, with full paths, without building an app: for the matrix.
pub fn collect<F>(routes: F) -> Vec<Mounted>
where
    F: FnOnce(&mut Routes<'_>),
{
    let mut table = Vec::new();
    routes(&mut Routes { prefix: String::new(), sink: Sink::Record, table: &mut table, customized: false });
    table
}

/// The matrix of the routes `routes` registers.
pub fn matrix<F>(routes: F, catalog: Option<&'static crate::Catalog>) -> crate::matrix::Matrix
where
    F: FnOnce(&mut Routes<'_>),
{
    let endpoints = collect(routes).iter().flat_map(Mounted::endpoints).collect();
    crate::matrix::Matrix::new(endpoints, catalog)
}

/// Declared (pattern, methods) pairs, stored as app data by [`mount`].
#[derive(Debug, Clone)]
pub(crate) struct RouteTable {
    // Looked up with a key nobody outside the app chooses, so a fast non-DoS-resistant hash is
    // right here.
    patterns: HashMap<String, Entry, foldhash::fast::FixedState>,
    pub(crate) index: std::rc::Rc<Index>,
}

/// The declared handlers in registration order, indexed by the first segment of their full path,
/// so `ResolveActor` can tell which declared route a path will most likely reach by matching a
/// few patterns instead of the app's whole resource map. A guess only: the route actix really
/// selects is confirmed by its method guard (see `gate::selected`).
#[derive(Debug)]
pub(crate) struct Index {
    routes: Vec<Candidate>,
    // First path segment → routes whose pattern starts with that literal segment.
    by_segment: HashMap<String, Vec<usize>, foldhash::fast::FixedState>,
    // Routes whose first segment has a parameter: candidates for any path.
    any_segment: Vec<usize>,
}

#[derive(Debug)]
struct Candidate {
    rdef: actix_web::dev::ResourceDef,
    methods: Declaration,
    // Whether nothing but the route's own resource can answer a path it matches, as far as
    // `mount` knows: no guards of its own, no customized scope around it, no public service
    // (a third-party resource with unknown patterns) registered before it.
    direct: bool,
}

fn first_segment(path: &str) -> &str {
    let rest = path.strip_prefix('/').unwrap_or(path);
    match rest.bytes().position(|b| b == b'/') {
        Some(end) => &rest[..end],
        None => rest,
    }
}

impl Index {
    fn new(mounted: &[Mounted]) -> Self {
        let mut index = Index { routes: Vec::new(), by_segment: HashMap::with_hasher(foldhash::fast::FixedState::default()), any_segment: Vec::new() };
        let mut public_before = false;
        for m in mounted {
            if m.resource_name.is_none() {
                public_before = true;
                continue;
            }
            let i = index.routes.len();
            let segment = first_segment(&m.path);
            if !m.path.starts_with('/') || segment.contains(['{', '}', '*']) {
                index.any_segment.push(i);
            } else {
                index.by_segment.entry(segment.to_owned()).or_default().push(i);
            }
            index.routes.push(Candidate {
                rdef: actix_web::dev::ResourceDef::new(m.path.clone()),
                methods: Declaration::methods(&m.methods),
                direct: m.direct && !public_before,
            });
        }
        index
    }

    /// The declared route that `path` (as actix routes it) and `method` most likely reach, when it
    /// is a direct one: the first in registration order whose pattern and methods match.
    pub(crate) fn predict(&self, path: &str, method: &Method) -> Option<usize> {
        let listed = self.by_segment.get(first_segment(path)).map_or(&[][..], Vec::as_slice);
        if self.any_segment.is_empty() {
            return self.first_match(listed.iter().copied(), path, method);
        }
        // Merge the two ascending lists: registration order decides, as in actix.
        let (mut a, mut b) = (listed.iter().copied().peekable(), self.any_segment.iter().copied().peekable());
        let merged = std::iter::from_fn(move || match (a.peek(), b.peek()) {
            (Some(x), Some(y)) if x < y => a.next(),
            (Some(_), Some(_)) | (None, Some(_)) => b.next(),
            (Some(_), None) => a.next(),
            (None, None) => None,
        });
        self.first_match(merged, path, method)
    }

    fn first_match(&self, candidates: impl Iterator<Item = usize>, path: &str, method: &Method) -> Option<usize> {
        for i in candidates {
            let route = &self.routes[i];
            if matches!(route.methods.lookup(method), Lookup::Declared) && route.rdef.is_match(path) {
                return route.direct.then_some(i);
            }
        }
        None
    }

    pub(crate) fn len(&self) -> usize {
        self.routes.len()
    }

    pub(crate) fn pattern(&self, i: usize) -> &str {
        self.routes[i].rdef.pattern().unwrap_or_default()
    }
}

#[derive(Debug, Clone)]
struct Entry {
    declaration: Declaration,
    // The resource names of the declared handlers mounted at this pattern: a resource at the same
    // path under another name (or none) was registered around `mount` and is not declared.
    names: Vec<&'static str>,
}

/// What the route table says of one pattern.
#[derive(Debug, Clone)]
pub(crate) enum Declaration {
    Undeclared,
    /// A public service: any method.
    AnyMethod,
    /// Declared handlers for these methods (`HEAD` included with `GET`): the standard methods as
    /// bits, so the per-request test compares no strings; others by name.
    Methods { standard: u16, other: Vec<&'static str> },
}

/// How the route table classifies a request.
pub(crate) enum Lookup {
    Declared,
    /// The pattern is declared for other methods only.
    OtherMethod,
    Undeclared,
}

impl Declaration {
    /// Declared handlers for `methods`.
    fn methods(methods: &[&'static str]) -> Self {
        let mut declaration = Declaration::Methods { standard: 0, other: Vec::new() };
        declaration.add_methods(methods);
        declaration
    }

    fn add_methods(&mut self, methods: &[&'static str]) {
        if let Declaration::Methods { standard, other } = self {
            for &name in methods {
                match crate::methods::bit_of_name(name) {
                    0 => other.push(name),
                    bit => *standard |= bit,
                }
            }
        }
    }

    pub(crate) fn lookup(&self, method: &Method) -> Lookup {
        let declared = match self {
            Declaration::Undeclared => return Lookup::Undeclared,
            Declaration::AnyMethod => true,
            Declaration::Methods { standard, other } => crate::methods::contains(*standard, other, method),
        };
        if declared { Lookup::Declared } else { Lookup::OtherMethod }
    }
}

impl RouteTable {
    fn new(mounted: &[Mounted]) -> Self {
        let mut patterns: HashMap<String, Entry, _> = HashMap::with_hasher(foldhash::fast::FixedState::default());
        for m in mounted {
            let entry = patterns
                .entry(m.path.clone())
                .or_insert_with(|| Entry { declaration: Declaration::methods(&[]), names: Vec::new() });
            if m.route.methods.is_empty() {
                entry.declaration = Declaration::AnyMethod;
            }
            entry.declaration.add_methods(&m.methods);
            entry.names.extend(m.resource_name);
        }
        RouteTable { patterns, index: std::rc::Rc::new(Index::new(mounted)) }
    }

    /// The declaration of the resource named `name` (if it has a name) at `pattern`, a full path
    /// as actix matched it. Declared handlers' resources always have a name (the route's `name`,
    /// else the function's); a public service's resource answers whatever its name.
    pub(crate) fn declaration(&self, pattern: &str, name: Option<&str>) -> Declaration {
        match self.patterns.get(pattern) {
            Some(Entry { declaration: Declaration::AnyMethod, .. }) => Declaration::AnyMethod,
            Some(Entry { declaration, names }) if name.is_some_and(|n| names.contains(&n)) => declaration.clone(),
            _ => Declaration::Undeclared,
        }
    }

    #[cfg(feature = "introspection")]
    pub(crate) fn lookup(&self, pattern: &str, name: Option<&str>, method: &Method) -> Lookup {
        self.declaration(pattern, name).lookup(method)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mounted(path: &str, methods: &'static [&'static str], name: Option<&'static str>, direct: bool) -> Mounted {
        let route = RouteMeta {
            handler: "h",
            module: "m",
            file: "f",
            line: 1,
            methods,
            path: "",
            access: Access::Public { reason: "test" },
            policy: None,
            policy_filters: false,
            visibility: None,
            operation: "",
        };
        Mounted { path: path.to_owned(), methods: methods.to_vec(), route, resource_name: name, direct }
    }

    #[test]
    fn predicts_the_first_declared_route_in_registration_order() {
        let index = Index::new(&[
            mounted("/items", &["GET"], Some("a"), true),
            mounted("/{tenant}/x", &["GET"], Some("b"), true),
            mounted("/items/{id}", &["GET", "DELETE"], Some("c"), true),
            mounted("/guarded/{id}", &["GET"], Some("d"), false),
            mounted("/static", &[], None, false),
            mounted("/after", &["GET"], Some("e"), true),
        ]);
        let (get, delete, post) = (Method::GET, Method::DELETE, Method::POST);
        assert_eq!(index.predict("/items", &get), Some(0));
        assert_eq!(index.predict("/acme/x", &get), Some(1));
        // Both `/{tenant}/x` and `/items/{id}` match: the earlier registration wins, as in actix.
        assert_eq!(index.predict("/items/x", &get), Some(1));
        assert_eq!(index.predict("/items/7", &get), Some(2));
        assert_eq!(index.predict("/items/7", &delete), Some(2));
        assert_eq!(index.predict("/items/7", &post), None, "no route declares POST there");
        assert_eq!(index.predict("/items/7/", &get), None);
        assert_eq!(index.predict("/nothing", &get), None);
        // Not direct: its own guards may decline.
        assert_eq!(index.predict("/guarded/1", &get), None);
        // Registered after a public service, whose patterns are unknown: not direct either.
        assert_eq!(index.predict("/after", &get), None);
        assert_eq!(index.pattern(2), "/items/{id}");
    }
}
