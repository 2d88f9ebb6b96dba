//! Procedural macros for authz.
//!
//! Do not depend on this crate directly: each front end — `authz-actix`, `authz-axum` —
//! re-exports its macros and documents them, and the code they generate names only that front
//! end's `__private` module.
//!
//! # One declaration syntax, one entry point per framework
//!
//! `#[require_permission]`, `#[public]`, `#[policy]` and `catalog!()` are written the same way
//! for every framework, and checked by the same code; only what they emit differs (an actix
//! `HttpServiceFactory`, or an axum `Handler` that runs the gate before any extractor). Which one
//! a declaration gets is decided by the name it was called through, not by a Cargo feature:
//! this crate exports one entry point per framework (`require_permission` for actix-web,
//! `require_permission_axum` for axum, and so on), and each front end re-exports its own under
//! the common name (`pub use authz_macros::require_permission_axum as require_permission`).
//! Cargo unifies features across a workspace, so a feature would make an actix service and an
//! axum service of one workspace expand each other's code; a re-export cannot leak that way.
//!
//! Each macro is parse → check → emit, a file a stage: `ast.rs` reads the annotated item,
//! `attr.rs` the arguments, `catalog.rs` the crate's `authz.toml`; `valid.rs` checks the
//! declaration against the catalog and the route's path (`errors.rs` folds the errors, so one
//! build reports them all, and words them). Then one file per generator: `route.rs` (a declared
//! actix handler, and the record every framework shares), `axum.rs` (a declared axum handler),
//! `policy.rs`, `constants.rs` (`catalog!()`), `openapi.rs` (a `#[utoipa::path]` moved where
//! utoipa can name it), `rustdoc.rs` (the `# Authorization` section), and `fallback.rs` (what a
//! declaration with errors still emits).

// User input never panics the macro: every mistake is a spanned compile error.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
// A dependency nothing uses is an error in CI (clippy -D warnings); dev-dependencies are
// checked where they are used, by the tests.
#![cfg_attr(not(test), warn(unused_crate_dependencies))]

mod ast;
mod attr;
mod axum;
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

/// The framework a declaration is expanded for: chosen by the entry point it was called
/// through (see the crate docs).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Framework {
    Actix,
    Axum,
}

impl Framework {
    /// The facade crate generated code names, unless `crate = ...` says otherwise.
    fn facade(self, krate: Option<&syn::Path>) -> proc_macro2::TokenStream {
        match (krate, self) {
            (Some(path), _) => quote::ToTokens::into_token_stream(path),
            (None, Framework::Actix) => quote::quote!(::authz_actix),
            (None, Framework::Axum) => quote::quote!(::authz_axum),
        }
    }
}

/// Gates an actix-web handler on a permission requirement. Documented on its re-export,
/// `authz_actix::require_permission`.
#[proc_macro_attribute]
pub fn require_permission(args: TokenStream, item: TokenStream) -> TokenStream {
    declare(attr::Args::parse(args.into()), item, "require_permission", Framework::Actix)
}

/// Opens an actix-web handler to anyone, for a stated reason. Documented on its re-export,
/// `authz_actix::public`.
#[proc_macro_attribute]
pub fn public(args: TokenStream, item: TokenStream) -> TokenStream {
    declare(attr::Args::parse_public(args.into()), item, "public", Framework::Actix)
}

/// Records a policy function for the matrix. Documented on its re-export, `authz_actix::policy`.
#[proc_macro_attribute]
pub fn policy(args: TokenStream, item: TokenStream) -> TokenStream {
    declare_policy(args, item, Framework::Actix)
}

/// Declares the permissions and roles of the crate's `authz.toml` as Rust items. Documented on
/// its re-export, `authz_actix::catalog`.
#[proc_macro]
pub fn catalog(args: TokenStream) -> TokenStream {
    declare_catalog(args, Framework::Actix)
}

/// Gates an axum handler on a permission requirement. Documented on its re-export,
/// `authz_axum::require_permission`.
#[proc_macro_attribute]
pub fn require_permission_axum(args: TokenStream, item: TokenStream) -> TokenStream {
    declare(attr::Args::parse(args.into()), item, "require_permission", Framework::Axum)
}

/// Opens an axum handler to anyone, for a stated reason. Documented on its re-export,
/// `authz_axum::public`.
#[proc_macro_attribute]
pub fn public_axum(args: TokenStream, item: TokenStream) -> TokenStream {
    declare(attr::Args::parse_public(args.into()), item, "public", Framework::Axum)
}

/// Records a policy function for the matrix. Documented on its re-export, `authz_axum::policy`.
#[proc_macro_attribute]
pub fn policy_axum(args: TokenStream, item: TokenStream) -> TokenStream {
    declare_policy(args, item, Framework::Axum)
}

/// Declares the permissions and roles of the crate's `authz.toml` as Rust items. Documented on
/// its re-export, `authz_axum::catalog`.
#[proc_macro]
pub fn catalog_axum(args: TokenStream) -> TokenStream {
    declare_catalog(args, Framework::Axum)
}

fn declare_policy(args: TokenStream, item: TokenStream, framework: Framework) -> TokenStream {
    let item = proc_macro2::TokenStream::from(item);
    let args = attr::PolicyArgs::parse(args.into());
    let func = syn::parse2::<syn::ItemFn>(item.clone()).map_err(|e| {
        syn::Error::new(
            e.span(),
            "`#[policy]` applies to a policy function: `fn(&Actor, &Resource) -> bool`",
        )
    });
    match (args, func) {
        (Ok(args), Ok(func)) => policy::expand_policy(args, func, framework),
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

fn declare_catalog(args: TokenStream, framework: Framework) -> TokenStream {
    match attr::CatalogArgs::parse(args.into())
        .and_then(|args| constants::expand_catalog(args, framework))
    {
        Ok(tokens) => tokens,
        Err(e) => e.to_compile_error(),
    }
    .into()
}

fn declare(
    args: syn::Result<attr::Args>,
    item: TokenStream,
    macro_name: &str,
    framework: Framework,
) -> TokenStream {
    let item = proc_macro2::TokenStream::from(item);
    let handler = ast::Handler::parse(item.clone(), macro_name, framework).and_then(|handler| {
        // What axum cannot serve as written (a generic handler, `impl Trait`, actix's path syntax).
        if framework == Framework::Axum {
            axum::check_handler(&handler.func, &handler.route)?;
        }
        Ok(handler)
    });
    let args = args.and_then(|args| {
        let catalog = valid::check_catalog(&args)?;
        Ok((args, catalog))
    });
    match (args, handler) {
        (Ok((args, catalog)), Ok(handler)) => {
            match valid::check_scope(&args, &handler.route.path, catalog.as_deref()) {
                Ok(()) => match framework {
                    Framework::Actix => route::expand(args, catalog, handler),
                    Framework::Axum => axum::expand(args, catalog, handler),
                },
                Err(e) => fallback::fallback(item, e, framework),
            }
        }
        (Err(mut e), Err(h)) => {
            e.combine(h);
            fallback::fallback(item, e, framework)
        }
        (Err(e), _) | (_, Err(e)) => fallback::fallback(item, e, framework),
    }
    .into()
}
