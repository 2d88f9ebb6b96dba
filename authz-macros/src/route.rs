//! `#[require_permission]` and `#[public]`: a declared handler's unit struct, its service
//! registration and its record.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::LitStr;
use syn::spanned::Spanned;

use std::rc::Rc;

use crate::ast::{Handler, RouteAttr};
use crate::attr::{AccessArgs, Args, DenyKind, ReqExpr};
use crate::catalog::Catalog;
use crate::openapi::openapi_path;
use crate::rustdoc::{authorization_docs, doc_first_line, path_text};

/// Emits the handler's service registration in place of its route attribute, plus its record.
///
/// - The route attribute is read, not run: the macro emits a unit struct named like the handler,
///   as actix's route macros do, implementing `HttpServiceFactory` and `Declared`.
/// - The record (`RouteMeta`) is a `static` inside an anonymous `const` block, so no user code
///   can name it; `Declared::route` returns it, and route registration accepts only declared
///   handlers. Nothing is collected at link time: the matrix is rendered from the routes the app
///   registers, and a policy's record is reached through the path the route names.
/// - authz builds the handler's resource from the record (path, method guard, gate as the
///   outermost middleware: after routing, before any extractor or the body), so what the matrix
///   shows is exactly what is enforced. `Declared` supplies only the user's `guard`/`wrap`
///   options and the function.
pub fn expand(args: Args, catalog: Option<Rc<Catalog>>, handler: Handler) -> TokenStream {
    let Handler { mut func, route_index, route } = handler;
    let krate = crate::Framework::Actix.facade(args.krate.as_ref());
    let private = quote!(#krate::__private);

    let attr_span = func.attrs[route_index].span();
    let ident = func.sig.ident.clone();
    let handler_name = ident.to_string();
    let meta = route_meta(&args, catalog.as_deref(), &func, &route, &private);

    // A function of another signature is an error at the user's path.
    let responder = match &args.responder {
        Some(path) => {
            let typed = quote_spanned!(path.span()=> { let __authz_responder: #private::RouteResponder = #path; __authz_responder });
            quote!(::core::option::Option::Some(#typed))
        }
        None => quote!(::core::option::Option::None),
    };
    let resource_name = route.name.as_ref().map_or_else(|| handler_name.clone(), LitStr::value);
    let guards = &route.guards;
    let guard_list = if guards.is_empty() {
        quote!(#private::Vec::new())
    } else {
        quote!(#private::Vec::from([#(#private::Box::new(#private::fn_guard(#guards)) as #private::Box<dyn #private::Guard>),*]))
    };
    let wrappers = &route.wrappers;
    func.attrs.remove(route_index);
    let openapi = openapi_path(&mut func, &route);
    let docs: Vec<&syn::Attribute> =
        func.attrs.iter().filter(|a| a.path().is_ident("doc")).collect();
    let authorization = authorization_docs(&args, &route, catalog.as_deref());
    let vis = &func.vis;
    // A unit struct named like the handler, as actix's route macros generate. authz builds its
    // resource from the record (path, methods — `HEAD` with `GET` — and the gate); the handler
    // gives only its own guards, middleware and body. The function is emitted here, outside the
    // block that holds the record, so its body cannot name the record.
    let service = quote_spanned! {attr_span=>
        #(#docs)*
        #(#[doc = #authorization])*
        #[allow(non_camel_case_types)]
        #vis struct #ident;

        impl #private::HttpServiceFactory for #ident {
            fn register(self, __authz_config: &mut #private::AppService) {
                #private::register_outside::<Self>(__authz_config);
            }
        }

        impl #ident {
            #[doc(hidden)]
            fn __authz_service() -> #private::Route {
                #func
                #private::Route::new().to(#ident) #(.wrap(#wrappers))*
            }
        }
    };
    let guarded = !guards.is_empty();
    let wrapped = !wrappers.is_empty();
    // Call-site spans: `line!()` in the record is the line of the declaration.
    let record = quote! {
        #private::register_route! {
            #meta

            impl #private::Sealed for #ident {}

            impl #private::Declared for #ident {
                const __AUTHZ_GUARDED: bool = #guarded;

                fn route() -> &'static #private::RouteMeta {
                    &__AUTHZ_ROUTE
                }

                fn __authz_parts() -> #private::Parts {
                    #private::Parts {
                        name: #resource_name,
                        guards: #guard_list,
                        handler: #ident::__authz_service(),
                        responder: #responder,
                        wrapped: #wrapped,
                    }
                }
            }
        }
    };

    // The user's route macro (`get`, `actix_web::post`, ...) is read, not run; naming it here
    // keeps the user's import used, so the rewrite causes no warning.
    let user_route_macro = route.macro_path.clone();
    let mut checks = TokenStream::new();
    if let Some(catalog) = &catalog {
        checks.extend(catalog.track());
    }
    checks.extend(record);
    checks.extend(quote_spanned!(user_route_macro.span()=> #[allow(unused_imports)] use #user_route_macro as _;));
    quote! {
        #service
        #openapi
        const _: () = { #checks };
    }
}

/// The `static __AUTHZ_ROUTE: RouteMeta` every framework's declaration emits: what the matrix
/// shows and the gate enforces, from the arguments and the route attribute.
pub fn route_meta(
    args: &Args,
    catalog: Option<&Catalog>,
    func: &syn::ItemFn,
    route: &RouteAttr,
    private: &TokenStream,
) -> TokenStream {
    let handler_name = func.sig.ident.to_string();
    let operation =
        args.operation.as_ref().map_or_else(|| operation_from_docs(func), LitStr::value);
    let methods = &route.methods;
    let path = &route.path;
    let access = match &args.access {
        AccessArgs::Gated { requirement, deny, scope } => {
            let requirement = requirement_tokens(requirement, private, catalog);
            let deny_tokens = |deny: &DenyKind| match deny {
                DenyKind::Forbidden => quote!(#private::Deny::Forbidden),
                DenyKind::NotFound => quote!(#private::Deny::NotFound),
            };
            let scope = match scope {
                Some(scope) => {
                    let kind = scope.kind.to_string();
                    let param = &scope.param;
                    let outsiders = deny_tokens(scope.outsiders.as_ref().unwrap_or(deny));
                    quote!(::core::option::Option::Some(#private::ScopeRef { kind: #kind, param: #param, outsiders: #outsiders }))
                }
                None => quote!(::core::option::Option::None),
            };
            let deny = deny_tokens(deny);
            quote!(#private::Access::Gated { requirement: #requirement, deny: #deny, scope: #scope })
        }
        AccessArgs::Public { reason, writes } => {
            let writes = match writes {
                Some(why) => quote!(::core::option::Option::Some(#why)),
                None => quote!(::core::option::Option::None),
            };
            quote!(#private::Access::Public { reason: #reason, writes: #writes })
        }
    };
    // The record `#[policy]` emits beside the function: a braced struct of the function's name,
    // in the type namespace, reached by importing the path as written into an inner block. An
    // outer block holds a stand-in of that name, which the import shadows only when the marker
    // made the struct: so a function not marked `#[policy]` reaches the stand-in, and the one
    // error says to mark it (`PolicyRecord`'s message); a name or module that does not exist is
    // rustc's one "unresolved import" error, with its suggestion, at the user's path.
    let policy_ref = |p: &syn::Path| {
        let text = path_text(p);
        let name = p.segments.last().map(|s| s.ident.clone());
        let import = if p.segments.len() == 1 && p.leading_colon.is_none() {
            quote_spanned!(p.span()=> self::#p)
        } else {
            quote!(#p)
        };
        let meta = quote_spanned! {p.span()=> {
            #[allow(non_camel_case_types, dead_code)]
            struct #name {}
            {
                #[allow(unused_imports)]
                use #import;
                <#name as #private::PolicyRecord>::META
            }
        }};
        quote!(#private::PolicyRef { path: #text, meta: #meta })
    };
    let some = |value: Option<TokenStream>| match value {
        Some(value) => quote!(::core::option::Option::Some(#value)),
        None => quote!(::core::option::Option::None),
    };
    let policy = some(match (&args.policy, &args.filter) {
        (Some(p), _) => Some({
            let p = policy_ref(p);
            quote!(#private::RoutePolicy::Enforce(#p))
        }),
        (None, Some(p)) => Some({
            let p = policy_ref(p);
            quote!(#private::RoutePolicy::Filter(#p))
        }),
        (None, None) => None,
    });
    let visibility = some(args.visibility.as_ref().map(policy_ref));

    quote! {
        static __AUTHZ_ROUTE: #private::RouteMeta = #private::RouteMeta {
            handler: #handler_name,
            module: ::core::module_path!(),
            file: ::core::file!(),
            line: ::core::line!(),
            methods: &[#(#methods),*],
            path: #path,
            access: #access,
            policy: #policy,
            visibility: #visibility,
            operation: #operation,
        };
    }
}

/// The requirement as a `static` initializer. With a catalog, literals carry their catalog index,
/// so checks skip the search.
fn requirement_tokens(
    req: &ReqExpr,
    private: &TokenStream,
    catalog: Option<&Catalog>,
) -> TokenStream {
    match req {
        ReqExpr::Literal(lit) => match catalog.and_then(|c| c.index_of(&lit.value())) {
            Some(slot) => {
                quote!(#private::Requirement::Permission(#private::Permission::__slotted(#lit, #slot)))
            }
            None => quote!(#private::Requirement::Permission(#private::Permission::new(#lit))),
        },
        // A typed constant at the user's token: a constant of another type is reported there as
        // "expected `Permission`", not as a mismatch inside authz's types.
        ReqExpr::Path(path) => {
            let permission = quote_spanned!(path.span()=> { const __AUTHZ_PERMISSION: #private::Permission = #path; __AUTHZ_PERMISSION });
            quote!(#private::Requirement::Permission(#permission))
        }
        ReqExpr::Authenticated => quote!(#private::Requirement::Authenticated),
        ReqExpr::Combinator { all, items } => {
            let items = items.iter().map(|i| requirement_tokens(i, private, catalog));
            let variant = if *all { quote!(All) } else { quote!(Any) };
            quote!(#private::Requirement::#variant(&[#(#items),*]))
        }
    }
}

/// The first non-empty line of the doc comment, or the handler's name made readable.
fn operation_from_docs(func: &syn::ItemFn) -> String {
    if let Some(line) = doc_first_line(&func.attrs) {
        return line;
    }
    let words = func.sig.ident.to_string().replace('_', " ");
    let mut chars = words.trim().chars();
    chars.next().map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use crate::ast::Handler;
    use crate::attr::Args;

    /// The `#[doc]` strings of the unit struct a declaration expands to, in order.
    fn docs_of(args: Args, item: proc_macro2::TokenStream) -> syn::Result<Vec<String>> {
        let handler = Handler::parse(item, "require_permission", crate::Framework::Actix)?;
        let file: syn::File = syn::parse2(super::expand(args, None, handler))?;
        let Some(syn::Item::Struct(service)) = file.items.first() else {
            return Err(syn::Error::new(
                proc_macro2::Span::call_site(),
                "the expansion does not start with the unit struct",
            ));
        };
        Ok(service
            .attrs
            .iter()
            .filter_map(|a| match &a.meta {
                syn::Meta::NameValue(nv) if nv.path.is_ident("doc") => match &nv.value {
                    syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. }) => Some(s.value()),
                    _ => None,
                },
                _ => None,
            })
            .collect())
    }

    #[test]
    fn gated_handlers_document_what_they_require_after_the_users_docs() -> syn::Result<()> {
        let args = Args::parse(quote!(
            any("project:read", all("project:write", "user:admin")),
            deny = not_found,
            visibility = policies::can_view
        ))?;
        let docs = docs_of(
            args,
            quote!(
                /// Read a project.
                #[get("/projects/{id}")]
                async fn read_project() {}
            ),
        )?;
        assert_eq!(
            docs,
            [
                " Read a project.",
                "",
                "# Authorization",
                "",
                "`GET /projects/{id}` (relative to its scope).",
                "",
                "- **Requires** `project:read OR (project:write AND user:admin)`; `401` without an actor.",
                "- **Refused** with `404`, identical to a missing resource (hides existence).",
                "- **Visibility** `policies::can_view`: `404` when it refuses.",
            ]
        );
        Ok(())
    }

    #[test]
    fn policy_routes_and_public_routes_say_so() -> syn::Result<()> {
        let args = Args::parse(quote!(authenticated, policy = crate::policy::can_edit))?;
        let docs = docs_of(
            args,
            quote!(
                #[route("/p", method = "PUT", method = "PATCH")]
                async fn edit() {}
            ),
        )?;
        assert!(docs.contains(&"`PUT, PATCH /p` (relative to its scope).".to_owned()), "{docs:?}");
        assert!(
            docs.contains(
                &"- **Requires** any authenticated actor; `401` without an actor.".to_owned()
            ),
            "{docs:?}"
        );
        assert!(docs.contains(&"- **Refused** with `403`.".to_owned()), "{docs:?}");
        assert!(docs.contains(&"- **Policy** `crate::policy::can_edit`, enforced by the service on the loaded resource.".to_owned()), "{docs:?}");

        let public = Args::parse_public(quote!("load balancer probes"))?;
        let docs = docs_of(
            public,
            quote!(
                #[get("/health")]
                async fn health() {}
            ),
        )?;
        assert_eq!(
            docs.last().map(String::as_str),
            Some("**Public**: load balancer probes. No actor is required.")
        );
        Ok(())
    }
}
