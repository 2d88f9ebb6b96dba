//! The registry: every `#[require_permission]`, `#[public]` and `#[policy]` in the program, as data
//! linked into the binary.
//!
//! Each declaration contributes one record to a `linkme` distributed slice: `static` data gathered
//! by the linker, with no code run before `main` and nothing to register by hand. On a target
//! linkme does not support the build fails rather than the registry coming back empty. A gate
//! reads its own record, so what the matrix documents is what the gate enforces.

use crate::route::{PolicyMeta, PolicyRef, RouteMeta};

#[doc(hidden)]
#[linkme::distributed_slice]
pub static ROUTES: [RouteMeta];

#[doc(hidden)]
#[linkme::distributed_slice]
pub static POLICIES: [PolicyMeta];

/// Every route record linked into this binary, in no particular order.
pub fn routes() -> &'static [RouteMeta] {
    &ROUTES
}

/// Every policy record linked into this binary, in no particular order.
pub fn policies() -> &'static [PolicyMeta] {
    &POLICIES
}

/// The record of `handler` declared in `module`.
pub fn find(module: &str, handler: &str) -> Option<&'static RouteMeta> {
    ROUTES.iter().find(|r| r.module == module && r.handler == handler)
}

/// The record of the policy `policy` refers to, when that function is marked `#[policy]`.
///
/// Found by name; when several modules declare a policy of that name, the one whose module path
/// ends with the written path's module part is chosen.
pub fn policy(policy: PolicyRef) -> Option<&'static PolicyMeta> {
    let name = policy.name();
    let mut candidates = POLICIES.iter().filter(|p| p.name == name);
    let first = candidates.next()?;
    let qualifier = policy.path.strip_suffix(name).map(|q| q.trim_end_matches("::")).unwrap_or_default();
    let qualifier = qualifier.trim_start_matches("crate::").trim_start_matches("self::");
    if qualifier.is_empty() {
        return Some(first);
    }
    std::iter::once(first).chain(candidates).find(|p| p.module.ends_with(qualifier)).or(Some(first))
}
