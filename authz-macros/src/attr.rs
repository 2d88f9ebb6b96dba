//! Parsing the macros' arguments, keeping every token for error spans.

use proc_macro2::Span;
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, Ident, LitStr, Token};

use crate::errors::{Errors, one_of, suggest};

/// The parsed, validated arguments of `#[require_permission]` or `#[public]`.
pub struct Args {
    pub access: AccessArgs,
    pub policy: Option<syn::Path>,
    /// `filter = path`: the policy filters results instead of refusing.
    pub filter: Option<syn::Path>,
    /// `visibility = path`: when this policy refuses, the answer is 404.
    pub visibility: Option<syn::Path>,
    pub operation: Option<LitStr>,
    /// `responder = path`: shapes this route's refusals in place of the app's responder.
    pub responder: Option<syn::Path>,
    pub krate: Option<syn::Path>,
}

pub enum AccessArgs {
    Gated { requirement: ReqExpr, deny: DenyKind, scope: Option<ScopeArgs> },
    Public { reason: LitStr, writes: Option<LitStr> },
}

/// The parsed arguments of `catalog!`.
pub struct CatalogArgs {
    /// `path = "..."`, relative to the file that invokes the macro.
    pub path: Option<LitStr>,
    pub krate: Option<syn::Path>,
}

impl CatalogArgs {
    /// `catalog!()` or `catalog!(path = "...", crate = path)`.
    pub fn parse(tokens: proc_macro2::TokenStream) -> syn::Result<CatalogArgs> {
        let (path, krate) = string_and_crate(tokens, "path", "path = \"authz.toml\"")?;
        Ok(CatalogArgs { path, krate })
    }
}

/// The arguments of `catalog!` and `#[policy]`: an optional string under `key` (`example` shows
/// it) and an optional `crate = path`.
fn string_and_crate(
    tokens: proc_macro2::TokenStream,
    key: &'static str,
    example: &str,
) -> syn::Result<(Option<LitStr>, Option<syn::Path>)> {
    let keys = [key, "crate"];
    let mut value = None;
    let mut krate = None;
    parse_args(
        tokens,
        &keys,
        &format!("expected {}", one_of(&keys)),
        |errors, expr| {
            errors.push(syn::Error::new_spanned(
                expr,
                format!("expected `{example}` or `crate = path`"),
            ))
        },
        |errors, name, v| match name.to_string().as_str() {
            "crate" => set(errors, &mut krate, name, parse_crate(v)),
            other if other == key => set(errors, &mut value, name, parse_string(v, key, example)),
            _ => false,
        },
    )?
    .finish()?;
    Ok((value, krate))
}

/// The one argument parser of every macro: comma-separated positional values and `key = value`
/// pairs, in any order. `positional` takes each positional value; `on_key` stores a pair's value
/// and returns `false` for a key it does not know, reported as "unknown argument" followed by
/// `expected` and the nearest of `keys`. Errors accumulate: the caller adds its own, then
/// reports them all at once with [`Errors::finish`].
fn parse_args(
    tokens: proc_macro2::TokenStream,
    keys: &[&str],
    expected: &str,
    mut positional: impl FnMut(&mut Errors, Expr),
    mut on_key: impl FnMut(&mut Errors, &Ident, &Expr) -> bool,
) -> syn::Result<Errors> {
    let RawArgs(raw) = syn::parse2(tokens)?;
    let mut errors = Errors::default();
    for arg in raw {
        match arg {
            RawArg::KeyValue { key, value } => {
                if !on_key(&mut errors, &key, &value) {
                    let name = key.to_string();
                    errors.push(syn::Error::new(
                        key.span(),
                        format!("unknown argument `{name}`; {expected}{}", suggest(&name, keys)),
                    ));
                }
            }
            RawArg::Requirement(expr) => positional(&mut errors, expr),
        }
    }
    Ok(errors)
}

fn parse_crate(value: &Expr) -> syn::Result<syn::Path> {
    parse_path(value, "crate", "a path to the `authz_actix` crate, like `::authz_actix`")
}

/// The parsed arguments of `#[policy]`.
pub struct PolicyArgs {
    pub rule: Option<LitStr>,
    pub krate: Option<syn::Path>,
}

/// `scope = team(path = "team_id", outsiders = not_found)`.
pub struct ScopeArgs {
    /// The scope kind (`team`), checked against the catalog's `[scopes]`.
    pub kind: Ident,
    /// The path parameter naming the scope's id.
    pub param: LitStr,
    /// How actors holding no role in the scope are refused; the route's `deny` by default.
    pub outsiders: Option<DenyKind>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum DenyKind {
    Forbidden,
    NotFound,
}

/// A requirement expression as written.
pub enum ReqExpr {
    /// `"project:write"`, already checked against the grammar.
    Literal(LitStr),
    /// `perms::PROJECT_WRITE`: a permission constant, type-checked by the compiler.
    Path(syn::Path),
    /// `authenticated`.
    Authenticated,
    /// `any(...)` / `all(...)`.
    Combinator { all: bool, items: Vec<ReqExpr> },
}

const KEYS: &[&str] =
    &["deny", "scope", "policy", "filter", "visibility", "operation", "responder", "crate"];
const SCOPE_EXAMPLE: &str = "scope = team(path = \"team_id\")";
const COMBINATORS: &[&str] = &["any", "all"];
const DENY_VALUES: &[&str] = &["forbidden", "not_found"];
const POLICY_PATH: &str = "a path to a policy function, like `policies::can_view_project`";

/// One comma-separated argument before interpretation.
enum RawArg {
    KeyValue { key: Ident, value: Expr },
    Requirement(Expr),
}

impl Parse for RawArg {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        // `crate` is a keyword, hence `peek_any`/`parse_any`.
        if input.peek(Ident::peek_any) && input.peek2(Token![=]) && !input.peek2(Token![==]) {
            let key = Ident::parse_any(input)?;
            input.parse::<Token![=]>()?;
            let value = input.parse()?;
            Ok(RawArg::KeyValue { key, value })
        } else {
            Ok(RawArg::Requirement(input.parse()?))
        }
    }
}

struct RawArgs(Punctuated<RawArg, Token![,]>);

impl Parse for RawArgs {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        Punctuated::parse_terminated(input).map(RawArgs)
    }
}

impl Args {
    /// Parses and checks the attribute's arguments, reporting every mistake at once.
    pub fn parse(tokens: proc_macro2::TokenStream) -> syn::Result<Args> {
        let mut requirement: Option<ReqExpr> = None;
        let mut deny = None;
        let mut scope = None;
        let mut policy = None;
        let mut filter: Option<syn::Path> = None;
        let mut visibility = None;
        let mut operation = None;
        let mut responder = None;
        let mut krate = None;
        let mut errors = parse_args(
            tokens,
            KEYS,
            &format!("expected {}", one_of(KEYS)),
            |errors, expr| {
                if requirement.is_some() {
                    errors.push(syn::Error::new_spanned(&expr, "only one requirement per route; combine them with `any(...)` or `all(...)`"));
                } else if let Some(r) = errors.ok(parse_requirement(&expr, false)) {
                    requirement = Some(r);
                }
            },
            |errors, key, value| match key.to_string().as_str() {
                "deny" => set(errors, &mut deny, key, parse_deny(value)),
                "scope" => set(errors, &mut scope, key, parse_scope(value)),
                "policy" => set(errors, &mut policy, key, parse_path(value, "policy", POLICY_PATH)),
                "filter" => set(errors, &mut filter, key, parse_path(value, "filter", POLICY_PATH)),
                "visibility" => {
                    set(errors, &mut visibility, key, parse_path(value, "visibility", POLICY_PATH))
                }
                "operation" => set(errors, &mut operation, key, parse_operation(value)),
                "responder" => set(
                    errors,
                    &mut responder,
                    key,
                    parse_path(
                        value,
                        "responder",
                        "a path to a function `fn(&HttpRequest, Refusal) -> HttpResponse`",
                    ),
                ),
                "crate" => set(errors, &mut krate, key, parse_crate(value)),
                _ => false,
            },
        )?;

        if let (Some(_), Some(f)) = (&policy, &filter) {
            errors.push(syn::Error::new_spanned(
                f,
                "a route has one policy: `policy = ...` when it refuses requests, or `filter = ...` when it narrows results",
            ));
        }
        let requirement = match requirement {
            Some(r) => Some(r),
            None if errors.is_empty() => {
                errors.push(syn::Error::new(
                    Span::call_site(),
                    "missing requirement, such as `\"project:write\"`, `any(...)`, `all(...)` or `authenticated`",
                ));
                None
            }
            None => None,
        };
        errors.finish()?;
        Ok(Args {
            access: AccessArgs::Gated {
                // `finish` returned early on any error, and a missing requirement is one.
                requirement: requirement
                    .ok_or_else(|| syn::Error::new(Span::call_site(), "missing requirement"))?,
                deny: deny.unwrap_or(DenyKind::Forbidden),
                scope,
            },
            policy,
            filter,
            visibility,
            operation,
            responder,
            krate,
        })
    }

    /// `#[public("reason", writes = "...", operation = "...", crate = path)]`.
    pub fn parse_public(tokens: proc_macro2::TokenStream) -> syn::Result<Args> {
        const PUBLIC_KEYS: &[&str] = &["writes", "operation", "crate"];
        let mut reason: Option<LitStr> = None;
        let mut writes = None;
        let mut operation = None;
        let mut krate = None;
        let mut errors = parse_args(
            tokens,
            PUBLIC_KEYS,
            &format!("`#[public]` takes a reason, then {}", one_of(PUBLIC_KEYS)),
            |errors, expr| {
                match expr {
                _ if reason.is_some() => errors.push(syn::Error::new_spanned(expr, "`#[public]` takes one reason")),
                Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(lit), .. }) => {
                    if lit.value().trim().is_empty() {
                        errors.push(syn::Error::new_spanned(&lit, "the reason cannot be empty; say why anyone may call this route"));
                    }
                    reason = Some(lit);
                }
                expr => errors.push(syn::Error::new_spanned(
                    expr,
                    "expected the reason this route is open, as a string: `#[public(\"load balancer health checks\")]`",
                )),
            }
            },
            |errors, key, value| match key.to_string().as_str() {
                "writes" => set(
                    errors,
                    &mut writes,
                    key,
                    parse_string(value, "writes", "writes = \"anyone may sign up\""),
                ),
                "operation" => set(errors, &mut operation, key, parse_operation(value)),
                "crate" => set(errors, &mut krate, key, parse_crate(value)),
                _ => false,
            },
        )?;
        if reason.is_none() && errors.is_empty() {
            errors.push(syn::Error::new(
                Span::call_site(),
                "missing reason: an open route states why, e.g. `#[public(\"load balancer health checks\")]`",
            ));
        }
        errors.finish()?;
        Ok(Args {
            access: AccessArgs::Public {
                reason: reason
                    .ok_or_else(|| syn::Error::new(Span::call_site(), "missing reason"))?,
                writes,
            },
            policy: None,
            filter: None,
            visibility: None,
            operation,
            responder: None,
            krate,
        })
    }
}

impl PolicyArgs {
    /// `#[policy]` or `#[policy(rule = "...", crate = path)]`; the rule is in the matrix's words.
    pub fn parse(tokens: proc_macro2::TokenStream) -> syn::Result<PolicyArgs> {
        let (rule, krate) = string_and_crate(tokens, "rule", "rule = \"project:write OR owner\"")?;
        Ok(PolicyArgs { rule, krate })
    }
}

/// Stores a key's value, reporting a duplicate at the second occurrence (one helper for every
/// key, so no key can check the wrong slot).
/// Returns `true`: the key is known.
fn set<T>(errors: &mut Errors, slot: &mut Option<T>, key: &Ident, value: syn::Result<T>) -> bool {
    if slot.is_some() {
        errors.push(syn::Error::new(key.span(), format!("duplicate argument `{key}`")));
    } else if let Some(v) = errors.ok(value) {
        *slot = Some(v);
    }
    true
}

fn parse_requirement(expr: &Expr, nested: bool) -> syn::Result<ReqExpr> {
    match expr {
        Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(lit), .. }) => {
            check_literal(lit)?;
            Ok(ReqExpr::Literal(lit.clone()))
        }
        Expr::Lit(syn::ExprLit { lit, .. }) => Err(syn::Error::new_spanned(
            lit,
            "expected a permission string literal such as `\"project:write\"`",
        )),
        Expr::Path(p) if p.qself.is_none() && p.path.is_ident("authenticated") => {
            let ident = p
                .path
                .get_ident()
                .cloned()
                .unwrap_or_else(|| Ident::new("authenticated", p.span()));
            if nested {
                return Err(syn::Error::new(
                    ident.span(),
                    "`authenticated` cannot be combined with other requirements; it admits every authenticated actor on its own",
                ));
            }
            Ok(ReqExpr::Authenticated)
        }
        Expr::Path(p) if p.qself.is_none() && p.attrs.is_empty() => {
            if let Some(ident) = p.path.get_ident()
                && COMBINATORS.contains(&ident.to_string().as_str())
            {
                return Err(syn::Error::new(
                    ident.span(),
                    format!("`{ident}` needs a list of requirements: `{ident}(\"a:b\", \"c:d\")`"),
                ));
            }
            Ok(ReqExpr::Path(p.path.clone()))
        }
        Expr::Call(call) => {
            let name = match &*call.func {
                Expr::Path(p) if p.qself.is_none() => p.path.get_ident().cloned(),
                _ => None,
            };
            let Some(name) = name else {
                return Err(syn::Error::new_spanned(
                    &call.func,
                    "expected `any(...)` or `all(...)`",
                ));
            };
            let all = match name.to_string().as_str() {
                "any" => false,
                "all" => true,
                other => {
                    return Err(syn::Error::new(
                        name.span(),
                        format!(
                            "unknown combinator `{other}`; expected `any(...)` or `all(...)`{}",
                            suggest(other, COMBINATORS)
                        ),
                    ));
                }
            };
            if call.args.is_empty() {
                return Err(syn::Error::new_spanned(
                    call,
                    format!(
                        "`{name}()` needs at least one requirement; an empty `{name}` would {}",
                        if all { "admit everyone" } else { "refuse everyone" }
                    ),
                ));
            }
            let mut errors = Errors::default();
            let mut items = Vec::new();
            let mut seen: Vec<String> = Vec::new();
            for arg in &call.args {
                if let Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(lit), .. }) = arg {
                    if seen.contains(&lit.value()) {
                        errors.push(syn::Error::new_spanned(
                            lit,
                            format!("`{}` is listed twice in this `{name}(...)`", lit.value()),
                        ));
                        continue;
                    }
                    seen.push(lit.value());
                }
                if let Some(item) = errors.ok(parse_requirement(arg, true)) {
                    items.push(item);
                }
            }
            errors.finish()?;
            Ok(ReqExpr::Combinator { all, items })
        }
        Expr::Binary(bin) => Err(syn::Error::new_spanned(
            bin.op,
            "operators are not supported here; write `any(a, b)` for either and `all(a, b)` for both",
        )),
        other => Err(syn::Error::new_spanned(
            other,
            "expected a permission such as `\"project:write\"`, `any(...)`, `all(...)`, a permission constant, or `authenticated`",
        )),
    }
}

fn check_literal(lit: &LitStr) -> syn::Result<()> {
    let value = lit.value();
    authz_core::permission::validate(&value).map(drop).map_err(|e| {
        // A long value is cut: the span already shows it whole.
        let shown: String = value.escape_debug().to_string();
        let shown = match shown.char_indices().nth(40) {
            Some((at, _)) => format!("{}…", &shown[..at]),
            None => shown,
        };
        syn::Error::new(lit.span(), format!("invalid permission `{shown}`: {e}"))
    })
}

fn parse_deny(value: &Expr) -> syn::Result<DenyKind> {
    if let Expr::Path(p) = value
        && let Some(ident) = p.path.get_ident()
    {
        let name = ident.to_string();
        match name.as_str() {
            "forbidden" => return Ok(DenyKind::Forbidden),
            "not_found" => return Ok(DenyKind::NotFound),
            _ => {
                return Err(syn::Error::new(
                    ident.span(),
                    format!(
                        "unknown denial `{name}`; expected `forbidden` (403) or `not_found` (404, hides existence){}",
                        suggest(&name, DENY_VALUES)
                    ),
                ));
            }
        }
    }
    Err(syn::Error::new_spanned(
        value,
        "expected `forbidden` (403) or `not_found` (404, hides existence)",
    ))
}

/// `KIND(path = "param")` or `KIND(path = "param", outsiders = not_found)`.
fn parse_scope(value: &Expr) -> syn::Result<ScopeArgs> {
    let Expr::Call(call) = value else {
        return Err(syn::Error::new_spanned(
            value,
            format!("expected a scope kind and its path parameter, like `{SCOPE_EXAMPLE}`"),
        ));
    };
    let kind = match &*call.func {
        Expr::Path(p) if p.qself.is_none() => p.path.get_ident().cloned(),
        _ => None,
    };
    let Some(kind) = kind else {
        return Err(syn::Error::new_spanned(
            &call.func,
            format!("expected a scope kind, like `{SCOPE_EXAMPLE}`"),
        ));
    };
    let mut param = None;
    let mut outsiders = None;
    let mut errors = Errors::default();
    for arg in &call.args {
        let Expr::Assign(assign) = arg else {
            errors.push(syn::Error::new_spanned(
                arg,
                format!(
                    "expected `path = \"...\"` or `outsiders = not_found`, like `{SCOPE_EXAMPLE}`"
                ),
            ));
            continue;
        };
        let key = match &*assign.left {
            Expr::Path(p) => p.path.get_ident().cloned(),
            _ => None,
        };
        let Some(key) = key else {
            errors.push(syn::Error::new_spanned(&assign.left, "expected `path` or `outsiders`"));
            continue;
        };
        match key.to_string().as_str() {
            "path" => {
                let value = parse_string(&assign.right, "path", "path = \"team_id\"");
                set(&mut errors, &mut param, &key, value);
            }
            "outsiders" => {
                set(&mut errors, &mut outsiders, &key, parse_deny(&assign.right));
            }
            other => errors.push(syn::Error::new(
                key.span(),
                format!(
                    "unknown scope argument `{other}`; expected `path` or `outsiders`{}",
                    suggest(other, &["path", "outsiders"])
                ),
            )),
        }
    }
    if param.is_none() && errors.is_empty() {
        errors.push(syn::Error::new_spanned(
            call,
            format!("missing `path = \"...\"`: the path parameter holding the {kind}'s id"),
        ));
    }
    errors.finish()?;
    let param = param.ok_or_else(|| syn::Error::new_spanned(call, "missing `path`"))?;
    Ok(ScopeArgs { kind, param, outsiders })
}

fn parse_path(value: &Expr, key: &str, what: &str) -> syn::Result<syn::Path> {
    match value {
        Expr::Path(p) if p.qself.is_none() && p.attrs.is_empty() => Ok(p.path.clone()),
        Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. }) => Err(syn::Error::new_spanned(
            s,
            format!("`{key}` takes a path, not a string: write `{key} = {}`", s.value()),
        )),
        other => Err(syn::Error::new_spanned(other, format!("`{key}` expects {what}"))),
    }
}

fn parse_operation(value: &Expr) -> syn::Result<LitStr> {
    parse_string(value, "operation", "operation = \"Create project\"")
}

/// A non-empty string literal for `key`; `example` shows the right form.
fn parse_string(value: &Expr, key: &str, example: &str) -> syn::Result<LitStr> {
    match value {
        Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. }) if s.value().trim().is_empty() => {
            Err(syn::Error::new_spanned(
                s,
                format!("`{key}` cannot be empty; it is shown in the matrix"),
            ))
        }
        Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. }) => Ok(s.clone()),
        other => Err(syn::Error::new_spanned(
            other,
            format!("`{key}` expects a string literal, like `{example}`"),
        )),
    }
}
