//! The registry: every `#[require_permission]`, `#[public]` and `#[policy]` in the program, as data
//! linked into the binary.
//!
//! Each declaration contributes one record to a `linkme` distributed slice: `static` data gathered
//! by the linker, with no code run before `main` and nothing to register by hand. On a target
//! linkme does not support the build fails rather than the registry coming back empty. A gate
//! reads its own record, so what the matrix documents is what the gate enforces.

use crate::route::{PolicyMeta, RouteMeta};

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
