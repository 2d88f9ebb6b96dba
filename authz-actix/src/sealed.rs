//! The traits only generated code implements: `Sealed`, which keeps [`Declared`](crate::Declared)
//! to the macros' handlers, and `PolicyRecord`, a `#[policy]` function's record.

use authz_core::PolicyMeta;

/// The supertrait that keeps [`Declared`](crate::Declared) to what the macros generate. Implementing it by
/// hand gains nothing: authz builds a declared handler's resource from its record alone.
pub trait Sealed {}

/// The record of a function marked `#[policy]`, implemented on the braced struct the marker
/// emits under the function's name. A route naming a function that is not marked reaches a
/// stand-in of the same name instead, which does not implement it: hence the message.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not marked `#[policy]`",
    label = "mark `{Self}` with `#[authz_actix::policy]`",
    note = "a route's `policy`, `filter` and `visibility` name functions marked `#[policy]`, whose records the matrix shows"
)]
pub trait PolicyRecord {
    /// The record.
    const META: &'static PolicyMeta;
}
