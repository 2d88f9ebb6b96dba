//! Decision telemetry: counters and latency histograms of authz's decisions, through the
//! [`metrics`] facade, so the app picks the exporter (Prometheus, StatsD, OpenTelemetry...).
//!
//! Off unless the app opts in with [`Telemetry`] as app data; off, a gated request pays a branch
//! where a decision would be counted. On, every decision the audit trail logs is also counted,
//! and the gate times itself and the resolver for one decision in 16 (per route and worker;
//! [`Telemetry::time_one_in`]), and every grant-store query:
//!
//! | metric | kind | labels |
//! |---|---|---|
//! | `authz_decisions_total` | counter | `route`, `method`, `outcome`, `reason` |
//! | `authz_decision_duration_seconds` | histogram | `route`, `method`, `outcome` |
//! | `authz_resolver_duration_seconds` | histogram | `outcome` (`actor`, `anonymous`, `failed`) |
//! | `authz_grant_store_duration_seconds` | histogram | `outcome` (`ok`, `error`) |
//! | `authz_undeclared_requests_total` | counter | `method` |
//!
//! `outcome` is one of [`Outcome`]'s labels (`allow`, `deny`, `not_found`, `unauthenticated`,
//! `error`), `reason` one of [`Reason`]'s. Every label value comes from a declaration or from
//! authz itself — the route pattern as declared, one of the route's declared methods (or `HEAD`
//! of a `GET` route) — never from what a client sends, so the number of series is bounded by
//! the routes. The decision histogram times the gate, from the request reaching it to its
//! verdict (resolver and grant store included, the handler not); a refusal a service makes
//! after the gate allowed is counted (`reason="policy"`) but timed under the gate's `allow`.
//!
//! ```
//! use actix_web::App;
//! # fn routes(_: &mut authz_actix::Routes<'_>) {}
//! // After installing the app's recorder (e.g. `metrics-exporter-prometheus`).
//! let telemetry = authz_actix::Telemetry::new();
//! let app = App::new()
//!     .app_data(telemetry)
//!     .configure(authz_actix::mount(routes));
//! ```
//!
//! Metric handles are registered with the recorder installed when a gate first needs one (per
//! worker), and kept: install the recorder before the server starts.

use std::cell::{Cell, OnceCell};
use std::fmt;
use std::num::{NonZeroU32, NonZeroU64};
use std::sync::Arc;

use actix_web::HttpRequest;
use actix_web::dev::ServiceRequest;
use actix_web::http::Method;
use authz_core::RouteMeta;
use metrics::{Counter, Histogram, Label, SharedString};

use crate::resolver::Resolution;

pub use authz_core::telemetry::{
    DECISION_DURATION, DECISIONS, GRANT_STORE_DURATION, Outcome, RESOLVER_DURATION, Reason,
    UNDECLARED,
};

/// The opt-in for decision telemetry, as app data (`App::new().app_data(Telemetry::new())`).
/// See the [module docs](self).
#[derive(Clone)]
pub struct Telemetry {
    clock: quanta::Clock,
    one_in: NonZeroU32,
}

impl Telemetry {
    /// Telemetry timed by the CPU's time-stamp counter where it is reliable (the OS clock
    /// otherwise), calibrated now; describes the metrics to the recorder installed now.
    pub fn new() -> Self {
        Self::with_clock(quanta::Clock::new())
    }

    /// Telemetry timed by `clock` — a mock clock in tests (`quanta::Clock::mock`).
    pub fn with_clock(clock: quanta::Clock) -> Self {
        metrics::describe_counter!(
            DECISIONS,
            "Authorization decisions, by route, method, outcome and reason."
        );
        metrics::describe_histogram!(
            DECISION_DURATION,
            metrics::Unit::Seconds,
            "Time from a request reaching the authorization gate to its verdict."
        );
        metrics::describe_histogram!(
            RESOLVER_DURATION,
            metrics::Unit::Seconds,
            "Time the app's actor resolver took."
        );
        metrics::describe_histogram!(
            GRANT_STORE_DURATION,
            metrics::Unit::Seconds,
            "Time the grant store took to answer for an actor's roles in a scope."
        );
        metrics::describe_counter!(
            UNDECLARED,
            "Requests refused because they were routed to a service without a declaration."
        );
        Telemetry { clock, one_in: NonZeroU32::new(16).unwrap_or(NonZeroU32::MIN) }
    }

    /// Times one decision in `n` — per gate and worker, the first included — and every
    /// grant-store query; every decision is counted whatever `n`. The default is 16: a timed
    /// decision costs two clock readings and a histogram sample per histogram (with
    /// `metrics-exporter-prometheus`'s recorder, ~160 instructions a sample), which one in 16
    /// spreads to a few per request. `1` times every decision; `0` is taken as `1`.
    pub fn time_one_in(mut self, n: u32) -> Self {
        self.one_in = NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN);
        self
    }
}

impl Default for Telemetry {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Telemetry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Telemetry").finish_non_exhaustive()
    }
}

/// What the app opted in to, for one gate (per worker), looked up from the app data on the
/// gate's first request: telemetry's handles, and whether refusals are explained
/// ([`Explain`](crate::problem::Explain)). Off, every call below is one inlined branch.
#[derive(Default)]
pub(crate) struct Meter(OnceCell<Settings>);

struct Settings {
    on: Option<Box<On>>,
    explain: bool,
}

struct On {
    clock: quanta::Clock,
    one_in: u32,
    // Decisions until the next timed one.
    countdown: Cell<u32>,
    route: SharedString,
    methods: Box<[(Method, &'static str)]>,
    // Indexed by method slot (the declared methods, then HEAD, then any other), outcome and
    // reason.
    decisions: Box<[OnceCell<Counter>]>,
    // Indexed by method slot and outcome.
    durations: Box<[OnceCell<Histogram>]>,
    resolver: [OnceCell<Histogram>; 3],
    store: [OnceCell<Histogram>; 2],
}

/// When a request reached the gate, in clock ticks; `None` when telemetry is off or the
/// decision is not one of those timed.
#[derive(Clone, Copy)]
pub(crate) struct Started(Option<NonZeroU64>);

impl Started {
    pub(crate) const OFF: Started = Started(None);
}

impl Meter {
    #[inline]
    fn get(&self) -> Option<&On> {
        self.0.get().and_then(|settings| settings.on.as_deref())
    }

    /// Whether the app explains refusals: decision ids go in a response header.
    #[inline]
    pub(crate) fn explains(&self) -> bool {
        self.0.get().is_some_and(|settings| settings.explain)
    }

    /// The request reached the gate: when, if this decision is timed.
    #[inline]
    pub(crate) fn start(&self, req: &HttpRequest, route: &'static RouteMeta) -> Started {
        match self.0.get() {
            Some(Settings { on: None, .. }) => Started::OFF,
            Some(Settings { on: Some(on), .. }) => on.start(),
            None => self.init(req, route),
        }
    }

    #[cold]
    fn init(&self, req: &HttpRequest, route: &'static RouteMeta) -> Started {
        let settings = self.0.get_or_init(|| Settings {
            on: req.app_data::<Telemetry>().map(|t| On::new(t, req, route)),
            explain: req.app_data::<crate::problem::Explain>().is_some(),
        });
        settings.on.as_deref().map_or(Started::OFF, On::start)
    }

    /// Now, when telemetry is on: for what is timed whenever it happens (the grant store).
    #[inline]
    pub(crate) fn now(&self) -> Started {
        self.get().map_or(Started::OFF, On::now)
    }

    /// The gate decided to serve `req`, which reached it at `started`: timed, and counted when
    /// the handler has answered (a service may still refuse).
    #[inline]
    pub(crate) fn decided(&self, req: &HttpRequest, outcome: Outcome, started: Started) {
        if let (Started(Some(start)), Some(on)) = (started, self.get()) {
            on.decided(req.method(), outcome, start);
        }
    }

    /// One decision, as the audit trail logs it; timed too when the gate made it and it is
    /// timed (`started`).
    #[inline]
    pub(crate) fn count(
        &self,
        req: &HttpRequest,
        outcome: Outcome,
        reason: Reason,
        started: Started,
    ) {
        if let Some(on) = self.get() {
            on.count(req.method(), outcome, reason, started);
        }
    }

    /// The resolver answered `resolution`; `started` is when the gate asked it.
    #[inline]
    pub(crate) fn resolved(&self, started: Started, resolution: &Resolution) {
        if let (Started(Some(start)), Some(on)) = (started, self.get()) {
            let (slot, outcome) = match resolution {
                Resolution::Actor(_) => (0, "actor"),
                Resolution::Anonymous => (1, "anonymous"),
                Resolution::Failed => (2, "failed"),
            };
            on.time(
                start,
                &on.resolver[slot],
                || metrics::histogram!(RESOLVER_DURATION, "outcome" => outcome),
            );
        }
    }

    /// The grant store answered (`ok`), or failed; `asked` is when the gate asked it.
    pub(crate) fn stored(&self, asked: Started, ok: bool) {
        if let (Started(Some(start)), Some(on)) = (asked, self.get()) {
            let (slot, outcome) = if ok { (0, "ok") } else { (1, "error") };
            on.time(
                start,
                &on.store[slot],
                || metrics::histogram!(GRANT_STORE_DURATION, "outcome" => outcome),
            );
        }
    }
}

impl On {
    fn new(telemetry: &Telemetry, req: &HttpRequest, route: &'static RouteMeta) -> Box<On> {
        // The pattern actix matched: the declared path with its scope prefixes.
        let pattern = req.match_pattern().unwrap_or_else(|| route.path.to_owned());
        let methods: Box<[(Method, &'static str)]> = route
            .methods
            .iter()
            .filter_map(|m| Method::from_bytes(m.as_bytes()).ok().map(|parsed| (parsed, *m)))
            .chain([(Method::HEAD, "HEAD")])
            .collect();
        // The declared methods, HEAD, and a slot for anything else.
        let slots = methods.len() + 1;
        Box::new(On {
            clock: telemetry.clock.clone(),
            one_in: telemetry.one_in.get(),
            countdown: Cell::new(0),
            route: SharedString::from(Arc::<str>::from(pattern)),
            decisions: (0..slots * Outcome::ALL.len() * Reason::COUNT)
                .map(|_| OnceCell::new())
                .collect(),
            durations: (0..slots * Outcome::ALL.len()).map(|_| OnceCell::new()).collect(),
            methods,
            resolver: Default::default(),
            store: Default::default(),
        })
    }

    #[inline]
    fn start(&self) -> Started {
        match self.countdown.get() {
            0 => {
                self.countdown.set(self.one_in - 1);
                self.now()
            }
            left => {
                self.countdown.set(left - 1);
                Started::OFF
            }
        }
    }

    #[inline]
    fn now(&self) -> Started {
        // A reading of 0 is taken as 1: a tick off, where `Option<u64>` would double the size.
        Started(Some(NonZeroU64::new(self.clock.raw()).unwrap_or(NonZeroU64::MIN)))
    }

    fn decided(&self, method: &Method, outcome: Outcome, start: NonZeroU64) {
        let method = self.method_slot(method);
        let handle = &self.durations[method * Outcome::ALL.len() + outcome as usize];
        self.time(start, handle, || {
            metrics::histogram!(
                DECISION_DURATION,
                self.labels(method, &[("outcome", outcome.label())])
            )
        });
    }

    #[inline]
    fn count(&self, method: &Method, outcome: Outcome, reason: Reason, started: Started) {
        let slot = self.method_slot(method);
        let index = (slot * Outcome::ALL.len() + outcome as usize) * Reason::COUNT + reason.index();
        match self.decisions.get(index).and_then(OnceCell::get) {
            Some(counter) => counter.increment(1),
            None => self.first_count(index, slot, outcome, reason),
        }
        if let Started(Some(start)) = started {
            self.decided(method, outcome, start);
        }
    }

    /// The first decision of its kind at this gate: the counter registered, then counted. Out of
    /// line, so the counting path stays a lookup and an increment.
    #[cold]
    #[inline(never)]
    fn first_count(&self, index: usize, slot: usize, outcome: Outcome, reason: Reason) {
        let labels = self.labels(slot, &[("outcome", outcome.label()), ("reason", reason.label())]);
        if let Some(cell) = self.decisions.get(index) {
            cell.get_or_init(|| metrics::counter!(DECISIONS, labels)).increment(1);
        }
    }

    /// Records the seconds since `start` in `handle`, registered by `register` on first use.
    fn time(
        &self,
        start: NonZeroU64,
        handle: &OnceCell<Histogram>,
        register: impl FnOnce() -> Histogram,
    ) {
        let seconds = self.clock.delta_as_nanos(start.get(), self.clock.raw()) as f64 * 1e-9;
        handle.get_or_init(register).record(seconds);
    }

    #[inline]
    fn method_slot(&self, method: &Method) -> usize {
        self.methods.iter().position(|(m, _)| m == method).unwrap_or(self.methods.len())
    }

    fn labels(&self, method_slot: usize, more: &[(&'static str, &'static str)]) -> Vec<Label> {
        let method = self.methods.get(method_slot).map_or("OTHER", |(_, m)| m);
        [Label::new("route", self.route.clone()), Label::new("method", method)]
            .into_iter()
            .chain(more.iter().map(|(k, v)| Label::new(*k, *v)))
            .collect()
    }
}

/// The request behind a gate's `ServiceRequest`, or the one a response carries.
pub(crate) trait Http {
    fn http(&self) -> &HttpRequest;
}

impl Http for ServiceRequest {
    fn http(&self) -> &HttpRequest {
        self.request()
    }
}

impl Http for HttpRequest {
    fn http(&self) -> &HttpRequest {
        self
    }
}

impl<T: Http> Http for &T {
    fn http(&self) -> &HttpRequest {
        (**self).http()
    }
}

#[inline]
pub(crate) fn http<R: Http>(req: &R) -> &HttpRequest {
    req.http()
}

/// A request refused for want of a declaration, when the app opted in.
pub(crate) fn undeclared(telemetry: Option<&Telemetry>, method: &Method) {
    if telemetry.is_none() {
        return;
    }
    // Any method a client may spell is one label at most: the standard ones by name.
    let method = match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        Method::TRACE => "TRACE",
        Method::CONNECT => "CONNECT",
        _ => "OTHER",
    };
    metrics::counter!(UNDECLARED, "method" => method).increment(1);
}
