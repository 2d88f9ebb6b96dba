//! Route registration that knows full paths: [`Routes`].
//!
//! An axum handler does not know where it is mounted, and a `Router` cannot be asked what it
//! serves. So routes are registered through [`Routes`], which joins each scope prefix on the
//! way down (as `Router::nest` would) and adds every handler to one router at its full path:
//! what the matrix shows is the path axum matches, character for character.
//!
//! Only declared handlers — `#[require_permission]` or `#[public]` — can be registered:
//! anything else is a compile error (`Declared` is not implemented). [`App`](crate::App) serves
//! the router `Routes` built, and nothing else.

use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};

use axum::Router;
use axum::routing::MethodFilter;

use std::collections::HashMap;
use std::sync::Arc;

use crate::declared::Serve;
use authz_core::matrix::{Endpoint, Matrix};
use authz_core::{Access, Catalog, Deny, RouteMeta};

/// The methods declared at each full pattern, for the `405` axum's router decides on.
#[derive(Clone, Default)]
pub(crate) struct PathMethods(Arc<HashMap<String, Methods>>);

#[derive(Default)]
pub(crate) struct Methods {
    names: Vec<&'static str>,
    pub(crate) hides: bool,
}

/// The standard methods in the order `Allow` lists them (the actix front end's order).
const ORDER: [&str; 9] =
    ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"];

impl PathMethods {
    pub(crate) fn at(&self, pattern: &str) -> Option<&Methods> {
        self.0.get(pattern)
    }

    /// Every full pattern of a declared route.
    #[cfg(feature = "test-kit")]
    pub(crate) fn patterns(&self) -> impl Iterator<Item = &str> + '_ {
        self.0.keys().map(String::as_str)
    }
}

impl Methods {
    /// The `Allow` header's value: `HEAD` with `GET`, in a fixed order.
    pub(crate) fn allow(&self) -> String {
        let has = |m: &str| self.names.contains(&m) || (m == "HEAD" && self.names.contains(&"GET"));
        ORDER.iter().copied().filter(|m| has(m)).collect::<Vec<_>>().join(", ")
    }
}

/// One registered route: its full path as served, and its declaration.
struct Row {
    path: String,
    route: RouteMeta,
    /// The address of the handler's record, as its gate names it.
    record: usize,
}

/// What registration built: the router, and the routes for the matrix.
pub(crate) struct Layout<S> {
    router: Router<S>,
    rows: Vec<Row>,
    problems: Vec<String>,
    /// The declared handlers' `#[utoipa::path]` operations, at the full paths served.
    #[cfg(feature = "utoipa")]
    pub(crate) operations: Vec<Collected>,
}

/// One handler's `#[utoipa::path]` operation, where `Routes` registered the handler.
#[cfg(feature = "utoipa")]
pub(crate) struct Collected {
    pub(crate) path: String,
    pub(crate) methods: &'static [&'static str],
    pub(crate) operation: utoipa::openapi::path::Operation,
    pub(crate) schemas: crate::declared::Schemas,
}

impl<S: Clone + Send + Sync + 'static> Layout<S> {
    fn record<F>(routes: F) -> Self
    where
        F: FnOnce(&mut Routes<'_, S>),
    {
        let mut layout = Layout {
            router: Router::new(),
            rows: Vec::new(),
            problems: Vec::new(),
            #[cfg(feature = "utoipa")]
            operations: Vec::new(),
        };
        routes(&mut Routes { prefix: String::new(), layout: &mut layout });
        layout
    }

    /// The layout of `routes`.
    ///
    /// # Panics
    ///
    /// When the routes are inconsistent.
    pub(crate) fn build<F>(routes: F) -> Self
    where
        F: FnOnce(&mut Routes<'_, S>),
    {
        let layout = Layout::record(routes);
        if let Err(error) = layout.check() {
            panic!("{error}");
        }
        layout
    }

    fn check(&self) -> Result<(), RoutesError> {
        if self.problems.is_empty() {
            Ok(())
        } else {
            Err(RoutesError { problems: self.problems.clone() })
        }
    }

    fn endpoints(&self) -> Vec<Endpoint> {
        self.rows
            .iter()
            .flat_map(|row| {
                // `*` for a public service, which answers any method.
                let declared: &[&str] =
                    if row.route.methods.is_empty() { &["*"] } else { row.route.methods };
                declared.iter().map(|m| Endpoint {
                    path: row.path.clone(),
                    method: (*m).to_owned(),
                    route: row.route,
                })
            })
            .collect()
    }

    pub(crate) fn matrix(&self, catalog: Option<&'static Catalog>) -> Matrix {
        Matrix::new(self.endpoints(), catalog)
    }

    /// Per full pattern, the methods declared there and whether a route there hides that it
    /// exists (`deny = not_found` on a path naming no resource: another method there is
    /// answered 404, as everything else of it is — the actix front end's rule).
    pub(crate) fn path_methods(&self) -> PathMethods {
        let mut map: HashMap<String, Methods> = HashMap::new();
        for row in &self.rows {
            let entry = map.entry(row.path.clone()).or_default();
            entry.names.extend(row.route.methods.iter().copied());
            entry.hides |= matches!(row.route.access, Access::Gated { deny: Deny::NotFound, .. })
                && !row.route.path.contains('{');
        }
        PathMethods(Arc::new(map))
    }

    /// The addresses of the declared handlers' records.
    pub(crate) fn records(&self) -> impl Iterator<Item = usize> + '_ {
        self.rows.iter().map(|row| row.record).filter(|at| *at != 0)
    }

    pub(crate) fn into_router(self) -> Router<S> {
        self.router
    }
}

/// Registers declared routes while recording their full paths. See the [module docs](self).
pub struct Routes<'a, S = ()> {
    prefix: String,
    layout: &'a mut Layout<S>,
}

impl<S> fmt::Debug for Routes<'_, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Routes").field("prefix", &self.prefix).finish_non_exhaustive()
    }
}

/// `prefix` and `path` joined as one path, as `Router::nest` joins them.
fn join(prefix: &str, path: &str) -> String {
    if prefix.is_empty() {
        path.to_owned()
    } else if path == "/" {
        prefix.to_owned()
    } else {
        format!("{prefix}{path}")
    }
}

impl<S: Clone + Send + Sync + 'static> Routes<'_, S> {
    /// Registers a declared handler here, at its path under every enclosing scope.
    pub fn service<H, M>(&mut self, handler: H) -> &mut Self
    where
        H: Serve<S, M>,
    {
        let record = std::ptr::from_ref(H::route()) as usize;
        let route = *H::route();
        if route.handler == crate::declared::FALLBACK_ROUTE.handler {
            // A declaration with errors: the build fails on its error; nothing to serve.
            return self;
        }
        let path = join(&self.prefix, route.path);
        if !path.starts_with('/') {
            self.layout.problems.push(format!(
                "`{path}` ({}): a path outside any scope starts with `/`",
                origin(&route)
            ));
            return self;
        }
        let names = param_names(&path);
        if let Some(twice) =
            names.iter().enumerate().find_map(|(i, n)| names[..i].contains(n).then_some(n))
        {
            self.layout.problems.push(format!(
                "`{path}` ({}) names the path parameter `{twice}` twice: a scope prefix and the route must use different names",
                origin(&route)
            ));
            return self;
        }
        for earlier in &self.layout.rows {
            if earlier.path == path
                && let Some(method) =
                    route.methods.iter().find(|m| earlier.route.methods.contains(m))
            {
                self.layout.problems.push(format!(
                    "`{method} {path}` is declared twice: {} and {}",
                    origin(&earlier.route),
                    origin(&route)
                ));
                return self;
            }
        }
        let filter = route
            .methods
            .iter()
            .filter_map(|m| method_filter(m))
            .fold(None, |all: Option<MethodFilter>, m| Some(all.map_or(m, |all| all.or(m))));
        let Some(filter) = filter else {
            self.layout.problems.push(format!("`{path}` ({}) declares no method", origin(&route)));
            return self;
        };
        // axum's own router decides what overlaps (`/{a}` against `/{b}`): its refusal is
        // reported like ours.
        let router = std::mem::take(&mut self.layout.router);
        match catch_unwind(AssertUnwindSafe(|| router.route(&path, handler.method_router(filter))))
        {
            Ok(router) => self.layout.router = router,
            Err(panic) => {
                let why = panic
                    .downcast_ref::<String>()
                    .map(String::as_str)
                    .or_else(|| panic.downcast_ref::<&str>().copied())
                    .unwrap_or("axum refused the route");
                self.layout.problems.push(format!("`{path}` ({}): {why}", origin(&route)));
                return self;
            }
        }
        #[cfg(feature = "utoipa")]
        {
            let mut sink = crate::declared::OpenApiSink::default();
            H::openapi(&mut sink);
            if let Some((operation, schemas)) = sink.found {
                self.layout.operations.push(Collected {
                    path: path.clone(),
                    methods: route.methods,
                    operation,
                    schemas,
                });
            }
        }
        self.layout.rows.push(Row { path, route, record });
        self
    }

    /// Registers a service that is not a declared handler — a page, a third-party service — as
    /// public, for the stated `reason`, at exactly `path` (relative to the current scope), for
    /// every method (`*` in the matrix): axum's `Router::route_service`. Its answers are the
    /// app's, marked as a declared endpoint's; paths under `path` are not its.
    #[track_caller]
    pub fn public_service<T>(
        &mut self,
        path: &'static str,
        reason: &'static str,
        service: T,
    ) -> &mut Self
    where
        T: tower_service::Service<axum::extract::Request, Error = std::convert::Infallible>
            + Clone
            + Send
            + Sync
            + 'static,
        T::Response: axum::response::IntoResponse,
        T::Future: Send + 'static,
    {
        let here = std::panic::Location::caller();
        let route = RouteMeta {
            handler: std::any::type_name::<T>(),
            module: "",
            file: here.file(),
            line: here.line(),
            methods: &[],
            path,
            access: Access::Public { reason, writes: None },
            policy: None,
            visibility: None,
            operation: reason,
        };
        let full = join(&self.prefix, path);
        if self.layout.rows.iter().any(|row| row.path == full) {
            self.layout.problems.push(format!(
                "`{full}` ({}): a public service takes every method of its path, which another route declares",
                origin(&route)
            ));
            return self;
        }
        let router = std::mem::take(&mut self.layout.router);
        let service = crate::problem::MarkServed(service);
        match catch_unwind(AssertUnwindSafe(|| router.route_service(&full, service))) {
            Ok(router) => self.layout.router = router,
            Err(_) => {
                self.layout
                    .problems
                    .push(format!("`{full}` ({}): axum refused the path", origin(&route)));
                return self;
            }
        }
        self.layout.rows.push(Row { path: full, route, record: 0 });
        self
    }

    /// Registers `f`'s routes under `prefix`, as `Router::nest(prefix, ...)` would.
    pub fn scope(&mut self, prefix: &str, f: impl FnOnce(&mut Routes<'_, S>)) -> &mut Self {
        if !prefix.starts_with('/') || prefix.ends_with('/') || prefix.contains("{*") {
            self.layout.problems.push(format!(
                "scope prefix `{prefix}`: a prefix starts with `/`, does not end with one, and has no catch-all"
            ));
            return self;
        }
        let full = join(&self.prefix, prefix);
        f(&mut Routes { prefix: full, layout: self.layout });
        self
    }

    /// Registers the routes `f` registers, here: a way to split one app's routes across
    /// modules.
    pub fn configure(&mut self, f: impl FnOnce(&mut Routes<'_, S>)) -> &mut Self {
        f(self);
        self
    }
}

/// Where a route was declared, for messages.
fn origin(route: &RouteMeta) -> String {
    format!("`{}` at {}:{}", route.handler, route.file, route.line)
}

/// The method filter axum routes `method` by (the macro accepts no other method).
fn method_filter(method: &str) -> Option<MethodFilter> {
    Some(match method {
        "GET" => MethodFilter::GET,
        "POST" => MethodFilter::POST,
        "PUT" => MethodFilter::PUT,
        "PATCH" => MethodFilter::PATCH,
        "DELETE" => MethodFilter::DELETE,
        "HEAD" => MethodFilter::HEAD,
        "OPTIONS" => MethodFilter::OPTIONS,
        "TRACE" => MethodFilter::TRACE,
        "CONNECT" => MethodFilter::CONNECT,
        _ => return None,
    })
}

/// The parameter names of an axum path (`{id}`, `{*rest}`), in order.
fn param_names(path: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        if let Some(literal) = after.strip_prefix('{') {
            rest = literal;
            continue;
        }
        let Some(close) = after.find('}') else { break };
        names.push(after[..close].trim_start_matches('*'));
        rest = &after[close + 1..];
    }
    names
}

/// The endpoints `routes` registers — full path, method, declaration — in registration order,
/// without building an app.
pub fn collect<S, F>(routes: F) -> Vec<Endpoint>
where
    S: Clone + Send + Sync + 'static,
    F: FnOnce(&mut Routes<'_, S>),
{
    Layout::record(routes).endpoints()
}

/// Checks that the app serves what the matrix of `routes` says: no two declarations for one
/// path and method, no parameter named twice in one full path, and nothing axum's router
/// refuses (two patterns that would match the same paths, like `/{a}` and `/{b}`).
pub fn check<S, F>(routes: F) -> Result<(), RoutesError>
where
    S: Clone + Send + Sync + 'static,
    F: FnOnce(&mut Routes<'_, S>),
{
    Layout::record(routes).check()
}

/// The matrix of the routes `routes` registers.
///
/// # Panics
///
/// When the routes are inconsistent (see [`check`]).
pub fn matrix<S, F>(routes: F, catalog: Option<&'static Catalog>) -> Matrix
where
    S: Clone + Send + Sync + 'static,
    F: FnOnce(&mut Routes<'_, S>),
{
    Layout::build(routes).matrix(catalog)
}

/// Routes whose matrix rows would not say what the app serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoutesError {
    /// One line per problem.
    pub problems: Vec<String>,
}

impl fmt::Display for RoutesError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "authz: the routes are inconsistent:")?;
        for problem in &self.problems {
            writeln!(f, "- {problem}")?;
        }
        Ok(())
    }
}

impl std::error::Error for RoutesError {}
