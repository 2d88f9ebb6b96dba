//! Decisions, denial kinds and the [`Authorizer`] that turns a refusal into an error.

use core::fmt;

/// The outcome of a policy: allowed or not, and why.
///
/// Policies may return `bool`; returning a `Decision` adds a reason for the audit log, and
/// optionally ([`show`](Self::show)) a reason that is safe to show the client, which an app that
/// explains refusals puts in a `403`'s body (never a `404`'s).
///
/// ```
/// use authz_core::Decision;
///
/// let d = Decision::deny("project 7 archived by job 42 on 2026-11-30").show("archived");
/// assert!(!d.is_allowed());
/// assert_eq!(d.reason(), "project 7 archived by job 42 on 2026-11-30");
/// assert_eq!(d.shown(), Some("archived"));
/// assert!(Decision::from(true).is_allowed());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use = "a decision does nothing until passed to `Authorizer::require`"]
pub struct Decision {
    allowed: bool,
    reason: &'static str,
    shown: Option<&'static str>,
}

impl Decision {
    /// Allowed, for `reason`.
    pub const fn allow(reason: &'static str) -> Self {
        Decision { allowed: true, reason, shown: None }
    }

    /// Refused, for `reason` (logged, never shown).
    pub const fn deny(reason: &'static str) -> Self {
        Decision { allowed: false, reason, shown: None }
    }

    /// The same decision with `text` as the reason the client may be shown: a word or a phrase
    /// that names no permission, policy or other resource (`"archived"`, `"locked"`).
    pub const fn show(self, text: &'static str) -> Self {
        Decision { shown: Some(text), ..self }
    }

    /// The reason the client may be shown, if the policy gave one.
    pub const fn shown(&self) -> Option<&'static str> {
        self.shown
    }

    /// Whether the action may proceed.
    pub const fn is_allowed(&self) -> bool {
        self.allowed
    }

    /// Why, for logs.
    pub const fn reason(&self) -> &'static str {
        self.reason
    }
}

impl From<bool> for Decision {
    fn from(allowed: bool) -> Self {
        if allowed { Decision::allow("policy allowed") } else { Decision::deny("policy refused") }
    }
}

/// How a refusal is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Deny {
    /// `403 Forbidden`: the actor may know the resource exists but may not do this.
    Forbidden,
    /// `404 Not Found`, identical to a genuinely missing resource: existence stays hidden.
    NotFound,
}

impl Deny {
    /// The HTTP status code this denial answers with.
    pub const fn status(self) -> u16 {
        AuthzError::from_deny(self).status()
    }
}

impl fmt::Display for Deny {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.status())
    }
}

/// Why a request was refused. The messages are generic on purpose: they never name a permission,
/// a policy or whether the resource exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub enum AuthzError {
    /// No actor could be established.
    #[error("authentication required")]
    Unauthenticated,
    /// The actor may not do this.
    #[error("forbidden")]
    Forbidden,
    /// Hidden from this actor: answered exactly as a missing resource (`404`), so the two are
    /// indistinguishable on purpose — what [`Deny::NotFound`] refuses with.
    #[error("not found")]
    NotFound,
    /// The resource does not exist. Answered byte for byte as [`NotFound`](Self::NotFound); only
    /// the audit log tells the two apart ("not found" rather than a denial).
    #[error("not found")]
    Missing,
}

impl AuthzError {
    /// The HTTP status code of this refusal — the one place the mapping is written.
    pub const fn status(self) -> u16 {
        match self {
            AuthzError::Unauthenticated => 401,
            AuthzError::Forbidden => 403,
            AuthzError::NotFound | AuthzError::Missing => 404,
        }
    }

    const fn from_deny(deny: Deny) -> Self {
        match deny {
            Deny::Forbidden => AuthzError::Forbidden,
            Deny::NotFound => AuthzError::NotFound,
        }
    }
}

impl From<Deny> for AuthzError {
    fn from(deny: Deny) -> Self {
        AuthzError::from_deny(deny)
    }
}

/// A policy's refusal: the error it answers with, and the decision's reasons — the one logged
/// (in the audit event, as `policy_reason`), and the one that may be shown. Converts into the
/// bare [`AuthzError`] (`?` in a function returning `Result<_, AuthzError>`), losing the reasons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Refused {
    /// How the refusal is answered.
    pub error: AuthzError,
    /// Why, for the log; empty when the refusal came from a bare `AuthzError`.
    pub reason: &'static str,
    /// Why, for the client (`Decision::show`).
    pub shown: Option<&'static str>,
}

impl From<AuthzError> for Refused {
    fn from(error: AuthzError) -> Self {
        Refused { error, reason: "", shown: None }
    }
}

impl From<Refused> for AuthzError {
    fn from(refused: Refused) -> Self {
        refused.error
    }
}

impl PartialEq<AuthzError> for Refused {
    fn eq(&self, other: &AuthzError) -> bool {
        self.error == *other
    }
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.error, f)
    }
}

impl std::error::Error for Refused {}

/// Turns policy decisions into errors, so services read "load, authorize, then mutate":
///
/// ```
/// use authz_core::{Authorizer, AuthzError, Deny};
///
/// # struct Project { is_public: bool }
/// fn can_view(p: &Project) -> bool { p.is_public }
///
/// let private = Project { is_public: false };
/// let refused = Authorizer::require(can_view(&private), Deny::NotFound).unwrap_err();
/// assert_eq!(refused.error, AuthzError::NotFound);
/// assert_eq!(Authorizer::require(true, Deny::Forbidden), Ok(()));
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Authorizer;

impl Authorizer {
    /// `Ok(())` when `decision` allows; otherwise the error `deny` names, with the decision's
    /// reasons.
    pub fn require(decision: impl Into<Decision>, deny: Deny) -> Result<(), Refused> {
        let decision = decision.into();
        // Not logged here: the HTTP layer audits the refusal with its route; other callers (jobs,
        // CLIs) know their context and log it themselves.
        if decision.is_allowed() {
            Ok(())
        } else {
            Err(Refused { error: deny.into(), reason: decision.reason, shown: decision.shown })
        }
    }
}
