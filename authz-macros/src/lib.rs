//! Procedural macros for authz.
//!
//! Do not depend on this crate directly: `authz-actix` re-exports its macros and documents them,
//! and the code they generate names only `::authz_actix::__private`.
//!
//! Each macro is parse → check → emit, a file a stage: `ast.rs` reads the annotated item,
//! `attr.rs` the arguments, `catalog.rs` the crate's `authz.toml`; `valid.rs` checks the
//! declaration against the catalog and the route's path (`errors.rs` folds the errors, so one
//! build reports them all, and words them). Then one file per generator: `route.rs` (a declared
//! handler), `policy.rs`, `constants.rs` (`catalog!()`), `openapi.rs` (a `#[utoipa::path]` moved
//! where utoipa can name it), `rustdoc.rs` (the `# Authorization` section), and `fallback.rs`
//! (what a declaration with errors still emits).

// User input never panics the macro: every mistake is a spanned compile error.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
// A dependency nothing uses is an error in CI (clippy -D warnings); dev-dependencies are
// checked where they are used, by the tests.
#![cfg_attr(not(test), warn(unused_crate_dependencies))]

mod ast;
mod attr;
mod catalog;
mod constants;
mod errors;
mod fallback;
mod openapi;
mod policy;
mod route;
mod rustdoc;
mod valid;

use proc_macro::TokenStream;

/// Gates an actix-web handler on a permission requirement. Documented on its re-export,
/// `authz_actix::require_permission`.
#[proc_macro_attribute]
pub fn require_permission(args: TokenStream, item: TokenStream) -> TokenStream {
    declare(attr::Args::parse(args.into()), item, "require_permission")
}

/// Opens an actix-web handler to anyone, for a stated reason. Documented on its re-export,
/// `authz_actix::public`.
#[proc_macro_attribute]
pub fn public(args: TokenStream, item: TokenStream) -> TokenStream {
    declare(attr::Args::parse_public(args.into()), item, "public")
}

/// Records a policy function for the matrix. Documented on its re-export, `authz_actix::policy`.
#[proc_macro_attribute]
pub fn policy(args: TokenStream, item: TokenStream) -> TokenStream {
    let item = proc_macro2::TokenStream::from(item);
    let args = attr::PolicyArgs::parse(args.into());
    let func = syn::parse2::<syn::ItemFn>(item.clone()).map_err(|e| {
        syn::Error::new(
            e.span(),
            "`#[policy]` applies to a policy function: `fn(&Actor, &Resource) -> bool`",
        )
    });
    match (args, func) {
        (Ok(args), Ok(func)) => policy::expand_policy(args, func),
        (Err(mut e), Err(f)) => {
            e.combine(f);
            quote::quote!(#item).into_iter().chain(e.to_compile_error()).collect()
        }
        (Err(e), _) | (_, Err(e)) => {
            quote::quote!(#item).into_iter().chain(e.to_compile_error()).collect()
        }
    }
    .into()
}

/// Declares the permissions and roles of the crate's `authz.toml` as Rust items. Documented on
/// its re-export, `authz_actix::catalog`.
#[proc_macro]
pub fn catalog(args: TokenStream) -> TokenStream {
    match attr::CatalogArgs::parse(args.into()).and_then(constants::expand_catalog) {
        Ok(tokens) => tokens,
        Err(e) => e.to_compile_error(),
    }
    .into()
}

fn declare(args: syn::Result<attr::Args>, item: TokenStream, macro_name: &str) -> TokenStream {
    let item = proc_macro2::TokenStream::from(item);
    let handler = ast::Handler::parse(item.clone(), macro_name);
    let args = args.and_then(|args| {
        let catalog = valid::check_catalog(&args)?;
        Ok((args, catalog))
    });
    match (args, handler) {
        (Ok((args, catalog)), Ok(handler)) => {
            match valid::check_scope(&args, &handler.route.path, catalog.as_deref()) {
                Ok(()) => route::expand(args, catalog, handler),
                Err(e) => fallback::fallback(item, e),
            }
        }
        (Err(mut e), Err(h)) => {
            e.combine(h);
            fallback::fallback(item, e)
        }
        (Err(e), _) | (_, Err(e)) => fallback::fallback(item, e),
    }
    .into()
}
