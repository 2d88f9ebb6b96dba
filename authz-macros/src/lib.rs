//! Procedural macros for authz.
//!
//! Do not depend on this crate directly: `authz-actix` re-exports its macros and documents them,
//! and the code they generate names only `::authz_actix::__private`.
//!
//! Each macro is parse → check → emit: `ast.rs` reads the annotated item, `attr.rs` the arguments
//! (with every rule applied there, errors folded so one build reports them all), `expand.rs`
//! writes the code.

// User input never panics the macro: every mistake is a spanned compile error.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod ast;
mod attr;
mod errors;
mod expand;

use proc_macro::TokenStream;

/// Gates an actix-web handler on a permission requirement. Documented on its re-export,
/// `authz_actix::require_permission`.
#[proc_macro_attribute]
pub fn require_permission(args: TokenStream, item: TokenStream) -> TokenStream {
    let item = proc_macro2::TokenStream::from(item);
    let parsed_args = attr::Args::parse(args.into());
    let handler = ast::Handler::parse(item.clone());
    match (parsed_args, handler) {
        (Ok(args), Ok(handler)) => expand::expand(args, handler),
        (Err(mut e), Err(h)) => {
            e.combine(h);
            expand::fallback(item, e)
        }
        (Err(e), _) | (_, Err(e)) => expand::fallback(item, e),
    }
    .into()
}
