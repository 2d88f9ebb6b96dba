//! Conformance: the matrix as a test oracle. Every route × method × actor is sent as a real
//! request to a fresh app, and the answer is compared with what the matrix says — or, where the
//! matrix defers to a policy, with what the app's own oracle says.
//!
//! The suite is framework-free; each front end sends its requests (`authz_actix::conformance`,
//! `authz_axum::conformance`: `use ...::conformance::Run` for `Suite::run`).
//!
//! ```ignore
//! use authz_actix::conformance::{Caller, Expected, Run, Suite};
//!
//! let report = Suite::new(authz_actix::routes::matrix(routes, Some(&CATALOG)))
//!     .actor(Caller::anonymous("anonymous"))
//!     .actor(Caller::invalid("malformed token"))
//!     .actor(Caller::with_roles("alice (admin)", &["admin"]))
//!     .actor(Caller::with_roles("bob (member, owner)", &["member"]))
//!     .param("id", "1")
//!     .body("POST", "/projects", "application/json", r#"{"name":"x"}"#)
//!     .oracle(|cell| match (cell.method(), cell.actor()) { /* policy rows */ _ => Expected::Skip })
//!     .run(|| async { fresh_app_and_credentials().await })
//!     .await;
//! report.assert_clean(); // panics listing every mismatch
//! println!("{report}");   // cells checked, mismatches, positive controls
//! ```
//!
//! For each cell the expected answer is, in order:
//! 1. a public route: any 2xx, for everyone;
//! 2. an anonymous or invalid-credential actor: 401;
//! 3. the matrix outcome for the actor's roles: `allowed` → 2xx, `denied (N)` → N;
//! 4. rows where the matrix says "depends on policy", "filtered", or (scoped routes) depends on
//!    the actor's roles in the scope the path names: the app's oracle (`Skip` to
//!    leave the cell unchecked, counted as such).
//!
//! Every route with a refused cell must also have a *positive control*: some actor that gets a 2xx
//! on it, so a route that refuses everyone (a broken fixture, a dead handler) cannot pass for a
//! well-guarded one.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;

use crate::matrix::{Endpoint, Matrix, RoleOutcome};

/// Who sends a cell's request.
#[derive(Debug, Clone)]
pub struct Caller {
    name: String,
    kind: Kind,
}

#[derive(Debug, Clone)]
enum Kind {
    Anonymous,
    Invalid,
    Roles(Vec<&'static str>),
}

impl Caller {
    /// No credentials at all.
    pub fn anonymous(name: impl Into<String>) -> Self {
        Caller { name: name.into(), kind: Kind::Anonymous }
    }

    /// Credentials that must not authenticate (malformed, revoked, ...): expected to get 401.
    pub fn invalid(name: impl Into<String>) -> Self {
        Caller { name: name.into(), kind: Kind::Invalid }
    }

    /// An authenticated actor holding `roles`.
    pub fn with_roles(name: impl Into<String>, roles: &[&'static str]) -> Self {
        Caller { name: name.into(), kind: Kind::Roles(roles.to_vec()) }
    }

    /// The actor's name, as the fixture's credentials are keyed.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The roles of an authenticated actor; empty for anonymous and invalid ones.
    pub fn roles(&self) -> &[&'static str] {
        match &self.kind {
            Kind::Roles(roles) => roles,
            _ => &[],
        }
    }
}

/// What a cell should answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expected {
    /// Any 2xx.
    Success,
    /// Exactly this status.
    Status(u16),
    /// Not checked (the oracle has no answer for this cell).
    Skip,
}

impl fmt::Display for Expected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expected::Success => f.write_str("2xx"),
            Expected::Status(s) => write!(f, "{s}"),
            Expected::Skip => f.write_str("unchecked"),
        }
    }
}

/// One route × method × actor.
#[derive(Debug)]
pub struct Cell<'a> {
    endpoint: &'a Endpoint,
    actor: &'a Caller,
    uri: &'a str,
}

impl Cell<'_> {
    /// The route pattern, e.g. `/projects/{id}`.
    pub fn path(&self) -> &str {
        &self.endpoint.path
    }

    /// The method.
    pub fn method(&self) -> &str {
        &self.endpoint.method
    }

    /// The actor's name.
    pub fn actor(&self) -> &str {
        self.actor.name()
    }

    /// The concrete URI sent.
    pub fn uri(&self) -> &str {
        self.uri
    }
}

/// One cell's request, for the front end to send.
#[derive(Debug, Clone)]
pub struct Request {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The path with its parameters filled in.
    pub uri: String,
    /// The actor's headers, then `content-type` when the cell has a body.
    pub headers: Vec<(String, String)>,
    /// The body (empty for most cells).
    pub body: Vec<u8>,
}

/// Headers each actor sends, keyed by actor name; built by the fixture with every fresh app, so
/// tokens issued per database work.
pub type Credentials = HashMap<String, Vec<(String, String)>>;

/// A cell whose answer differed from the oracle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// `METHOD /path`.
    pub route: String,
    /// The actor's name.
    pub actor: String,
    /// What the oracle expected.
    pub expected: String,
    /// The status received.
    pub actual: u16,
}

/// What a run found.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Cells sent.
    pub cells: usize,
    /// Cells compared with an expectation.
    pub checked: usize,
    /// Cells the oracle left unchecked.
    pub unchecked: usize,
    /// Cells that were refused (expected and received a non-2xx).
    pub refused: usize,
    /// Cells whose answer differed.
    pub mismatches: Vec<Mismatch>,
    /// Routes with refused cells but no actor that got a 2xx.
    pub without_positive_control: Vec<String>,
}

impl Report {
    /// Whether every checked cell matched and every refusing route has a positive control.
    pub fn is_clean(&self) -> bool {
        self.mismatches.is_empty() && self.without_positive_control.is_empty() && self.checked > 0
    }

    /// Panics with the report unless it is clean.
    #[track_caller]
    pub fn assert_clean(&self) {
        assert!(self.is_clean(), "authorization conformance failed:\n{self}");
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} cells: {} checked ({} refused), {} unchecked; {} mismatches; {} routes without a positive control",
            self.cells,
            self.checked,
            self.refused,
            self.unchecked,
            self.mismatches.len(),
            self.without_positive_control.len()
        )?;
        for m in &self.mismatches {
            writeln!(
                f,
                "  MISMATCH {} as {}: expected {}, got {}",
                m.route, m.actor, m.expected, m.actual
            )?;
        }
        for r in &self.without_positive_control {
            writeln!(f, "  NO POSITIVE CONTROL {r}: every actor was refused")?;
        }
        Ok(())
    }
}

type Oracle = Box<dyn Fn(&Cell<'_>) -> Expected>;

/// The conformance run. See the [module docs](self).
pub struct Suite {
    matrix: Matrix,
    actors: Vec<Caller>,
    params: Vec<(String, String)>,
    bodies: Vec<(String, String, String, Vec<u8>)>,
    oracle: Option<Oracle>,
}

impl fmt::Debug for Suite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Suite")
            .field("endpoints", &self.matrix.endpoints().len())
            .field("actors", &self.actors)
            .finish()
    }
}

impl Suite {
    /// Checks the app against `matrix` (build it from the app's routes and catalog).
    pub fn new(matrix: Matrix) -> Self {
        Suite { matrix, actors: Vec::new(), params: Vec::new(), bodies: Vec::new(), oracle: None }
    }

    /// Adds an actor.
    pub fn actor(mut self, actor: Caller) -> Self {
        self.actors.push(actor);
        self
    }

    /// Fills path parameter `{name}` with `value` in every route.
    pub fn param(mut self, name: &str, value: &str) -> Self {
        self.params.push((format!("{{{name}}}"), value.to_owned()));
        self
    }

    /// Sends `body` with `content_type` on `method path` (the route pattern).
    pub fn body(
        mut self,
        method: &str,
        path: &str,
        content_type: &str,
        body: impl Into<Vec<u8>>,
    ) -> Self {
        self.bodies.push((
            method.to_owned(),
            path.to_owned(),
            content_type.to_owned(),
            body.into(),
        ));
        self
    }

    /// The app's oracle for cells the matrix leaves to a policy.
    pub fn oracle(mut self, oracle: impl Fn(&Cell<'_>) -> Expected + 'static) -> Self {
        self.oracle = Some(Box::new(oracle));
        self
    }

    fn expected(&self, cell: &Cell<'_>) -> Expected {
        if cell.endpoint.route.is_public() {
            return Expected::Success;
        }
        let roles = match &cell.actor.kind {
            Kind::Anonymous | Kind::Invalid => return Expected::Status(401),
            Kind::Roles(roles) => roles,
        };
        match self.matrix.roles_outcome(roles, cell.endpoint) {
            Some(RoleOutcome::Public | RoleOutcome::Allowed) => Expected::Success,
            // Refused by its global roles, an actor may still hold a role in the path's scope.
            Some(RoleOutcome::Denied(status)) if cell.endpoint.route.scope().is_none() => {
                Expected::Status(status)
            }
            // Scoped rows: whether the actor holds a role in the scope the path names, and
            // whether that scope exists, is the app's data.
            Some(
                RoleOutcome::DependsOnPolicy(_)
                | RoleOutcome::Filtered(_)
                | RoleOutcome::InScope(_)
                | RoleOutcome::DeniedInScope(..)
                | RoleOutcome::Denied(_),
            )
            | None => self.oracle.as_ref().map_or(Expected::Skip, |oracle| oracle(cell)),
        }
    }

    /// Runs every cell against a fresh app from `fixture` (which also returns each actor's
    /// headers), sending each cell's request with `send` and comparing the status it returns.
    /// Each front end's `conformance::Run::run` calls this with its framework's way of sending a
    /// request.
    pub async fn run_with<F, Fut, A, S, SFut>(&self, fixture: F, send: S) -> Report
    where
        F: Fn() -> Fut,
        Fut: Future<Output = (A, Credentials)>,
        S: Fn(A, Request) -> SFut,
        SFut: Future<Output = u16>,
    {
        let mut report = Report::default();
        let mut controlled: HashMap<String, bool> = HashMap::new();
        let mut refusing: Vec<String> = Vec::new();
        for endpoint in self.matrix.endpoints() {
            let route = format!("{} {}", endpoint.method, endpoint.path);
            // A public service answers any method: it is asked with `GET`.
            let method = if endpoint.method == "*" { "GET" } else { endpoint.method.as_str() };
            let mut uri = endpoint.path.clone();
            for (param, value) in &self.params {
                uri = uri.replace(param.as_str(), value);
            }
            for actor in &self.actors {
                let cell = Cell { endpoint, actor, uri: &uri };
                let expected = self.expected(&cell);
                let (app, credentials) = fixture().await;
                let mut request = Request {
                    method: method.to_owned(),
                    uri: uri.clone(),
                    headers: credentials.get(actor.name()).cloned().unwrap_or_default(),
                    body: Vec::new(),
                };
                if let Some((_, _, content_type, body)) = self
                    .bodies
                    .iter()
                    .find(|(m, p, _, _)| *m == endpoint.method && *p == endpoint.path)
                {
                    request.headers.push(("content-type".to_owned(), content_type.clone()));
                    request.body = body.clone();
                }
                let actual = send(app, request).await;
                report.cells += 1;
                let success = (200..300).contains(&actual);
                let control = controlled.entry(route.clone()).or_insert(false);
                *control |= success;
                if !success && !refusing.contains(&route) {
                    refusing.push(route.clone());
                }
                let matches = match expected {
                    Expected::Skip => {
                        report.unchecked += 1;
                        continue;
                    }
                    Expected::Success => success,
                    Expected::Status(status) => status == actual,
                };
                report.checked += 1;
                if !success && matches {
                    report.refused += 1;
                }
                if !matches {
                    report.mismatches.push(Mismatch {
                        route: route.clone(),
                        actor: actor.name().to_owned(),
                        expected: expected.to_string(),
                        actual,
                    });
                }
            }
        }
        // Every route that refused someone must have served someone.
        report.without_positive_control =
            refusing.into_iter().filter(|r| !controlled.get(r).copied().unwrap_or(false)).collect();
        report
    }
}
