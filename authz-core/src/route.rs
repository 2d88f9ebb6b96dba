//! Route and policy records: what the macros know about handlers and policies.

use crate::decision::Deny;
use crate::requirement::Requirement;
use crate::scope::ScopeRef;

/// Everything one `#[require_permission]` or `#[public]` declares, as `static` data in the binary.
///
/// The gate checks requests against it; the matrix is rendered from it.
#[derive(Debug, Clone, Copy)]
pub struct RouteMeta {
    /// The handler function's name.
    pub handler: &'static str,
    /// `module_path!()` where the handler is declared.
    pub module: &'static str,
    /// Source file of the declaration.
    pub file: &'static str,
    /// Source line of the declaration.
    pub line: u32,
    /// HTTP methods, upper case, as the route attribute gives them (a `GET` route also answers
    /// `HEAD`, which is not listed).
    pub methods: &'static [&'static str],
    /// The path as written in the route attribute (scope prefixes not included).
    pub path: &'static str,
    /// Who may call the route.
    pub access: Access,
    /// The policy function the service applies, if any, and how.
    pub policy: Option<RoutePolicy>,
    /// The policy that decides whether the actor may know the resource exists: when it refuses,
    /// the service answers 404 whatever the route's denial (`visibility = ...`).
    pub visibility: Option<PolicyRef>,
    /// The operation, from `operation = "..."` or the first line of the handler's doc comment.
    pub operation: &'static str,
}

/// Who may call a route.
#[derive(Debug, Clone, Copy)]
pub enum Access {
    /// Anyone, authenticated or not, for the stated reason (`#[public("...")]`).
    Public {
        /// Why the route is open, as written in the marker; shown in the matrix.
        reason: &'static str,
        /// Why anyone may write through it (`writes = "..."`), for a route that accepts `POST`,
        /// `PUT`, `PATCH` or `DELETE`: the matrix's lints ask for it.
        writes: Option<&'static str>,
    },
    /// Callers meeting `requirement` (`#[require_permission(...)]`).
    Gated {
        /// What the caller must hold.
        requirement: Requirement,
        /// How a refusal is answered.
        deny: Deny,
        /// Where the requirement applies when it is scoped (`scope = team(path = "team_id")`):
        /// global permissions, or roles held in the scope the path names.
        scope: Option<ScopeRef>,
    },
}

impl RouteMeta {
    /// The requirement, for a gated route.
    pub fn requirement(&self) -> Option<&Requirement> {
        match &self.access {
            Access::Gated { requirement, .. } => Some(requirement),
            Access::Public { .. } => None,
        }
    }

    /// How a refusal is answered, for a gated route.
    pub fn deny(&self) -> Option<Deny> {
        match &self.access {
            Access::Gated { deny, .. } => Some(*deny),
            Access::Public { .. } => None,
        }
    }

    /// The requirement as the matrix JSON, API documents and audit events write it:
    /// `project:write`, `a OR b`, and for a scoped route `project:write in team {team_id}`
    /// (`(a OR b) in team {team_id}`). `None` for a public route.
    pub fn requirement_text(&self) -> Option<String> {
        let Access::Gated { requirement, scope, .. } = &self.access else { return None };
        let text = requirement.to_string();
        Some(match scope {
            Some(scope) if text.contains(' ') => format!("({text}) {}", scope.qualifier()),
            Some(scope) => format!("{text} {}", scope.qualifier()),
            None => text,
        })
    }

    /// Where the requirement applies, for a scoped route.
    pub fn scope(&self) -> Option<ScopeRef> {
        match &self.access {
            Access::Gated { scope, .. } => *scope,
            Access::Public { .. } => None,
        }
    }

    /// Whether the route is open to anyone.
    pub fn is_public(&self) -> bool {
        matches!(self.access, Access::Public { .. })
    }

    /// How the route answers an authenticated actor it does not serve: the matrix's
    /// "Unauthorized response", and the refusals an API document lists. The one place this is
    /// decided.
    pub fn refusals(&self) -> Refusals {
        let Access::Gated { requirement, deny, scope } = &self.access else {
            return Refusals::None;
        };
        // A list narrowed by its policy refuses no authenticated actor.
        if self.policy.is_some_and(RoutePolicy::filters)
            && matches!(requirement, Requirement::Authenticated)
        {
            return Refusals::Filtered;
        }
        if let Some(scope) = scope
            && scope.outsiders != *deny
        {
            return Refusals::HiddenFromOutsiders(*scope);
        }
        match (deny, self.visibility) {
            (Deny::NotFound, _) => Refusals::Hidden,
            (Deny::Forbidden, None) => Refusals::Forbidden,
            (Deny::Forbidden, Some(visibility)) => Refusals::HiddenOrForbidden(visibility),
        }
    }
}

/// How a route answers an authenticated actor it does not serve ([`RouteMeta::refusals`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusals {
    /// A public route refuses nobody.
    None,
    /// Every authenticated actor is served; the filter policy narrows the results.
    Filtered,
    /// `403`.
    Forbidden,
    /// `404`, identical to a missing resource.
    Hidden,
    /// `404` when this visibility policy refuses, else `403`.
    HiddenOrForbidden(PolicyRef),
    /// `404` to an actor holding no role in the route's scope, `403` to a member lacking the
    /// permission.
    HiddenFromOutsiders(ScopeRef),
}

impl Refusals {
    /// Every status the route can refuse with; a gated route also answers `401` without an actor.
    pub fn statuses(self) -> &'static [u16] {
        match self {
            Refusals::None => &[],
            Refusals::Filtered => &[401],
            Refusals::Forbidden => &[401, 403],
            Refusals::Hidden => &[401, 404],
            Refusals::HiddenOrForbidden(_) | Refusals::HiddenFromOutsiders(_) => &[401, 403, 404],
        }
    }
}

/// A policy a route's service applies, and how it applies it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoutePolicy {
    /// `policy = path`: the service refuses what the policy does not allow.
    Enforce(PolicyRef),
    /// `filter = path`: the service answers only what the policy lets the actor see.
    Filter(PolicyRef),
}

impl RoutePolicy {
    /// The policy function.
    pub fn policy(self) -> PolicyRef {
        match self {
            RoutePolicy::Enforce(p) | RoutePolicy::Filter(p) => p,
        }
    }

    /// Whether the policy narrows results rather than refusing the request.
    pub fn filters(self) -> bool {
        matches!(self, RoutePolicy::Filter(_))
    }
}

/// A reference to a policy function, as written in `policy = path::to::fn`, with the record its
/// `#[policy]` marker emits beside it.
#[derive(Debug, Clone, Copy)]
pub struct PolicyRef {
    /// The path as written, e.g. `policies::can_edit_project`.
    pub path: &'static str,
    /// The policy's record.
    pub meta: &'static PolicyMeta,
}

impl PartialEq for PolicyRef {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self.meta, other.meta)
            || (self.meta.module == other.meta.module && self.meta.name == other.meta.name)
    }
}

impl Eq for PolicyRef {}

impl PolicyRef {
    /// The function's name.
    pub fn name(&self) -> &'static str {
        self.meta.name
    }
}

/// What `#[policy]` records about a policy function.
#[derive(Debug, Clone, Copy)]
pub struct PolicyMeta {
    /// The function's name.
    pub name: &'static str,
    /// `module_path!()` of its declaration.
    pub module: &'static str,
    /// The first line of its doc comment.
    pub summary: &'static str,
    /// The rule in the matrix's words, from `#[policy(rule = "...")]`, e.g.
    /// `project:write OR owner`; shown as the requirement of routes that defer to this policy.
    pub rule: Option<&'static str>,
    /// The permissions its body names (literals, or the catalog's constants), as `#[policy]`
    /// read them: what the matrix's lints count as used.
    pub permissions: &'static [&'static str],
    /// Source file of the declaration.
    pub file: &'static str,
    /// Source line of the declaration.
    pub line: u32,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::permission::Permission;

    static VIEW: PolicyMeta = PolicyMeta {
        name: "can_view",
        module: "m",
        summary: "",
        rule: None,
        permissions: &[],
        file: "f",
        line: 1,
    };

    fn route(
        requirement: Requirement,
        deny: Deny,
        policy: Option<RoutePolicy>,
        visibility: Option<PolicyRef>,
    ) -> RouteMeta {
        RouteMeta {
            handler: "h",
            module: "m",
            file: "f",
            line: 1,
            methods: &["GET"],
            path: "/x",
            access: Access::Gated { requirement, deny, scope: None },
            policy,
            visibility,
            operation: "X",
        }
    }

    #[test]
    fn one_rule_says_how_a_route_refuses() {
        let view = PolicyRef { path: "can_view", meta: &VIEW };
        let read = Requirement::Permission(Permission::new("a:read"));
        // A filtered list refuses no authenticated actor, visibility policy or not.
        let list = route(
            Requirement::Authenticated,
            Deny::Forbidden,
            Some(RoutePolicy::Filter(view)),
            Some(view),
        );
        assert_eq!((list.refusals(), list.refusals().statuses()), (Refusals::Filtered, &[401][..]));
        assert_eq!(route(read, Deny::NotFound, None, None).refusals().statuses(), [401, 404]);
        assert_eq!(route(read, Deny::Forbidden, None, None).refusals().statuses(), [401, 403]);
        assert_eq!(
            route(read, Deny::Forbidden, Some(RoutePolicy::Enforce(view)), Some(view)).refusals(),
            Refusals::HiddenOrForbidden(view)
        );
        let team = ScopeRef { kind: "team", param: "team_id", outsiders: Deny::NotFound };
        let scoped = RouteMeta {
            access: Access::Gated { requirement: read, deny: Deny::Forbidden, scope: Some(team) },
            ..route(read, Deny::Forbidden, None, None)
        };
        assert_eq!(
            (scoped.refusals(), scoped.refusals().statuses()),
            (Refusals::HiddenFromOutsiders(team), &[401, 403, 404][..])
        );
        let hidden = RouteMeta {
            access: Access::Gated { requirement: read, deny: Deny::NotFound, scope: Some(team) },
            ..scoped
        };
        assert_eq!(hidden.refusals(), Refusals::Hidden);
        let public = RouteMeta {
            access: Access::Public { reason: "probes", writes: None },
            ..route(read, Deny::Forbidden, None, None)
        };
        assert_eq!(public.refusals().statuses(), [0u16; 0]);
    }
}
