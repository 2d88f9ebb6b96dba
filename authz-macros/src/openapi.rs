//! A `#[utoipa::path]` below a declaration: moved onto a signature-only copy that utoipa can
//! name, with the route's method and path.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

/// A `#[utoipa::path(...)]` written below the declaration: taken off the function (which ends up
/// inside the generated service, where utoipa's `__path_NAME` item could not be named) and put on
/// a signature-only copy in a hidden module, whose `__path_NAME` is re-exported beside the
/// handler — where `#[openapi(paths(NAME))]` looks for it, as when the attribute is written above.
/// The route's method and path are added to the attribute's arguments unless it gives its own.
pub(crate) fn openapi_path(func: &mut syn::ItemFn, route: &crate::ast::RouteAttr) -> TokenStream {
    // `#[utoipa::path(...)]`, or `#[path(...)]` with utoipa's macro imported (the list form is no
    // built-in attribute on a function).
    let is_utoipa_path = |a: &syn::Attribute| {
        let segments: Vec<String> = a.path().segments.iter().map(|s| s.ident.to_string()).collect();
        segments == ["utoipa", "path"]
            || (segments == ["path"] && matches!(a.meta, syn::Meta::List(_)))
    };
    let Some(index) = func.attrs.iter().position(is_utoipa_path) else { return TokenStream::new() };
    let attr = func.attrs.remove(index);
    // In the hidden module a bare `path` would be ambiguous with the built-in `#[path]`; the
    // user's import is named once here so that it stays used.
    let written = attr.path().clone();
    let (macro_path, keep_import): (syn::Path, TokenStream) = if written.is_ident("path") {
        (
            syn::parse_quote!(utoipa::path),
            quote_spanned!(written.span()=> const _: () = { #[allow(unused_imports)] use self::path as _; };),
        )
    } else {
        (written, TokenStream::new())
    };
    let args = match &attr.meta {
        syn::Meta::List(list) => list.tokens.clone(),
        _ => TokenStream::new(),
    };
    let (has_method, has_path) = utoipa_args(&args);
    let mut injected = TokenStream::new();
    if !has_method {
        let methods: Vec<syn::Ident> = route
            .methods
            .iter()
            .map(|m| syn::Ident::new(&m.to_ascii_lowercase(), proc_macro2::Span::call_site()))
            .collect();
        injected.extend(match methods.as_slice() {
            [one] => quote!(#one,),
            many => quote!(method(#(#many),*),),
        });
    }
    if !has_path {
        let path = &route.path;
        injected.extend(quote!(path = #path,));
    }
    let ident = &func.sig.ident;
    let vis = &func.vis;
    let module = syn::Ident::new(&format!("__authz_openapi_{ident}"), ident.span());
    let shadow_path = syn::Ident::new(&format!("__path_{ident}"), ident.span());
    let mut sig = func.sig.clone();
    // The copy is never called: its argument patterns become plain bindings.
    for (i, input) in sig.inputs.iter_mut().enumerate() {
        if let syn::FnArg::Typed(typed) = input {
            let name = syn::Ident::new(&format!("__authz_arg{i}"), proc_macro2::Span::call_site());
            *typed.pat = syn::parse_quote!(#name);
        }
    }
    let docs = func.attrs.iter().filter(|a| a.path().is_ident("doc"));
    quote! {
        #[doc(hidden)]
        #[allow(non_snake_case, unused_imports)]
        mod #module {
            use super::*;

            #(#docs)*
            #[#macro_path(#injected #args)]
            #[allow(dead_code, unused_variables, clippy::unused_async)]
            pub #sig {
                ::core::unreachable!()
            }
        }
        #[doc(hidden)]
        #[allow(unused_imports)]
        #vis use #module::#shadow_path;
        #keep_import
    }
}

/// Whether `#[utoipa::path(...)]`'s arguments name an HTTP method, and a `path`.
fn utoipa_args(args: &TokenStream) -> (bool, bool) {
    const METHODS: &[&str] =
        &["get", "post", "put", "delete", "patch", "head", "options", "trace", "method"];
    let mut segments: Vec<Vec<proc_macro2::TokenTree>> = vec![Vec::new()];
    for tree in args.clone() {
        match &tree {
            proc_macro2::TokenTree::Punct(p) if p.as_char() == ',' => segments.push(Vec::new()),
            _ => {
                if let Some(segment) = segments.last_mut() {
                    segment.push(tree);
                }
            }
        }
    }
    let first = |s: &Vec<proc_macro2::TokenTree>| match s.first() {
        Some(proc_macro2::TokenTree::Ident(i)) => Some(i.to_string()),
        _ => None,
    };
    let has_method =
        segments.iter().any(|s| first(s).is_some_and(|i| METHODS.contains(&i.as_str())));
    let has_path = segments.iter().any(|s| {
        first(s).as_deref() == Some("path")
            && matches!(s.get(1), Some(proc_macro2::TokenTree::Punct(p)) if p.as_char() == '=')
    });
    (has_method, has_path)
}
