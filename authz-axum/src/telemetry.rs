//! Decision telemetry on axum: the same metrics, labels and sampling as the actix front end
//! (`authz_core::telemetry` names them), through the [`metrics`] facade — the app installs the
//! exporter. Off unless the app opts in with [`App::telemetry`](crate::App::telemetry).
//!
//! | metric | kind | labels |
//! |---|---|---|
//! | `authz_decisions_total` | counter | `route`, `method`, `outcome`, `reason` |
//! | `authz_decision_duration_seconds` | histogram | `route`, `method`, `outcome` |
//! | `authz_resolver_duration_seconds` | histogram | `outcome` (`actor`, `anonymous`, `failed`) |
//! | `authz_grant_store_duration_seconds` | histogram | `outcome` (`ok`, `error`) |
//! | `authz_undeclared_requests_total` | counter | `method` |
//!
//! Every label value comes from a declaration or from authz: `route` is the pattern axum
//! matched (a declared full path), `method` one axum routed to a declared route (`OTHER` for
//! anything else), never what a client sent. Every decision is counted; one in 16 per route is timed
//! ([`Telemetry::time_one_in`]), as are all grant-store queries.

use std::fmt;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Instant;

use http::Method;

pub use authz_core::telemetry::{
    DECISION_DURATION, DECISIONS, GRANT_STORE_DURATION, Outcome, RESOLVER_DURATION, Reason,
    UNDECLARED,
};

use crate::resolver::Resolution;

/// The opt-in for decision telemetry. See the [module docs](self).
#[derive(Clone)]
pub struct Telemetry {
    one_in: u32,
}

impl Telemetry {
    /// Telemetry that times one decision in 16; describes the metrics to the recorder
    /// installed now.
    pub fn new() -> Self {
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
        Telemetry { one_in: 16 }
    }

    /// Times one decision in `n` per route (the first included); every decision is counted
    /// whatever `n`.
    /// `1` times every decision; `0` is taken as `1`.
    pub fn time_one_in(mut self, n: u32) -> Self {
        self.one_in = n.max(1);
        self
    }

    /// When a decision on a route starts (`seen` counts the route's decisions): `Some` for the
    /// ones timed.
    pub(crate) fn start(&self, seen: Option<&AtomicU32>) -> Option<Instant> {
        let seen = seen?.fetch_add(1, Ordering::Relaxed);
        seen.is_multiple_of(self.one_in).then(Instant::now)
    }

    /// Counts one decision.
    pub(crate) fn count(&self, route: &str, method: &Method, outcome: Outcome, reason: Reason) {
        metrics::counter!(
            DECISIONS,
            "route" => route.to_owned(),
            "method" => method_label(method),
            "outcome" => outcome.label(),
            "reason" => reason.label()
        )
        .increment(1);
    }

    /// The gate's verdict, for a timed decision.
    pub(crate) fn decided(
        &self,
        route: &str,
        method: &Method,
        outcome: Outcome,
        started: Option<Instant>,
    ) {
        if let Some(started) = started {
            metrics::histogram!(
                DECISION_DURATION,
                "route" => route.to_owned(),
                "method" => method_label(method),
                "outcome" => outcome.label()
            )
            .record(started.elapsed().as_secs_f64());
        }
    }

    /// The resolver's answer, for a timed decision.
    pub(crate) fn resolved(&self, started: Option<Instant>, resolution: &Resolution) {
        if let Some(started) = started {
            let outcome = match resolution {
                Resolution::Actor(_) => "actor",
                Resolution::Anonymous => "anonymous",
                Resolution::Failed => "failed",
            };
            metrics::histogram!(RESOLVER_DURATION, "outcome" => outcome)
                .record(started.elapsed().as_secs_f64());
        }
    }

    /// A grant-store query, asked at `asked`.
    pub(crate) fn stored(&self, asked: Instant, ok: bool) {
        metrics::histogram!(GRANT_STORE_DURATION, "outcome" => if ok { "ok" } else { "error" })
            .record(asked.elapsed().as_secs_f64());
    }

    /// A request refused because no declared endpoint answered it.
    pub(crate) fn undeclared(&self, method: &Method) {
        metrics::counter!(UNDECLARED, "method" => method_label(method)).increment(1);
    }
}

impl Default for Telemetry {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Telemetry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Telemetry").field("one_in", &self.one_in).finish_non_exhaustive()
    }
}

/// A method as a label value: the standard ones by name, anything else `OTHER`.
fn method_label(method: &Method) -> &'static str {
    match *method {
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
    }
}
