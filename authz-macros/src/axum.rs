//! `#[require_permission]` and `#[public]` for axum: the handler's unit struct, which is an axum
//! `Handler` whose call runs the gate before any extractor, and its record.
//!
//! axum's handlers are plain functions, and a function's type cannot be named, so no trait can
//! be implemented on it. The macro emits a unit struct named like the function instead, as the
//! actix expansion does, and implements axum's `Handler` on it by hand, from the argument types
//! as written: the gate first (after routing, before anything reads the request), then each
//! extractor in order — the last one may take the body, as in axum — then the function.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use std::rc::Rc;

use crate::ast::{Handler, RouteAttr};
use crate::attr::Args;
use crate::catalog::Catalog;
use crate::rustdoc::authorization_docs;

/// The methods axum routes by (`MethodFilter`).
const AXUM_METHODS: &[&str] =
    &["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "CONNECT"];

/// What axum cannot serve as written: generic or method handlers, `impl Trait` arguments,
/// methods it does not route by, and path syntax it does not read (actix's regex segments and
/// tails, axum 0.7's `:id`).
pub fn check_handler(func: &syn::ItemFn, route: &RouteAttr) -> syn::Result<()> {
    let mut errors = crate::errors::Errors::default();
    if let Some(param) = func.sig.generics.params.first() {
        errors.push(syn::Error::new_spanned(
            param,
            "an axum handler declared with authz cannot be generic: name its extractor types",
        ));
    }
    for input in &func.sig.inputs {
        match input {
            syn::FnArg::Receiver(receiver) => errors.push(syn::Error::new_spanned(
                receiver,
                "a handler is a free `async fn`, not a method",
            )),
            syn::FnArg::Typed(arg) => {
                if let syn::Type::ImplTrait(ty) = &*arg.ty {
                    errors.push(syn::Error::new_spanned(
                        ty,
                        "an axum handler's arguments are extractor types, not `impl Trait`",
                    ));
                }
            }
        }
    }
    for method in &route.methods {
        if !AXUM_METHODS.contains(&method.as_str()) {
            errors.push(syn::Error::new_spanned(
                &route.path,
                format!(
                    "axum does not route by the method `{method}`; it routes by {}",
                    crate::errors::list(AXUM_METHODS)
                ),
            ));
        }
    }
    if let Err(message) = axum_path(&route.path.value()) {
        errors.push(syn::Error::new_spanned(&route.path, message));
    }
    errors.finish()
}

/// Checks a path as axum 0.8 reads it; `Err` says what to write instead.
fn axum_path(path: &str) -> Result<(), String> {
    // `""`: the enclosing scope's own path (`r.scope("/projects", ...)`), as on actix.
    if path.is_empty() {
        return Ok(());
    }
    if !path.starts_with('/') {
        return Err(format!("an axum path starts with `/`: `/{path}`"));
    }
    let segments: Vec<&str> = path.split('/').skip(1).collect();
    for (i, segment) in segments.iter().enumerate() {
        if let Some(name) = segment.strip_prefix(':') {
            return Err(format!(
                "axum 0.8 writes a path parameter `{{{name}}}`; `:{name}` is not a parameter"
            ));
        }
        if let Some(name) = segment.strip_prefix('*') {
            return Err(format!(
                "axum 0.8 writes a catch-all `{{*{name}}}`; `*{name}` is not a parameter"
            ));
        }
        let mut rest = *segment;
        while let Some(open) = rest.find('{') {
            // `{{` is a literal brace.
            if rest[open + 1..].starts_with('{') {
                rest = &rest[open + 2..];
                continue;
            }
            let after = &rest[open + 1..];
            let Some(close) = after.find('}') else {
                return Err(format!("`{segment}` opens a parameter that does not close"));
            };
            let name = &after[..close];
            let tail = &after[close + 1..];
            if let Some((name, _)) = name.split_once(':') {
                return Err(format!(
                    "axum matches a parameter by its segment alone: write `{{{name}}}` and check the value in the handler (`{{{name}:...}}` is actix syntax)"
                ));
            }
            if tail.starts_with('*') {
                return Err(format!(
                    "a catch-all on axum is `{{*{name}}}`; `{{{name}}}*` is actix syntax"
                ));
            }
            let (catch_all, bare) = match name.strip_prefix('*') {
                Some(bare) => (true, bare),
                None => (false, name),
            };
            let valid = bare.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && bare.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !valid {
                return Err(format!(
                    "`{{{name}}}` is not a parameter name: a letter or `_`, then letters, digits or `_`"
                ));
            }
            if catch_all && (i + 1 != segments.len() || open != 0 || !tail.is_empty()) {
                return Err(format!("a catch-all `{{*{bare}}}` is the whole last segment"));
            }
            rest = tail;
        }
    }
    Ok(())
}

/// Emits the handler's unit struct, its `Handler` implementation and its record.
pub fn expand(args: Args, catalog: Option<Rc<Catalog>>, handler: Handler) -> TokenStream {
    let Handler { mut func, route_index, route } = handler;
    let krate = crate::Framework::Axum.facade(args.krate.as_ref());
    let private = quote!(#krate::__private);
    let attr_span = func.attrs[route_index].span();
    func.attrs.remove(route_index);
    let openapi = crate::openapi::openapi_path(&mut func, &route);
    // The operation of a `#[utoipa::path]` written below, for `authz_axum::openapi::document`.
    let openapi_hook = (!openapi.is_empty()).then(|| {
        let shadow = format_ident!("__path_{}", func.sig.ident);
        quote! {
            fn openapi(__authz_sink: &mut #private::OpenApiSink) {
                #private::collect_openapi::<#shadow>(__authz_sink)
            }
        }
    });
    let meta = crate::route::route_meta(&args, catalog.as_deref(), &func, &route, &private);

    let ident = func.sig.ident.clone();
    let vis = func.vis.clone();
    let docs: Vec<&syn::Attribute> =
        func.attrs.iter().filter(|a| a.path().is_ident("doc")).collect();
    let authorization = authorization_docs(&args, &route, catalog.as_deref());

    let types: Vec<&syn::Type> = func
        .sig
        .inputs
        .iter()
        .filter_map(|input| match input {
            syn::FnArg::Typed(arg) => Some(&*arg.ty),
            syn::FnArg::Receiver(_) => None,
        })
        .collect();
    let state = format_ident!("__authz_S", span = Span::mixed_site());
    let via = format_ident!("__authz_M", span = Span::mixed_site());
    let parts = format_ident!("__authz_parts", span = Span::mixed_site());
    let admitted = format_ident!("__authz_admitted", span = Span::mixed_site());
    let vars: Vec<syn::Ident> = (0..types.len())
        .map(|i| format_ident!("__authz_arg{}", i, span = Span::mixed_site()))
        .collect();
    // The return type is checked where the answer is made, at the user's type (as a bound of
    // the `Handler` implementation it would take the implementation away, and be reported again
    // at registration).
    let output_span = match &func.sig.output {
        syn::ReturnType::Default => func.sig.ident.span(),
        syn::ReturnType::Type(_, ty) => ty.span(),
    };

    // Every argument but the last is read from the request's head; the last may take the body.
    let (head_types, last) = match types.split_last() {
        Some((last, head)) => (head.to_vec(), Some(*last)),
        None => (Vec::new(), None),
    };
    let marker = match last {
        Some(_) => quote!((#private::Marker, #via, #(#types,)*)),
        None => quote!((#private::Marker,)),
    };
    let generics = match last {
        Some(_) => quote!(<#state, #via>),
        None => quote!(<#state>),
    };
    // The last argument's axum marker, as `Serve` names it; `'static` for axum's `on`.
    let (serve_marker, via_static) = match last {
        Some(_) => (quote!(#via), quote!(#via: 'static,)),
        None => (quote!(()), TokenStream::new()),
    };
    // Each bound lies at its argument's type — the facade's path and the generics' names too,
    // with their own hygiene; the type keeps its tokens' own places — so that rustc points an
    // unmet bound at the argument.
    let mut bounds: Vec<TokenStream> = head_types
        .iter()
        .map(|ty| {
            let bound = located_at(
                quote!(: #private::FromRequestParts<#state> + ::core::marker::Send,),
                ty.span(),
            );
            quote!(#ty #bound)
        })
        .collect();
    if let Some(ty) = last {
        let bound = located_at(
            quote!(: #private::FromRequest<#state, #via> + ::core::marker::Send,),
            ty.span(),
        );
        bounds.push(quote!(#ty #bound));
    }

    let head_reads = head_types.iter().zip(&vars).map(|(ty, var)| {
        quote! {
            let #var = match <#ty as #private::FromRequestParts<#state>>::from_request_parts(&mut #parts, &__authz_state).await {
                ::core::result::Result::Ok(value) => value,
                ::core::result::Result::Err(rejection) => {
                    return #admitted.answer(#private::IntoResponse::into_response(rejection));
                }
            };
        }
    });
    let last_read = last.map(|ty| {
        let var = &vars[types.len() - 1];
        quote! {
            let __authz_req = #private::Request::from_parts(#parts, __authz_body);
            let #var = match <#ty as #private::FromRequest<#state, #via>>::from_request(__authz_req, &__authz_state).await {
                ::core::result::Result::Ok(value) => value,
                ::core::result::Result::Err(rejection) => {
                    return #admitted.answer(#private::IntoResponse::into_response(rejection));
                }
            };
        }
    });
    let answer = quote_spanned!(output_span=> #private::IntoResponse::into_response(#ident(#(#vars),*).await));
    let keep_body = last.is_none().then(|| quote!(::core::mem::drop(__authz_body);));

    let service = quote_spanned! {attr_span=>
        #(#docs)*
        #(#[doc = #authorization])*
        #[allow(non_camel_case_types)]
        #[derive(::core::clone::Clone, ::core::marker::Copy)]
        #vis struct #ident;

        impl #generics #private::Handler<#marker, #state> for #ident
        where
            #state: ::core::clone::Clone + ::core::marker::Send + ::core::marker::Sync + 'static,
            #(#bounds)*
        {
            type Future = #private::HandlerFuture;

            fn call(self, __authz_req: #private::Request, __authz_state: #state) -> Self::Future {
                #func
                #private::boxed(async move {
                    let (mut #parts, __authz_body) = __authz_req.into_parts();
                    let #admitted = match #private::gate(<Self as #private::Declared>::route(), <Self as #private::Declared>::responder(), &mut #parts).await {
                        ::core::result::Result::Ok(admitted) => admitted,
                        ::core::result::Result::Err(refusal) => return refusal,
                    };
                    #keep_body
                    #(#head_reads)*
                    #last_read
                    let __authz_response = #answer;
                    #admitted.answer(__authz_response)
                })
            }
        }

        // What `Routes::service` asks for: the same bounds, where a wrong argument is named.
        impl #generics #private::Serve<#state, #serve_marker> for #ident
        where
            #state: ::core::clone::Clone + ::core::marker::Send + ::core::marker::Sync + 'static,
            #via_static
            #(#bounds)*
        {
            fn method_router(self, __authz_filter: #private::MethodFilter) -> #private::MethodRouter<#state> {
                #private::on(__authz_filter, self)
            }
        }
    };

    // A function of another signature is an error at the user's path.
    let responder = match &args.responder {
        Some(path) => {
            let typed = quote_spanned!(path.span()=> { let __authz_responder: #private::RouteResponder = #path; __authz_responder });
            quote!(::core::option::Option::Some(#typed))
        }
        None => quote!(::core::option::Option::None),
    };
    let mut checks = TokenStream::new();
    if let Some(catalog) = &catalog {
        checks.extend(catalog.track());
    }
    quote! {
        #service
        #openapi
        const _: () = {
            #checks
            #meta

            impl #private::Sealed for #ident {}

            impl #private::Declared for #ident {
                fn route() -> &'static #private::RouteMeta {
                    &__AUTHZ_ROUTE
                }

                fn responder() -> ::core::option::Option<#private::RouteResponder> {
                    #responder
                }

                #openapi_hook
            }
        };
    }
}

/// `tokens`, every one of them located at `span` (each keeps its own hygiene).
fn located_at(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut tree| {
            if let proc_macro2::TokenTree::Group(group) = &tree {
                let mut inner =
                    proc_macro2::Group::new(group.delimiter(), located_at(group.stream(), span));
                inner.set_span(group.span().located_at(span));
                tree = proc_macro2::TokenTree::Group(inner);
            } else {
                tree.set_span(tree.span().located_at(span));
            }
            tree
        })
        .collect()
}

/// The fallback for an axum handler with errors: its unit struct, declared and a `Handler` as a
/// good declaration's is (registering it adds no error of its own), the function kept inside for
/// IDEs and for the errors of its own body.
pub fn fallback_handler(func: &mut syn::ItemFn, error: TokenStream) -> TokenStream {
    // A further declaration's macro stays named, so its import is not reported unused (the
    // route attribute names no macro on axum).
    let mut keep_used = TokenStream::new();
    func.attrs.retain(|a| {
        if crate::ast::is_declaration(a) {
            let path = a.path();
            keep_used
                .extend(quote_spanned!(path.span()=> #[allow(unused_imports)] use #path as _;));
        }
        !crate::ast::is_route_attr(a) && !crate::ast::is_declaration(a)
    });
    let (ident, vis) = (&func.sig.ident, &func.vis);
    let docs: Vec<&syn::Attribute> =
        func.attrs.iter().filter(|a| a.path().is_ident("doc")).collect();
    let private = quote!(::authz_axum::__private);
    quote! {
        #(#docs)*
        #[allow(non_camel_case_types, dead_code)]
        #[derive(::core::clone::Clone, ::core::marker::Copy)]
        #vis struct #ident;

        impl #ident {
            #[allow(dead_code)]
            fn __authz_fallback() {
                #func
            }
        }

        impl #private::Sealed for #ident {}

        impl #private::Declared for #ident {
            fn route() -> &'static #private::RouteMeta {
                &#private::FALLBACK_ROUTE
            }
        }

        impl<__authz_S> #private::Handler<(#private::Marker,), __authz_S> for #ident
        where
            __authz_S: ::core::clone::Clone + ::core::marker::Send + ::core::marker::Sync + 'static,
        {
            type Future = #private::HandlerFuture;

            fn call(self, _: #private::Request, _: __authz_S) -> Self::Future {
                #private::fallback_future()
            }
        }

        impl<__authz_S> #private::Serve<__authz_S, ()> for #ident
        where
            __authz_S: ::core::clone::Clone + ::core::marker::Send + ::core::marker::Sync + 'static,
        {
            fn method_router(self, __authz_filter: #private::MethodFilter) -> #private::MethodRouter<__authz_S> {
                #private::on(__authz_filter, self)
            }
        }

        const _: () = { #keep_used };
        #error
    }
}

#[cfg(test)]
mod tests {
    use super::axum_path;

    #[test]
    fn paths_are_read_as_axum_reads_them() {
        for good in
            ["/", "/projects/{id}", "/teams/{team_id}/projects", "/files/{*rest}", "/a{{b}}"]
        {
            assert_eq!(axum_path(good), Ok(()), "{good}");
        }
        for (bad, says) in [
            ("projects", "starts with `/`"),
            ("/projects/:id", "`{id}`"),
            ("/files/*rest", "`{*rest}`"),
            ("/p/{id:\\d+}", "actix syntax"),
            ("/p/{tail}*", "`{*tail}`"),
            ("/p/{*rest}/more", "whole last segment"),
            ("/p/{1x}", "not a parameter name"),
            ("/p/{id", "does not close"),
        ] {
            let error = axum_path(bad).err().unwrap_or_default();
            assert!(error.contains(says), "{bad}: {error:?}");
        }
    }
}
