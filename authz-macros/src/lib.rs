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
mod catalog;
mod errors;
mod expand;

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
    let func = syn::parse2::<syn::ItemFn>(item.clone())
        .map_err(|e| syn::Error::new(e.span(), "`#[policy]` applies to a policy function: `fn(&Actor, &Resource) -> bool`"));
    match (args, func) {
        (Ok(args), Ok(func)) => expand::expand_policy(args, func),
        (Err(mut e), Err(f)) => {
            e.combine(f);
            quote::quote!(#item).into_iter().chain(e.to_compile_error()).collect()
        }
        (Err(e), _) | (_, Err(e)) => quote::quote!(#item).into_iter().chain(e.to_compile_error()).collect(),
    }
    .into()
}

/// Declares the permissions and roles of the crate's `authz.toml` as Rust items. Documented on
/// its re-export, `authz_actix::catalog`.
#[proc_macro]
pub fn catalog(args: TokenStream) -> TokenStream {
    match attr::CatalogArgs::parse(args.into()).and_then(expand::expand_catalog) {
        Ok(tokens) => tokens,
        Err(e) => e.to_compile_error(),
    }
    .into()
}

fn declare(args: syn::Result<attr::Args>, item: TokenStream, macro_name: &str) -> TokenStream {
    let item = proc_macro2::TokenStream::from(item);
    let handler = ast::Handler::parse(item.clone(), macro_name);
    let args = args.and_then(|args| {
        let catalog = attr::check_catalog(&args)?;
        Ok((args, catalog))
    });
    match (args, handler) {
        (Ok((args, catalog)), Ok(handler)) => match attr::check_scope(&args, &handler.route.path, catalog.as_deref()) {
            Ok(()) => expand::expand(args, catalog, handler),
            Err(e) => expand::fallback(item, e),
        },
        (Err(mut e), Err(h)) => {
            e.combine(h);
            expand::fallback(item, e)
        }
        (Err(e), _) | (_, Err(e)) => expand::fallback(item, e),
    }
    .into()
}
