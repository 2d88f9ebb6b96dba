//! The names every front end's decision telemetry uses: the metrics, and the `outcome` and
//! `reason` label values. The recording is the front end's (`authz_actix::telemetry`,
//! `authz_axum::Telemetry`), through the `metrics` facade; the names are here so that a
//! dashboard reads the same series whichever framework serves.

/// Counts of decisions, by route, method, outcome and reason.
pub const DECISIONS: &str = "authz_decisions_total";
/// Seconds from a request reaching the gate to the gate's verdict.
pub const DECISION_DURATION: &str = "authz_decision_duration_seconds";
/// Seconds the app's resolver took, for the requests the gate resolved.
pub const RESOLVER_DURATION: &str = "authz_resolver_duration_seconds";
/// Seconds the grant store took to answer for an actor's roles in a scope (cache misses only).
pub const GRANT_STORE_DURATION: &str = "authz_grant_store_duration_seconds";
/// Requests refused because the framework routed them to something authz did not declare.
pub const UNDECLARED: &str = "authz_undeclared_requests_total";

/// How a decision went: the `outcome` label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// Served.
    Allow,
    /// Refused: the actor may not (a `403`, or a `404` hiding the resource).
    Deny,
    /// There is nothing there (a `404` that hides nothing).
    NotFound,
    /// Refused for want of an actor (`401`).
    Unauthenticated,
    /// Authorization could not be decided (`500`).
    Error,
}

impl Outcome {
    #[doc(hidden)]
    pub const ALL: [Outcome; 5] = [
        Outcome::Allow,
        Outcome::Deny,
        Outcome::NotFound,
        Outcome::Unauthenticated,
        Outcome::Error,
    ];

    /// The audit event's `decision`: `allow`, `not_found`, or `deny` for every refusal.
    pub const fn decision(self) -> &'static str {
        match self {
            Outcome::Allow => "allow",
            Outcome::NotFound => "not_found",
            _ => "deny",
        }
    }

    /// The label value.
    pub const fn label(self) -> &'static str {
        match self {
            Outcome::Allow => "allow",
            Outcome::Deny => "deny",
            Outcome::NotFound => "not_found",
            Outcome::Unauthenticated => "unauthenticated",
            Outcome::Error => "error",
        }
    }
}

/// What decided: the `reason` label, and the audit event's `reason` text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reason {
    /// The requirement was met (`allow`), or not (`deny`), by global permissions or roles in the
    /// route's scope.
    Requirement,
    /// The actor holds no role in the scope the path names.
    NoRoleInScope,
    /// The path's scope id is not one (not a canonical number).
    NoSuchScope,
    /// No actor was established.
    NoActor,
    /// A service-level policy refused, after the gate allowed.
    Policy,
    /// The service found no such resource.
    Missing,
    /// The app's resolver failed or panicked.
    Resolver,
    /// The grant store failed or panicked.
    GrantStore,
    /// The handler panicked.
    Panic,
    /// The app is misassembled: routing is not observed, a scoped route has no `Grants`, a
    /// record cannot be enforced.
    Misconfigured,
}

impl Reason {
    #[doc(hidden)]
    pub const COUNT: usize = 10;

    /// The label value.
    pub const fn label(self) -> &'static str {
        match self {
            Reason::Requirement => "requirement",
            Reason::NoRoleInScope => "no_role_in_scope",
            Reason::NoSuchScope => "no_such_scope",
            Reason::NoActor => "no_actor",
            Reason::Policy => "policy",
            Reason::Missing => "missing",
            Reason::Resolver => "resolver",
            Reason::GrantStore => "grant_store",
            Reason::Panic => "panic",
            Reason::Misconfigured => "misconfigured",
        }
    }

    #[doc(hidden)]
    pub const fn index(self) -> usize {
        self as usize
    }
}
