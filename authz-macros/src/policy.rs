//! `#[policy]`: the function unchanged, its record, and the type a route's `policy = ...` reaches
//! it through.

use proc_macro2::TokenStream;
use quote::{ToTokens, quote, quote_spanned};

use crate::attr::PolicyArgs;
use crate::rustdoc::doc_first_line;

/// `#[policy]`: the function unchanged, plus its record for the matrix.
pub fn expand_policy(
    args: PolicyArgs,
    func: syn::ItemFn,
    framework: crate::Framework,
) -> TokenStream {
    let krate = framework.facade(args.krate.as_ref());
    let private = quote!(#krate::__private);
    let name = func.sig.ident.to_string();
    let summary = doc_first_line(&func.attrs).unwrap_or_default();
    let rule = match &args.rule {
        Some(rule) => quote!(::core::option::Option::Some(#rule)),
        None => quote!(::core::option::Option::None),
    };
    let (mentioned, track) = mentioned_permissions(&func);
    let ident = &func.sig.ident;
    let vis = &func.vis;
    // The policy's record, named like the function in the type namespace, so a route's
    // `policy = path::to::it` reaches it through the same path; spanned at the function's name,
    // where a typo's "similar name" note points.
    let record_type = quote_spanned! {ident.span()=>
        #[doc(hidden)]
        #[allow(non_camel_case_types, dead_code, missing_docs, missing_debug_implementations)]
        #vis struct #ident {}
    };
    quote! {
        #func

        #record_type

        const _: () = {
            static __AUTHZ_POLICY: #private::PolicyMeta = #private::PolicyMeta {
                name: #name,
                module: ::core::module_path!(),
                summary: #summary,
                file: ::core::file!(),
                line: ::core::line!(),
                rule: #rule,
                permissions: &[#(#mentioned),*],
            };

            impl #private::PolicyRecord for #ident {
                const META: &'static #private::PolicyMeta = &__AUTHZ_POLICY;
            }

            #track
        };
    }
}

/// The permissions the policy's body names — a string literal in the permission grammar, or
/// (with a catalog) a constant `catalog!()` makes (`PROJECT_WRITE`, `perms::PROJECT_WRITE`) — in
/// order of appearance, each once; and what tracks the catalog they were read against. What the
/// matrix's lints count as used.
fn mentioned_permissions(func: &syn::ItemFn) -> (Vec<String>, TokenStream) {
    let (catalog, track) = match crate::catalog::for_crate() {
        crate::catalog::Lookup::Present(catalog) => {
            let track = catalog.track();
            (Some(catalog), track)
        }
        _ => (None, TokenStream::new()),
    };
    let mut found = Vec::new();
    walk(func.block.to_token_stream(), catalog.as_deref(), &mut found);
    (found, track)
}

fn walk(tokens: TokenStream, catalog: Option<&crate::catalog::Catalog>, found: &mut Vec<String>) {
    for tree in tokens {
        let named = match tree {
            proc_macro2::TokenTree::Group(group) => {
                walk(group.stream(), catalog, found);
                continue;
            }
            proc_macro2::TokenTree::Literal(lit) => {
                syn::parse2::<syn::LitStr>(lit.into_token_stream())
                    .ok()
                    .map(|lit| lit.value())
                    .filter(|value| authz_core::permission::validate(value).is_ok())
            }
            proc_macro2::TokenTree::Ident(ident) => catalog.and_then(|c| {
                let ident = ident.to_string();
                c.permissions
                    .iter()
                    .find(|(p, _)| crate::catalog::constant_name(p) == ident)
                    .map(|(p, _)| p.clone())
            }),
            proc_macro2::TokenTree::Punct(_) => None,
        };
        if let Some(name) = named
            && !found.contains(&name)
        {
            found.push(name);
        }
    }
}
