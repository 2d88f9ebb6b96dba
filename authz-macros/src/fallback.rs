//! What a declaration with errors expands to: its error, and the item still there for the rest
//! of the crate (one mistake, one error).

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

/// On error: the item as written minus its route attributes and any further
/// `#[require_permission]`, so the user sees our message alone (not actix's, nor a second one of
/// ours, on top) and IDEs still see the item. The route macro stays named, so its import does not
/// turn into an unused-import warning.
pub fn fallback(item: TokenStream, error: syn::Error, framework: crate::Framework) -> TokenStream {
    let error = error.to_compile_error();
    let Ok(mut item) = syn::parse2::<syn::Item>(item.clone()) else {
        return quote!(#item #error);
    };
    // A handler that still carries its route attribute: ours to declare. (Without one, actix's
    // own macro may already have wrapped it — a route attribute written above ours — and
    // registers the function itself.)
    if let syn::Item::Fn(func) = &mut item
        && func.attrs.iter().any(crate::ast::is_route_attr)
    {
        return match framework {
            crate::Framework::Actix => fallback_handler(func, error),
            crate::Framework::Axum => crate::axum::fallback_handler(func, error),
        };
    }
    let Some(attrs) = item_attrs(&mut item) else {
        return quote!(#item #error);
    };
    let mut keep_used = TokenStream::new();
    attrs.retain(|a| {
        let stripped = crate::ast::is_route_attr(a) || crate::ast::is_declaration(a);
        // An axum route attribute names no macro (the declaration reads it), so nothing to keep used.
        if stripped && (framework == crate::Framework::Actix || crate::ast::is_declaration(a)) {
            let path = a.path();
            keep_used
                .extend(quote_spanned!(path.span()=> #[allow(unused_imports)] use #path as _;));
        }
        !stripped
    });
    quote! {
        #[allow(dead_code)]
        #item
        const _: () = { #keep_used };
        #error
    }
}

/// The fallback for a handler: its unit struct, declared as a good declaration's is, so that
/// registering it adds no error of its own (one mistake, one error); the function itself kept
/// inside, for IDEs and for the errors of its own body.
fn fallback_handler(func: &mut syn::ItemFn, error: TokenStream) -> TokenStream {
    let mut keep_used = TokenStream::new();
    func.attrs.retain(|a| {
        let stripped = crate::ast::is_route_attr(a) || crate::ast::is_declaration(a);
        if stripped {
            let path = a.path();
            keep_used
                .extend(quote_spanned!(path.span()=> #[allow(unused_imports)] use #path as _;));
        }
        !stripped
    });
    let (ident, vis) = (&func.sig.ident, &func.vis);
    let docs: Vec<&syn::Attribute> =
        func.attrs.iter().filter(|a| a.path().is_ident("doc")).collect();
    let private = quote!(::authz_actix::__private);
    quote! {
        #(#docs)*
        #[allow(non_camel_case_types, dead_code)]
        #vis struct #ident;

        impl #ident {
            #[allow(dead_code)]
            fn __authz_fallback() {
                #func
            }
        }

        impl #private::HttpServiceFactory for #ident {
            fn register(self, _: &mut #private::AppService) {}
        }

        impl #private::Sealed for #ident {}

        impl #private::Declared for #ident {
            const __AUTHZ_GUARDED: bool = false;

            fn route() -> &'static #private::RouteMeta {
                &#private::FALLBACK_ROUTE
            }

            fn __authz_parts() -> #private::Parts {
                #private::fallback_parts()
            }
        }

        const _: () = { #keep_used };
        #error
    }
}

fn item_attrs(item: &mut syn::Item) -> Option<&mut Vec<syn::Attribute>> {
    use syn::Item;
    Some(match item {
        Item::Fn(i) => &mut i.attrs,
        Item::Struct(i) => &mut i.attrs,
        Item::Enum(i) => &mut i.attrs,
        Item::Union(i) => &mut i.attrs,
        Item::Impl(i) => &mut i.attrs,
        Item::Mod(i) => &mut i.attrs,
        Item::Const(i) => &mut i.attrs,
        Item::Static(i) => &mut i.attrs,
        Item::Trait(i) => &mut i.attrs,
        Item::Type(i) => &mut i.attrs,
        _ => return None,
    })
}
