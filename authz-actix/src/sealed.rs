//! The trait only generated code implements: `Sealed`, which keeps [`Declared`](crate::Declared)
//! to the macros' handlers. (A `#[policy]` function's record, `PolicyRecord`, is authz-core's:
//! one policy serves routes of every front end.)

/// The supertrait that keeps [`Declared`](crate::Declared) to what the macros generate. Implementing it by
/// hand gains nothing: authz builds a declared handler's resource from its record alone.
pub trait Sealed {}
