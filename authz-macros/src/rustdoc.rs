//! The `# Authorization` section a declaration adds to its handler's rustdoc, and the text of
//! requirements and paths as the matrix writes them.

use quote::ToTokens;

use crate::attr::{AccessArgs, Args, DenyKind, ReqExpr};
use crate::catalog::{self, Catalog};

/// The `# Authorization` section appended to the handler's doc comment, so `cargo doc` and IDE
/// hovers say what the route requires: one `#[doc]` line per element.
pub(crate) fn authorization_docs(
    args: &Args,
    route: &crate::ast::RouteAttr,
    catalog: Option<&Catalog>,
) -> Vec<String> {
    let methods =
        if route.methods.is_empty() { "any method".to_owned() } else { route.methods.join(", ") };
    let mut lines = vec![
        String::new(),
        "# Authorization".to_owned(),
        String::new(),
        format!("`{methods} {}` (relative to its scope).", route.path.value()),
        String::new(),
    ];
    match &args.access {
        AccessArgs::Public { reason, .. } => {
            lines.push(format!("**Public**: {}. No actor is required.", reason.value()))
        }
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
                DenyKind::NotFound => {
                    "- **Refused** with `404`, identical to a missing resource (hides existence)."
                        .to_owned()
                }
            });
            if let Some(p) = &args.policy {
                lines.push(format!(
                    "- **Policy** `{}`, enforced by the service on the loaded resource.",
                    path_text(p)
                ));
            }
            if let Some(p) = &args.filter {
                lines.push(format!(
                    "- **Filter** `{}`: the results list only what the actor may see.",
                    path_text(p)
                ));
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
            let joined = items
                .iter()
                .map(|i| requirement_text(i, catalog, true))
                .collect::<Vec<_>>()
                .join(if *all { " AND " } else { " OR " });
            if nested && items.len() > 1 { format!("({joined})") } else { joined }
        }
    }
}

/// The first paragraph of a doc comment, on one line, without a final period.
pub(crate) fn doc_first_line(attrs: &[syn::Attribute]) -> Option<String> {
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
    let paragraph: Vec<&str> = lines
        .iter()
        .map(String::as_str)
        .skip_while(|l| l.is_empty())
        .take_while(|l| !l.is_empty())
        .collect();
    (!paragraph.is_empty()).then(|| paragraph.join(" ").trim_end_matches('.').to_owned())
}

pub(crate) fn path_text(path: &syn::Path) -> String {
    path.to_token_stream().to_string().replace(' ', "")
}
