//! Code generation for `#[require_permission]`, `#[public]` and `#[policy]`.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::LitStr;

use std::rc::Rc;

use crate::ast::Handler;
use crate::attr::{AccessArgs, Args, CatalogArgs, DenyKind, PolicyArgs, ReqExpr};
use crate::catalog::{self, Catalog};

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
    let krate = args.krate.clone().map_or_else(|| quote!(::authz_actix), |p| p.into_token_stream());
    let private = quote!(#krate::__private);

    let attr_span = func.attrs[route_index].span();
    let ident = func.sig.ident.clone();
    let handler_name = ident.to_string();
    let operation = args.operation.as_ref().map_or_else(|| operation_from_docs(&func), LitStr::value);
    let methods = &route.methods;
    let path = &route.path;
    let access = match &args.access {
        AccessArgs::Gated { requirement, deny, scope } => {
            let requirement = requirement_tokens(requirement, &private, catalog.as_deref());
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
        AccessArgs::Public { reason } => quote!(#private::Access::Public { reason: #reason }),
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
        let import = if p.segments.len() == 1 && p.leading_colon.is_none() { quote_spanned!(p.span()=> self::#p) } else { quote!(#p) };
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
    let docs: Vec<&syn::Attribute> = func.attrs.iter().filter(|a| a.path().is_ident("doc")).collect();
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

/// `catalog!`: a constant per permission of `authz.toml`, and the `CATALOG` with its roles.
pub fn expand_catalog(args: CatalogArgs) -> syn::Result<TokenStream> {
    let krate = args.krate.clone().map_or_else(|| quote!(::authz_actix), |p| p.into_token_stream());
    let private = quote!(#krate::__private);
    let span = args.path.as_ref().map_or_else(proc_macro2::Span::call_site, LitStr::span);
    let path = match &args.path {
        // Relative to the file that invokes the macro, like `include_str!`.
        Some(lit) => {
            let invoking = proc_macro::Span::call_site().local_file();
            let dir = invoking.as_deref().and_then(std::path::Path::parent).map(std::path::Path::to_path_buf);
            dir.unwrap_or_default().join(lit.value())
        }
        None => std::env::var_os("CARGO_MANIFEST_DIR").map(std::path::PathBuf::from).unwrap_or_default().join(catalog::FILE_NAME),
    };
    if !path.exists() {
        return Err(syn::Error::new(
            span,
            format!(
                "`catalog!` reads `{}`, which does not exist",
                args.path.as_ref().map_or_else(|| catalog::FILE_NAME.to_owned(), LitStr::value)
            ),
        ));
    }
    let shown = args.path.as_ref().map_or_else(|| catalog::FILE_NAME.to_owned(), LitStr::value);
    let found = catalog::load(&path, &shown).map_err(|message| catalog::broken_error(&message, span))?;
    let constants = found.permissions.iter().enumerate().map(|(slot, (name, description))| {
        let ident = syn::Ident::new(&catalog::constant_name(name), span);
        let doc = format!("`{name}`: {description}");
        quote! {
            #[doc = #doc]
            pub const #ident: #private::Permission = #private::Permission::__slotted(#name, #slot);
        }
    });
    let defs = found.permissions.iter().map(|(name, description)| {
        let ident = syn::Ident::new(&catalog::constant_name(name), span);
        quote!(#private::PermissionDef { permission: #ident, description: #description })
    });
    let roles = found.roles.iter().map(|(role, granted)| {
        let granted = granted.iter().map(|p| syn::Ident::new(&catalog::constant_name(p), span));
        quote!(#private::RoleDef { name: #role, permissions: &[#(#granted),*] })
    });
    let doc = format!("The permissions and roles declared in `{}`.", found.display);
    let track = found.track();
    Ok(quote! {
        #(#constants)*
        #[doc = #doc]
        pub static CATALOG: #private::Catalog = #private::Catalog::new(&[#(#defs),*], &[#(#roles),*]);
        #track
    })
}

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

/// A `#[utoipa::path(...)]` written below the declaration: taken off the function (which ends up
/// inside the generated service, where utoipa's `__path_NAME` item could not be named) and put on
/// a signature-only copy in a hidden module, whose `__path_NAME` is re-exported beside the
/// handler — where `#[openapi(paths(NAME))]` looks for it, as when the attribute is written above.
/// The route's method and path are added to the attribute's arguments unless it gives its own.
fn openapi_path(func: &mut syn::ItemFn, route: &crate::ast::RouteAttr) -> TokenStream {
    // `#[utoipa::path(...)]`, or `#[path(...)]` with utoipa's macro imported (the list form is no
    // built-in attribute on a function).
    let is_utoipa_path = |a: &syn::Attribute| {
        let segments: Vec<String> = a.path().segments.iter().map(|s| s.ident.to_string()).collect();
        segments == ["utoipa", "path"] || (segments == ["path"] && matches!(a.meta, syn::Meta::List(_)))
    };
    let Some(index) = func.attrs.iter().position(is_utoipa_path) else { return TokenStream::new() };
    let attr = func.attrs.remove(index);
    // In the hidden module a bare `path` would be ambiguous with the built-in `#[path]`; the
    // user's import is named once here so that it stays used.
    let written = attr.path().clone();
    let (macro_path, keep_import): (syn::Path, TokenStream) = if written.is_ident("path") {
        (syn::parse_quote!(utoipa::path), quote_spanned!(written.span()=> const _: () = { #[allow(unused_imports)] use self::path as _; };))
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
        let methods: Vec<syn::Ident> =
            route.methods.iter().map(|m| syn::Ident::new(&m.to_ascii_lowercase(), proc_macro2::Span::call_site())).collect();
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
    const METHODS: &[&str] = &["get", "post", "put", "delete", "patch", "head", "options", "trace", "method"];
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
    let has_method = segments.iter().any(|s| first(s).is_some_and(|i| METHODS.contains(&i.as_str())));
    let has_path = segments.iter().any(|s| {
        first(s).as_deref() == Some("path") && matches!(s.get(1), Some(proc_macro2::TokenTree::Punct(p)) if p.as_char() == '=')
    });
    (has_method, has_path)
}

/// The `# Authorization` section appended to the handler's doc comment, so `cargo doc` and IDE
/// hovers say what the route requires: one `#[doc]` line per element.
pub(crate) fn authorization_docs(args: &Args, route: &crate::ast::RouteAttr, catalog: Option<&Catalog>) -> Vec<String> {
    let methods = if route.methods.is_empty() { "any method".to_owned() } else { route.methods.join(", ") };
    let mut lines = vec![
        String::new(),
        "# Authorization".to_owned(),
        String::new(),
        format!("`{methods} {}` (relative to its scope).", route.path.value()),
        String::new(),
    ];
    match &args.access {
        AccessArgs::Public { reason } => lines.push(format!("**Public**: {}. No actor is required.", reason.value())),
        AccessArgs::Gated { requirement, deny, scope } => {
            let required = match requirement {
                ReqExpr::Authenticated => "any authenticated actor".to_owned(),
                other => format!("`{}`", requirement_text(other, catalog, false)),
            };
            lines.push(format!("- **Requires** {required}; `401` without an actor."));
            if let Some(scope) = scope {
                let (kind, param) = (scope.kind.to_string(), scope.param.value());
                lines.push(format!(
                    "- **Scope**: held globally, or through a role in the {kind} whose id is `{{{param}}}`; an id that is not a number answers `404`."
                ));
                if scope.outsiders.is_some_and(|o| o != *deny) {
                    lines.push(format!("- **Outsiders** (no role in the {kind}) are refused with `404`, hiding it; members with `403`."));
                }
            }
            lines.push(match deny {
                DenyKind::Forbidden => "- **Refused** with `403`.".to_owned(),
                DenyKind::NotFound => "- **Refused** with `404`, identical to a missing resource (hides existence).".to_owned(),
            });
            if let Some(p) = &args.policy {
                lines.push(format!("- **Policy** `{}`, enforced by the service on the loaded resource.", path_text(p)));
            }
            if let Some(p) = &args.filter {
                lines.push(format!("- **Filter** `{}`: the results list only what the actor may see.", path_text(p)));
            }
            if let Some(p) = &args.visibility {
                lines.push(format!("- **Visibility** `{}`: `404` when it refuses.", path_text(p)));
            }
            if let Some(p) = &args.responder {
                lines.push(format!("- **Refusals** shaped by `{}`.", path_text(p)));
            }
        }
    }
    lines
}

/// A requirement as the matrix writes it; a constant named like a catalog permission
/// (`PROJECT_WRITE`) shows as that permission.
fn requirement_text(req: &ReqExpr, catalog: Option<&Catalog>, nested: bool) -> String {
    match req {
        ReqExpr::Literal(lit) => lit.value(),
        ReqExpr::Path(path) => {
            let last = path.segments.last().map(|s| s.ident.to_string()).unwrap_or_default();
            catalog
                .and_then(|c| c.permissions.iter().find(|(p, _)| catalog::constant_name(p) == last))
                .map_or_else(|| path_text(path), |(p, _)| p.clone())
        }
        ReqExpr::Authenticated => "authenticated".to_owned(),
        ReqExpr::Combinator { all, items } => {
            let joined = items.iter().map(|i| requirement_text(i, catalog, true)).collect::<Vec<_>>().join(if *all { " AND " } else { " OR " });
            if nested && items.len() > 1 { format!("({joined})") } else { joined }
        }
    }
}

/// The requirement as a `static` initializer. With a catalog, literals carry their catalog index,
/// so checks skip the search.
fn requirement_tokens(req: &ReqExpr, private: &TokenStream, catalog: Option<&Catalog>) -> TokenStream {
    match req {
        ReqExpr::Literal(lit) => match catalog.and_then(|c| c.index_of(&lit.value())) {
            Some(slot) => quote!(#private::Requirement::Permission(#private::Permission::__slotted(#lit, #slot))),
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

/// The first paragraph of a doc comment, on one line, without a final period.
fn doc_first_line(attrs: &[syn::Attribute]) -> Option<String> {
    let lines: Vec<String> = attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .filter_map(|a| match &a.meta {
            syn::Meta::NameValue(syn::MetaNameValue {
                value: syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. }),
                ..
            }) => Some(s.value()),
            _ => None,
        })
        // `split`, not `lines`: an empty `///` line is a paragraph break and must survive.
        .flat_map(|doc| doc.split('\n').map(|l| l.trim().to_owned()).collect::<Vec<_>>())
        .collect();
    let paragraph: Vec<&str> = lines.iter().map(String::as_str).skip_while(|l| l.is_empty()).take_while(|l| !l.is_empty()).collect();
    (!paragraph.is_empty()).then(|| paragraph.join(" ").trim_end_matches('.').to_owned())
}

fn path_text(path: &syn::Path) -> String {
    path.to_token_stream().to_string().replace(' ', "")
}

/// On error: the item as written minus its route attributes and any further
/// `#[require_permission]`, so the user sees our message alone (not actix's, nor a second one of
/// ours, on top) and IDEs still see the item. The route macro stays named, so its import does not
/// turn into an unused-import warning.
pub fn fallback(item: TokenStream, error: syn::Error) -> TokenStream {
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
        return fallback_handler(func, error);
    }
    let Some(attrs) = item_attrs(&mut item) else {
        return quote!(#item #error);
    };
    let mut keep_used = TokenStream::new();
    attrs.retain(|a| {
        let stripped = crate::ast::is_route_attr(a) || crate::ast::is_declaration(a);
        if stripped {
            let path = a.path();
            keep_used.extend(quote_spanned!(path.span()=> #[allow(unused_imports)] use #path as _;));
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
            keep_used.extend(quote_spanned!(path.span()=> #[allow(unused_imports)] use #path as _;));
        }
        !stripped
    });
    let (ident, vis) = (&func.sig.ident, &func.vis);
    let docs: Vec<&syn::Attribute> = func.attrs.iter().filter(|a| a.path().is_ident("doc")).collect();
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

#[cfg(test)]
mod tests {
    use quote::quote;

    use crate::ast::Handler;
    use crate::attr::Args;

    /// The `#[doc]` strings of the unit struct a declaration expands to, in order.
    fn docs_of(args: Args, item: proc_macro2::TokenStream) -> syn::Result<Vec<String>> {
        let handler = Handler::parse(item, "require_permission")?;
        let file: syn::File = syn::parse2(super::expand(args, None, handler))?;
        let Some(syn::Item::Struct(service)) = file.items.first() else {
            return Err(syn::Error::new(proc_macro2::Span::call_site(), "the expansion does not start with the unit struct"));
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
        let args = Args::parse(quote!(any("project:read", all("project:write", "user:admin")), deny = not_found, visibility = policies::can_view))?;
        let docs = docs_of(args, quote!(
            /// Read a project.
            #[get("/projects/{id}")]
            async fn read_project() {}
        ))?;
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
        let docs = docs_of(args, quote!(#[route("/p", method = "PUT", method = "PATCH")] async fn edit() {}))?;
        assert!(docs.contains(&"`PUT, PATCH /p` (relative to its scope).".to_owned()), "{docs:?}");
        assert!(docs.contains(&"- **Requires** any authenticated actor; `401` without an actor.".to_owned()), "{docs:?}");
        assert!(docs.contains(&"- **Refused** with `403`.".to_owned()), "{docs:?}");
        assert!(docs.contains(&"- **Policy** `crate::policy::can_edit`, enforced by the service on the loaded resource.".to_owned()), "{docs:?}");

        let public = Args::parse_public(quote!("load balancer probes"))?;
        let docs = docs_of(public, quote!(#[get("/health")] async fn health() {}))?;
        assert_eq!(docs.last().map(String::as_str), Some("**Public**: load balancer probes. No actor is required."));
        Ok(())
    }
}
