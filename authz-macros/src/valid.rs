//! Checks of a parsed declaration against what parsing cannot see: the crate's catalog, and the
//! route's path.

use proc_macro2::Span;
use syn::LitStr;

use crate::attr::{AccessArgs, Args, ReqExpr};
use crate::errors::{Errors, list, suggest};

/// Checks every permission literal against the crate's `authz.toml`, when it has one.
pub fn check_catalog(args: &Args) -> syn::Result<Option<std::rc::Rc<crate::catalog::Catalog>>> {
    use crate::catalog::{self, Lookup};
    match catalog::for_crate() {
        Lookup::Absent => Ok(None),
        // Reported once, where `catalog!()` reads the file, when the crate has one; the
        // declaration then expands as without a catalog, so the file's mistake is the one error.
        Lookup::Broken(_) if catalog::reported_at_catalog_macro() => Ok(None),
        Lookup::Broken(message) => Err(catalog::broken_error(&message, Span::call_site())),
        Lookup::Present(found) => {
            let mut errors = Errors::default();
            if let AccessArgs::Gated { requirement, .. } = &args.access {
                for_each_literal(requirement, &mut |lit| {
                    if found.index_of(&lit.value()).is_none() {
                        errors.push(found.unknown(lit));
                    }
                });
            }
            errors.finish()?;
            Ok(Some(found))
        }
    }
}

fn for_each_literal(req: &ReqExpr, f: &mut impl FnMut(&LitStr)) {
    match req {
        ReqExpr::Literal(lit) => f(lit),
        ReqExpr::Combinator { items, .. } => items.iter().for_each(|i| for_each_literal(i, f)),
        ReqExpr::Path(_) | ReqExpr::Authenticated => {}
    }
}

/// The parameter names of an actix path pattern: `{id}`, `{id:\d+}`, `{tail}*`.
pub fn path_params(pattern: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = pattern;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        // A regex may hold braces (`{id:\d{3}}`): the name ends at `:` or the first `}`.
        let end = after.find([':', '}']).unwrap_or(after.len());
        out.push(after[..end].to_owned());
        // Skip to the brace closing this segment, counting nested ones.
        let mut depth = 1;
        let mut consumed = after.len();
        for (i, c) in after.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        consumed = i + 1;
                        break;
                    }
                }
                _ => {}
            }
        }
        rest = &after[consumed..];
    }
    out
}

/// Checks a scoped requirement against its route and the catalog: the parameter is in the
/// route's own path, the kind is declared, the requirement names a permission.
pub fn check_scope(
    args: &Args,
    route_path: &LitStr,
    catalog: Option<&crate::catalog::Catalog>,
) -> syn::Result<()> {
    let AccessArgs::Gated { requirement, scope: Some(scope), .. } = &args.access else {
        return Ok(());
    };
    let mut errors = Errors::default();
    let kind = scope.kind.to_string();
    if let Some(catalog) = catalog {
        let kinds: Vec<&str> = catalog.scopes.iter().map(|(k, _)| k.as_str()).collect();
        if !kinds.contains(&kind.as_str()) {
            let declared = if kinds.is_empty() {
                "it declares none".to_owned()
            } else {
                format!("it declares {}", list(&kinds))
            };
            errors.push(syn::Error::new(
                scope.kind.span(),
                format!("unknown scope kind `{kind}`: declare it under `[scopes]` in `{}`; {declared}{}", catalog.display, suggest(&kind, &kinds)),
            ));
        }
    }
    if matches!(requirement, ReqExpr::Authenticated) {
        errors.push(syn::Error::new(
            scope.kind.span(),
            "a scoped requirement needs a permission: `authenticated` holds in every scope",
        ));
    }
    let params = path_params(&route_path.value());
    let param = scope.param.value();
    if params.is_empty() {
        errors.push(syn::Error::new(
            scope.param.span(),
            format!("`{}` has no path parameter to name the {kind}: a scoped route needs one, like `/{{{param}}}/...`", route_path.value()),
        ));
    } else if !params.contains(&param) {
        let names: Vec<&str> = params.iter().map(String::as_str).collect();
        errors.push(syn::Error::new(
            scope.param.span(),
            format!(
                "`{}` has no parameter `{param}`; it has {}{}",
                route_path.value(),
                list(&names),
                suggest(&param, &names)
            ),
        ));
    }
    errors.finish()
}
