//! The annotated handler and its actix route attribute, as written.

use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Attribute, Expr, ItemFn, LitStr, Meta, MetaNameValue, Token};

/// Route attributes of actix-web that name a single HTTP method.
const METHOD_MACROS: &[(&str, &str)] = &[
    ("get", "GET"),
    ("post", "POST"),
    ("put", "PUT"),
    ("patch", "PATCH"),
    ("delete", "DELETE"),
    ("head", "HEAD"),
    ("options", "OPTIONS"),
    ("trace", "TRACE"),
    ("connect", "CONNECT"),
];

/// The handler: the function plus what we read from its route attribute.
pub struct Handler {
    pub func: ItemFn,
    /// Index of the route attribute in `func.attrs`.
    pub route_index: usize,
    pub route: RouteAttr,
}

/// An actix route attribute such as `#[get("/projects/{id}", name = "x")]`.
pub struct RouteAttr {
    /// The attribute's path as written, e.g. `get` or `actix_web::get`.
    pub macro_path: syn::Path,
    pub path: LitStr,
    /// Upper-case methods: from the macro name, or from `method = "..."` for `route`.
    pub methods: Vec<String>,
    /// `name = "..."`: the actix resource name (default: the handler's name).
    pub name: Option<LitStr>,
    /// `guard = "path::to::fn"`, in order.
    pub guards: Vec<syn::Path>,
    /// `wrap = "expr"`, in order.
    pub wrappers: Vec<Expr>,
}

struct RouteArgs {
    path: LitStr,
    options: Vec<MetaNameValue>,
}

impl Parse for RouteArgs {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let path = input.parse()?;
        let mut options = Vec::new();
        if !input.is_empty() {
            input.parse::<Token![,]>()?;
            options = Punctuated::<MetaNameValue, Token![,]>::parse_terminated(input)?
                .into_iter()
                .collect();
        }
        Ok(RouteArgs { path, options })
    }
}

/// Whether `attr` is an actix route attribute, `#[routes]` included.
pub fn is_route_attr(attr: &Attribute) -> bool {
    route_kind(attr).is_some() || attr.path().segments.last().is_some_and(|s| s.ident == "routes")
}

/// Whether `attr` is (another) declaration: `#[require_permission]` or `#[public]`.
pub fn is_declaration(attr: &Attribute) -> bool {
    attr.path()
        .segments
        .last()
        .is_some_and(|s| s.ident == "require_permission" || s.ident == "public")
}

/// `Some(kind)` when `attr` is one of actix's route attributes (by its last path segment, so both
/// `#[get]` and `#[actix_web::get]` count).
fn route_kind(attr: &Attribute) -> Option<String> {
    let last = attr.path().segments.last()?.ident.to_string();
    (last == "route" || METHOD_MACROS.iter().any(|(m, _)| *m == last)).then_some(last)
}

/// The route attribute written right above the declaring attribute, if any: actix's macro then
/// expanded first, and the function reached this one without it. Only the source can tell, read
/// from the declaring attribute's line upwards over attributes and comments.
fn route_attribute_above() -> Option<String> {
    if !proc_macro::is_available() {
        return None;
    }
    let call = proc_macro::Span::call_site();
    let text = std::fs::read_to_string(call.local_file()?).ok()?;
    let above = text.lines().take(call.line().checked_sub(1)?);
    for line in above.collect::<Vec<_>>().into_iter().rev() {
        let line = line.trim();
        if line.starts_with("//") {
            continue;
        }
        let name = line.strip_prefix("#[")?.split(['(', ']']).next()?.trim();
        let last = name.rsplit("::").next()?;
        if last == "route" || METHOD_MACROS.iter().any(|(m, _)| *m == last) {
            return Some(name.to_owned());
        }
    }
    None
}

impl Handler {
    /// Reads the function and its route attribute, or says precisely what is missing. `macro_name`
    /// is the declaring attribute, for messages.
    pub fn parse(
        item: proc_macro2::TokenStream,
        macro_name: &str,
        framework: crate::Framework,
    ) -> syn::Result<Handler> {
        let item: syn::Item = syn::parse2(item)?;
        let func = match item {
            syn::Item::Fn(func) => func,
            other => {
                return Err(syn::Error::new(
                    first_token_span(&other),
                    format!("`#[{macro_name}]` applies to an `async fn` request handler"),
                ));
            }
        };
        if func.sig.asyncness.is_none() {
            return Err(syn::Error::new(
                func.sig.fn_token.span,
                format!("`#[{macro_name}]` handlers must be `async fn`"),
            ));
        }
        if let Some(again) = func.attrs.iter().find(|a| is_declaration(a)) {
            let same = again.path().segments.last().is_some_and(|s| s.ident == macro_name);
            let message = if same && macro_name == "require_permission" {
                "one `#[require_permission]` per route; combine requirements with `any(...)` or `all(...)`".to_owned()
            } else if same {
                format!("duplicate `#[{macro_name}]`")
            } else {
                "a route is either `#[public]` or `#[require_permission]`, not both".to_owned()
            };
            return Err(syn::Error::new_spanned(again, message));
        }
        if let Some(routes) = func.attrs.iter().find(|a| a.path().is_ident("routes")) {
            return Err(syn::Error::new_spanned(
                routes,
                format!(
                    "`#[routes]` is not supported by `#[{macro_name}]`; declare one handler per route"
                ),
            ));
        }
        let mut found =
            func.attrs.iter().enumerate().filter_map(|(i, a)| route_kind(a).map(|k| (i, k, a)));
        let Some((route_index, kind, attr)) = found.next() else {
            if let Some(above) = route_attribute_above() {
                return Err(syn::Error::new(
                    proc_macro2::Span::call_site(),
                    format!(
                        "`#[{above}]` is above `#[{macro_name}]`: move it below, so this attribute can read it"
                    ),
                ));
            }
            return Err(syn::Error::new(
                func.sig.ident.span(),
                format!(
                    "`{}` has no route attribute: add one, like `#[get(\"/path\")]`, below `#[{macro_name}]`",
                    func.sig.ident
                ),
            ));
        };
        if let Some((_, _, second)) = found.next() {
            return Err(syn::Error::new_spanned(
                second,
                "a handler has one route attribute; for several methods: `#[route(\"/path\", method = \"GET\", method = \"POST\")]`",
            ));
        }
        let route = RouteAttr::parse(kind, attr, framework)?;
        Ok(Handler { func, route_index, route })
    }
}

impl RouteAttr {
    fn parse(
        kind: String,
        attr: &Attribute,
        framework: crate::Framework,
    ) -> syn::Result<RouteAttr> {
        let Meta::List(list) = &attr.meta else {
            return Err(syn::Error::new_spanned(
                attr,
                format!("expected a path: `#[{kind}(\"/path\")]`"),
            ));
        };
        let args: RouteArgs = syn::parse2(list.tokens.clone())?;
        let mut methods = Vec::new();
        if let Some((_, m)) = METHOD_MACROS.iter().find(|(m, _)| *m == kind) {
            methods.push((*m).to_owned());
        }
        let mut name = None;
        let mut guards = Vec::new();
        let mut wrappers = Vec::new();
        for option in &args.options {
            let Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(text), .. }) = &option.value else {
                return Err(syn::Error::new_spanned(&option.value, "expected a string literal"));
            };
            let key = option.path.get_ident().map(ToString::to_string).unwrap_or_default();
            match key.as_str() {
                "method" if kind == "route" => {
                    let method = text.value().to_ascii_uppercase();
                    if method.is_empty()
                        || !method.bytes().all(|b| b.is_ascii_uppercase() || b == b'-')
                    {
                        return Err(syn::Error::new_spanned(
                            text,
                            "expected an HTTP method, like `method = \"GET\"`",
                        ));
                    }
                    if methods.contains(&method) {
                        return Err(syn::Error::new_spanned(
                            text,
                            format!("HTTP method `{method}` is listed twice"),
                        ));
                    }
                    methods.push(method);
                }
                "method" => {
                    return Err(syn::Error::new_spanned(
                        &option.path,
                        format!(
                            "`#[{kind}]` has its method; for several methods use `#[route(\"/path\", method = \"GET\", method = \"POST\")]`"
                        ),
                    ));
                }
                "name" | "guard" | "wrap" if framework == crate::Framework::Axum => {
                    return Err(syn::Error::new_spanned(
                        &option.path,
                        format!(
                            "`{key}` is an actix-web route option; an axum route takes {}",
                            if kind == "route" {
                                "only `method = \"...\"`"
                            } else {
                                "only its path"
                            }
                        ),
                    ));
                }
                "name" => name = Some(text.clone()),
                "guard" => guards.push(text.parse()?),
                "wrap" => wrappers.push(text.parse()?),
                _ => {
                    return Err(syn::Error::new_spanned(
                        &option.path,
                        format!(
                            "unknown route option `{key}`; expected `name`, `guard`, `wrap`{}{}",
                            if kind == "route" { " or `method`" } else { "" },
                            crate::errors::suggest(&key, &["name", "guard", "wrap", "method"])
                        ),
                    ));
                }
            }
        }
        if methods.is_empty() {
            return Err(syn::Error::new_spanned(
                attr,
                "`#[route]` needs at least one `method = \"...\"`",
            ));
        }
        Ok(RouteAttr {
            macro_path: attr.path().clone(),
            path: args.path,
            methods,
            name,
            guards,
            wrappers,
        })
    }
}

fn first_token_span(item: &syn::Item) -> proc_macro2::Span {
    use quote::ToTokens;
    // The keyword (`struct`, `impl`, ...) after any attributes and visibility.
    item.to_token_stream()
        .into_iter()
        .find(|t| matches!(t, proc_macro2::TokenTree::Ident(i) if i != "pub"))
        .map_or_else(|| item.span(), |t| t.span())
}
