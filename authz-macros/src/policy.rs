//! `#[policy]`: the function unchanged, its record, and the type a route's `policy = ...` reaches
//! it through.

use proc_macro2::TokenStream;
use quote::{ToTokens, quote, quote_spanned};

use crate::attr::PolicyArgs;
use crate::rustdoc::doc_first_line;

/// `#[policy]`: the function unchanged, plus its record for the matrix.
pub fn expand_policy(args: PolicyArgs, func: syn::ItemFn) -> TokenStream {
    let krate = args.krate.clone().map_or_else(|| quote!(::authz_actix), |p| p.into_token_stream());
    let private = quote!(#krate::__private);
    let name = func.sig.ident.to_string();
    let summary = doc_first_line(&func.attrs).unwrap_or_default();
    let rule = match &args.rule {
        Some(rule) => quote!(::core::option::Option::Some(#rule)),
        None => quote!(::core::option::Option::None),
    };
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
            };

            impl #private::PolicyRecord for #ident {
                const META: &'static #private::PolicyMeta = &__AUTHZ_POLICY;
            }
        };
    }
}
