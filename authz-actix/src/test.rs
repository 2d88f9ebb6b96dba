//! Test kit (feature `test-kit`, for dev-dependencies): attach an actor to a test request of the
//! real app (its `ResolveActor` and `mount`) without running its resolver, and list what an app
//! serves without a declaration.
//!
//! Nothing here exists in a build without the feature, so no production build accepts an
//! injected actor.
//!
//! ```
//! use actix_web::{get, test, App, HttpResponse};
//! use authz_actix::{mount, require_permission, Actor, Catalog, Permission, PermissionDef, ResolveActor, RoleDef};
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
//! // The app's own resolver; an injected actor means it does not run.
//! async fn resolve(_req: actix_web::HttpRequest) -> Result<Option<Actor>, std::convert::Infallible> {
//!     Ok(None)
//! }
//!
//! # actix_web::rt::System::new().block_on(async {
//! let app = test::init_service(App::new().wrap(ResolveActor::new(resolve)).configure(mount(|r| {
//!     r.service(reports);
//! })))
//! .await;
//! let analyst = CATALOG.actor(1, ["analyst"]).unwrap();
//! let req = authz_actix::test::with_actor(test::TestRequest::get().uri("/reports").to_request(), analyst);
//! assert_eq!(test::call_service(&app, req).await.status(), 200);
//!
//! let req = authz_actix::test::anonymous(test::TestRequest::get().uri("/reports").to_request());
//! assert_eq!(test::call_service(&app, req).await.status(), 401);
//! # });
//! ```

use std::cell::{Cell, RefCell};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::Rc;

use actix_web::dev::{Service, ServiceRequest, ServiceResponse};
use actix_web::{Error, HttpMessage};

use crate::resolver::{Resolution, Slot};
use authz_core::Principal;

/// `req` as sent by `actor`: gates and [`CurrentActor`](crate::CurrentActor) take this actor
/// instead of running the app's resolver.
pub fn with_actor<M: HttpMessage, A: Principal>(req: M, actor: A) -> M {
    req.extensions_mut().insert(Slot::known(Resolution::actor(actor)));
    req
}

/// `req` as sent by nobody: gated routes answer 401.
pub fn anonymous<M: HttpMessage>(req: M) -> M {
    req.extensions_mut().insert(Slot::known(Resolution::Anonymous));
    req
}

/// A route an app serves without a declaration: a request to it is refused at run time.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct UndeclaredRoute {
    /// The full path as served; `PREFIX/*` for a prefix service or a scope's default service
    /// under `PREFIX`; `(default service)` for the app's default service.
    pub path: String,
    /// The method, or `*` for any.
    pub method: String,
}

impl std::fmt::Display for UndeclaredRoute {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.method, self.path)
    }
}

/// Every route `app` serves without a declaration — each would be refused at run time.
///
/// It asks the app itself: for every pattern actix's route introspection lists, and for a path
/// under every scope and outside every route, it routes one request with each method exactly as
/// a real one would be routed (through [`ResolveActor`](crate::ResolveActor)), observes whether
/// actix selected a declared service, and drops the routed request unpolled — no handler runs.
/// So it sees what deny by default sees: undeclared methods at declared paths, routes registered
/// before `mount` at a declared path, scope and app default services.
///
/// ```
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
/// ```
///
/// # Panics
///
/// When `app` has no `ResolveActor`: nothing would be refused, and nothing can be observed.
pub async fn undeclared_routes<S, B>(app: &S) -> Vec<UndeclaredRoute>
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = Error>,
{
    let nodes = match send(app, "GET", "/", &[], true).await {
        Some((_, Some(nodes))) => nodes,
        _ => panic!(
            "no answer from the app: `undeclared_routes` needs `ResolveActor` installed on it"
        ),
    };
    let mut missing = Vec::new();
    for node in &nodes {
        // Plainly, and with the headers the node's own guards ask for (a header or host guard
        // reports its header): a service behind such a guard is reached only with them.
        let variants: &[&[(String, String)]] =
            if node.headers.is_empty() { &[&[]] } else { &[&[], &node.headers] };
        for headers in variants {
            if node.prefix {
                let path = format!("{}/{UNLIKELY}", node.path.trim_end_matches('/'));
                if !selected(app, "GET", &path, headers).await {
                    missing.push(UndeclaredRoute {
                        path: format!("{}/*", node.path.trim_end_matches('/')),
                        method: "*".to_owned(),
                    });
                }
                continue;
            }
            let Some(path) = sample_path(&node.path) else { continue };
            let methods = if node.methods.is_empty() {
                PROBED.iter().map(|m| (*m).to_owned()).collect()
            } else {
                node.methods.clone()
            };
            for method in methods {
                if !selected(app, &method, &path, headers).await {
                    let shown = if node.methods.is_empty() { "*".to_owned() } else { method };
                    missing.push(UndeclaredRoute { path: node.path.clone(), method: shown });
                }
            }
        }
    }
    if !selected(app, "GET", &format!("/{UNLIKELY}"), &[]).await {
        missing
            .push(UndeclaredRoute { path: "(default service)".to_owned(), method: "*".to_owned() });
    }
    missing.sort();
    missing.dedup();
    missing
}

/// A path segment no app serves on purpose, for reaching default services.
const UNLIKELY: &str = "authz-probe-0c8f1e";

/// The methods tried on a resource without a method guard.
const PROBED: &[&str] = &["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

async fn selected<S, B>(app: &S, method: &str, path: &str, headers: &[(String, String)]) -> bool
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = Error>,
{
    matches!(send(app, method, path, headers, false).await, Some((true, _)))
}

async fn send<S, B>(
    app: &S,
    method: &str,
    path: &str,
    headers: &[(String, String)],
    list: bool,
) -> Option<(bool, Option<Vec<Node>>)>
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = Error>,
{
    let method = actix_web::http::Method::from_bytes(method.as_bytes()).ok()?;
    path.parse::<actix_web::http::Uri>().ok()?;
    let mut req = actix_web::test::TestRequest::default().method(method).uri(path);
    for (name, value) in headers {
        req = req.insert_header((name.as_str(), value.as_str()));
    }
    let req = req.to_request();
    let probe = Probe { list, ..Probe::default() };
    let probe = Rc::new(probe);
    req.extensions_mut().insert(ProbeHandle(probe.clone()));
    // No resolver runs for a probe.
    req.extensions_mut().insert(Slot::known(Resolution::Anonymous));
    let _ = app.call(req).await;
    let outcome = probe.selected.get()?;
    Some((outcome, probe.nodes.borrow_mut().take()))
}

/// A concrete path that `pattern` matches, by actix's own matcher: each `{param}` filled in.
fn sample_path(pattern: &str) -> Option<String> {
    let rdef = actix_web::dev::ResourceDef::new(pattern);
    ["1", "a", "a1"]
        .into_iter()
        .map(|value| crate::pattern::rewrite_params(pattern, |_| value.to_owned()))
        .find(|path| rdef.is_match(path))
}

/// One thing the app serves, from route introspection.
#[derive(Debug, Clone)]
struct Node {
    path: String,
    methods: Vec<String>,
    /// A registered scope or prefix service.
    prefix: bool,
    /// Headers its own guards ask for (header and host guards report them).
    headers: Vec<(String, String)>,
}

/// A question from [`undeclared_routes`] to `ResolveActor`. Request extensions never come from
/// the network, and the type exists only with the `test-kit` feature.
#[derive(Default)]
struct Probe {
    list: bool,
    selected: Cell<Option<bool>>,
    nodes: RefCell<Option<Vec<Node>>>,
}

#[derive(Clone)]
struct ProbeHandle(Rc<Probe>);

/// Answers `req` when it is a probe of [`undeclared_routes`] (`Err(req)` otherwise): routes it
/// through `app` as `ResolveActor` does, records whether actix selected a declared service, and
/// drops what it routed unpolled. The answer is an error, as the request is consumed.
///
/// Why a hook inside `ResolveActor::call` (one statement, compiled only with `test-kit`) rather
/// than no hook: a probe must learn what actix *selected* for a request without running it.
/// Only the app's innermost middleware sees both — the call into actix's router, during which
/// the selected service marks the request, and the routed future, which must then be dropped
/// unpolled. From outside the app (a test calling the service) the future comes back already
/// wrapped by `ResolveActor`, whose refusal or polling would run the selected handler, and
/// actix's own introspection lists registered patterns, not what a given request reaches (the
/// guards, the default services, a scope's middleware). So the observation point is the one
/// production uses; without the feature the statement does not exist, and nothing in a
/// production build can inject an actor or answer a probe.
pub(crate) fn answer_probe<S, B>(req: ServiceRequest, app: &S) -> Result<Error, ServiceRequest>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
{
    let Some(ProbeHandle(probe)) = req.extensions().get::<ProbeHandle>().cloned() else {
        return Err(req);
    };
    if probe.list {
        *probe.nodes.borrow_mut() = Some(nodes(&req));
    }
    let (routed, mark) =
        crate::select::observe(|| catch_unwind(AssertUnwindSafe(|| app.call(req))));
    probe.selected.set(Some(mark >= crate::select::Mark::Scope && routed.is_ok()));
    drop(routed);
    Ok(actix_web::error::InternalError::from_response(
        "probe",
        actix_web::HttpResponse::NoContent().finish(),
    )
    .into())
}

fn nodes(req: &ServiceRequest) -> Vec<Node> {
    use actix_web::introspection::{IntrospectionNode, IntrospectionTree, ResourceType};

    fn headers(node: &IntrospectionNode) -> Vec<(String, String)> {
        use actix_web::introspection::GuardDetailReport;
        let mut out = Vec::new();
        for detail in node.guard_details.iter().flat_map(|report| &report.details) {
            if let GuardDetailReport::Headers { headers } = detail {
                out.extend(headers.iter().map(|h| (h.name.clone(), h.value.clone())));
            }
        }
        out
    }

    fn walk(node: &IntrospectionNode, out: &mut Vec<Node>) {
        let registered = !node.patterns.is_empty();
        match node.kind {
            ResourceType::Resource => out.push(Node {
                path: node.full_path.clone(),
                methods: node.methods.iter().map(ToString::to_string).collect(),
                prefix: false,
                headers: headers(node),
            }),
            ResourceType::Scope if registered => out.push(Node {
                path: node.full_path.clone(),
                methods: Vec::new(),
                prefix: true,
                headers: headers(node),
            }),
            _ => {}
        }
        for child in &node.children {
            walk(child, out);
        }
    }

    let mut out = Vec::new();
    if let Some(tree) = req.app_data::<actix_web::web::Data<IntrospectionTree>>() {
        walk(&tree.root, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn sample_paths_match_their_patterns() {
        assert_eq!(super::sample_path("/items/{id}").as_deref(), Some("/items/1"));
        assert_eq!(super::sample_path("/items/{id:\\d+}/x").as_deref(), Some("/items/1/x"));
        assert_eq!(super::sample_path("/t/{name:[a-z]+}").as_deref(), Some("/t/a"));
        assert_eq!(super::sample_path("/static").as_deref(), Some("/static"));
    }
}

/// Where an app's role-granting decision lets a granter escalate: each case `decide` allowed
/// although the granter lacks a permission of the role granted or replaced
/// ([`escalation`](crate::escalation)'s rule). Empty when none does.
///
/// `decide(granter, granted, replaced)` is the app's decision — typically its policy — for a
/// granter holding one catalog role (as it stands in the scope), granting `granted` (`None`: a
/// revocation) in place of `replaced`. Every role held × every role granted or none × every role
/// replaced or none is tried. Refusing more than the rule (asking `user:admin` too, say) is the
/// app's business and not reported; allowing more is.
///
/// ```
/// use authz_actix::{escalation, Actor, Catalog, Permission, PermissionDef, RoleDef};
///
/// const READ: Permission = Permission::new("doc:read");
/// const ADMIN: Permission = Permission::new("user:admin");
/// static CATALOG: Catalog = Catalog::new(
///     &[PermissionDef { permission: READ, description: "Read" }, PermissionDef { permission: ADMIN, description: "Members" }],
///     &[RoleDef { name: "owner", permissions: &[READ, ADMIN] }, RoleDef { name: "reader", permissions: &[READ] }, RoleDef { name: "steward", permissions: &[ADMIN] }],
/// );
///
/// // Asking only for user:admin lets a steward hand out reading it never had.
/// let naive = |granter: &Actor, _: Option<&str>, _: &[&str]| granter.has(ADMIN);
/// let found = authz_actix::test::escalations(&CATALOG, naive);
/// assert!(found.iter().any(|case| case.starts_with("steward grants reader")));
///
/// let sound = |granter: &Actor, granted: Option<&str>, replaced: &[&str]| {
///     granter.has(ADMIN) && escalation::may_grant(granter, &CATALOG, granted.unwrap_or("steward"), replaced).unwrap().is_allowed()
/// };
/// assert_eq!(authz_actix::test::escalations(&CATALOG, sound), Vec::<String>::new());
/// ```
pub fn escalations(
    catalog: &'static authz_core::Catalog,
    decide: impl Fn(&authz_core::Actor, Option<&str>, &[&str]) -> bool,
) -> Vec<String> {
    let roles: Vec<&'static str> = catalog.roles().iter().map(|r| r.name).collect();
    let mut found = Vec::new();
    for held in &roles {
        let Ok(granter) = catalog.actor(0, [*held]) else { continue };
        for granted in roles.iter().map(|r| Some(*r)).chain([None]) {
            for replaced in roles.iter().map(|r| vec![*r]).chain([Vec::new()]) {
                let involved: Vec<&str> =
                    granted.into_iter().chain(replaced.iter().copied()).collect();
                let lacks = authz_core::escalation::unheld(&granter, catalog, &involved)
                    .unwrap_or_default();
                if !lacks.is_empty() && decide(&granter, granted, &replaced) {
                    let what = match granted {
                        Some(role) => format!("{held} grants {role}"),
                        None => format!("{held} revokes"),
                    };
                    let names: Vec<&str> = lacks.iter().map(|p| p.as_str()).collect();
                    found.push(format!(
                        "{what} replacing {replaced:?}, lacking {}",
                        names.join(", ")
                    ));
                }
            }
        }
    }
    found
}

/// Where a list query and its policy disagree: rows the list returned that the policy refuses,
/// and rows the policy allows that the list left out (by id).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListDisagreement<Id> {
    /// Listed, but the policy refuses them (the list leaks).
    pub leaked: Vec<Id>,
    /// Allowed by the policy, but not listed (the list hides).
    pub missing: Vec<Id>,
}

impl<Id: std::fmt::Debug> std::fmt::Display for ListDisagreement<Id> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the list and the policy disagree: listed but refused {:?}; allowed but not listed {:?}",
            self.leaked, self.missing
        )
    }
}

/// Holds a list to its policy: `listed` (what the list query returned for an actor) must be
/// exactly the rows of `all` that `allows` lets that actor see — the check behind a policy's list
/// form, meant for property tests over random rows, actors and grants.
///
/// ```
/// # struct Row { id: i64, public: bool }
/// let all = [Row { id: 1, public: true }, Row { id: 2, public: false }];
/// let listed = [1, 2];
/// let found = authz_actix::test::list_agrees(&all, &listed, |r| r.id, |r| r.public).unwrap_err();
/// assert_eq!(found.leaked, [2]);
/// ```
pub fn list_agrees<T, Id: PartialEq + Clone>(
    all: &[T],
    listed: &[Id],
    id: impl Fn(&T) -> Id,
    allows: impl Fn(&T) -> bool,
) -> Result<(), ListDisagreement<Id>> {
    let mut found = ListDisagreement { leaked: Vec::new(), missing: Vec::new() };
    for row in all {
        let key = id(row);
        match (listed.contains(&key), allows(row)) {
            (true, false) => found.leaked.push(key),
            (false, true) => found.missing.push(key),
            _ => {}
        }
    }
    // A listed id that is no row at all leaks too.
    for key in listed {
        if !all.iter().any(|row| id(row) == *key) {
            found.leaked.push(key.clone());
        }
    }
    if found.leaked.is_empty() && found.missing.is_empty() { Ok(()) } else { Err(found) }
}
