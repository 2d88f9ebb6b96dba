//! The declarations in an app's OpenAPI document (feature `utoipa`): what every operation
//! requires, how it refuses, and the permission catalog — from the same records as the matrix,
//! so the document cannot drift from the code either. Framework-free: each front end re-exports
//! it (`authz_actix::openapi`, `authz_axum::openapi`, feature `utoipa`), and reads the paths of
//! both (`{id:\d+}` and `{tail}*` of actix, `{*rest}` of axum).
//!
//! Handlers keep their `#[utoipa::path]` (or `#[path]` with utoipa's macro imported), above or
//! below `#[require_permission]`; below it, the route attribute's method and path are used unless
//! the attribute gives its own. The document is built as usual, then [`apply`] adds to every
//! declared operation:
//!
//! - `security`: the app's scheme for a gated operation (`[]`, none, for a public one);
//! - `x-authz`: the requirement, its permissions, the denial, the policies or the public reason —
//!   the matrix row, as data;
//! - the `401`, `403` and `404` responses the matrix says the operation can give, with the
//!   `application/problem+json` schema (`Problem`);
//!
//! and to the document: the security scheme (HTTP bearer unless the app declared it) and
//! `x-authz-catalog` (every permission with its description and the roles that grant it).
//! [`check`] reports operations one side has and the other lacks.
//!
//! An app builds its document as utoipa does, then, with its front end's matrix:
//!
//! ```text
//! let mut doc = ApiDoc::openapi();
//! authz_actix::openapi::apply(&mut doc, &authz_actix::routes::matrix(routes, None), "bearer");
//! authz_actix::openapi::check(&doc, &matrix)?;   // the same on axum: authz_axum::openapi
//! ```

use std::collections::BTreeSet;
use std::fmt;

use serde_json::{Value, json};
use utoipa::openapi::extensions::Extensions;
use utoipa::openapi::path::{Operation, PathItem};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{Components, ContentBuilder, OpenApi, RefOr, ResponseBuilder, Schema};

use crate::{Access, Deny, RouteMeta, RoutePolicy};

use crate::matrix::{Endpoint, Matrix};

/// The name of the problem+json schema under `components.schemas`.
pub const PROBLEM_SCHEMA: &str = "Problem";

/// Adds what each declared operation requires to `doc` (see the [module docs](self)); `scheme`
/// names the security scheme gated operations require (declared as HTTP bearer when `doc`
/// has none of that name).
pub fn apply(doc: &mut OpenApi, matrix: &Matrix, scheme: &str) {
    let mut any_refusal = false;
    for endpoint in matrix.endpoints() {
        let Some(operation) = operation_mut(doc, endpoint) else { continue };
        let route = &endpoint.route;
        match &route.access {
            Access::Public { .. } => operation.security = Some(Vec::new()),
            Access::Gated { .. } => {
                operation.security =
                    Some(vec![SecurityRequirement::new(scheme, Vec::<String>::new())]);
            }
        }
        for &status in route.refusals().statuses() {
            any_refusal = true;
            let response = ResponseBuilder::new()
                .description(describe(status))
                .content(
                    "application/problem+json",
                    ContentBuilder::new()
                        .schema(Some(RefOr::Ref(utoipa::openapi::Ref::from_schema_name(
                            PROBLEM_SCHEMA,
                        ))))
                        .build(),
                )
                .build();
            operation.responses.responses.entry(status.to_string()).or_insert(RefOr::T(response));
        }
        let extensions = operation.extensions.get_or_insert_with(Extensions::default);
        extensions.insert("x-authz".to_owned(), x_authz(route));
    }
    let components = doc.components.get_or_insert_with(Components::new);
    if any_refusal {
        components.schemas.entry(PROBLEM_SCHEMA.to_owned()).or_insert_with(problem_schema);
    }
    components
        .security_schemes
        .entry(scheme.to_owned())
        .or_insert_with(|| RefOr::T(SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer))));
    if let Some(catalog) = matrix.catalog() {
        let permissions: Vec<Value> = catalog
            .permissions()
            .iter()
            .map(|def| {
                let roles: Vec<&str> =
                    catalog.roles().iter().filter(|r| r.permissions.contains(&def.permission)).map(|r| r.name).collect();
                json!({ "name": def.permission.as_str(), "description": def.description, "roles": roles })
            })
            .collect();
        let roles: Vec<Value> = catalog
            .roles()
            .iter()
            .map(|r| json!({ "name": r.name, "permissions": r.permissions.iter().map(|p| p.as_str()).collect::<Vec<_>>() }))
            .collect();
        let extensions = doc.extensions.get_or_insert_with(Extensions::default);
        extensions.insert(
            "x-authz-catalog".to_owned(),
            json!({ "permissions": permissions, "roles": roles }),
        );
    }
}

fn describe(status: u16) -> &'static str {
    match status {
        401 => "No valid credentials",
        403 => "The actor may not do this",
        404 => "Not found, or hidden from the actor",
        _ => "Refused",
    }
}

/// The matrix row as data.
fn x_authz(route: &RouteMeta) -> Value {
    let policy = |p: RoutePolicy| {
        let r = p.policy();
        json!({ "name": r.name(), "use": if p.filters() { "filter" } else { "enforce" }, "summary": r.meta.summary, "rule": r.meta.rule })
    };
    match &route.access {
        Access::Public { reason, .. } => {
            json!({ "access": "public", "public_reason": reason, "operation": route.operation })
        }
        Access::Gated { requirement, deny, scope } => json!({
            "access": "gated",
            "requirement": route.requirement_text(),
            "scope": scope.map(|s| json!({ "kind": s.kind, "param": s.param, "outsiders_status": s.outsiders.status() })),
            "permissions": requirement.permissions().iter().map(|p| p.as_str()).collect::<Vec<_>>(),
            "deny": match deny { Deny::Forbidden => "forbidden", Deny::NotFound => "not_found" },
            "deny_status": deny.status(),
            "policy": route.policy.map(policy),
            "visibility": route.visibility.map(|v| v.name()),
            "operation": route.operation,
        }),
    }
}

fn problem_schema() -> RefOr<Schema> {
    let schema: Schema = serde_json::from_value(json!({
        "type": "object",
        "description": "An RFC 9457 problem: generic text, never a permission name or internal detail",
        "required": ["type", "title", "status", "detail"],
        "properties": {
            "type": { "type": "string", "example": "about:blank" },
            "title": { "type": "string", "example": "Forbidden" },
            "status": { "type": "integer", "example": 403 },
            "detail": { "type": "string", "example": "You do not have permission to perform this action." }
        }
    }))
    .unwrap_or_default();
    RefOr::T(schema)
}

/// The methods an OpenAPI path item has an operation for.
const METHODS: [&str; 8] = ["GET", "POST", "PUT", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE"];

/// The operation slot of `item` for `method` (upper case), if OpenAPI has one.
fn slot<'a>(item: &'a mut PathItem, method: &str) -> Option<&'a mut Option<Operation>> {
    Some(match method {
        "GET" => &mut item.get,
        "POST" => &mut item.post,
        "PUT" => &mut item.put,
        "DELETE" => &mut item.delete,
        "OPTIONS" => &mut item.options,
        "HEAD" => &mut item.head,
        "PATCH" => &mut item.patch,
        "TRACE" => &mut item.trace,
        _ => return None,
    })
}

/// The operation of `doc` that documents `endpoint`, if any.
fn operation_mut<'a>(doc: &'a mut OpenApi, endpoint: &Endpoint) -> Option<&'a mut Operation> {
    let path = normalize(&endpoint.path);
    let item =
        doc.paths.paths.iter_mut().find(|(p, _)| normalize(p) == path).map(|(_, item)| item)?;
    slot(item, &endpoint.method)?.as_mut()
}

/// A pattern as OpenAPI writes it: actix's `{id:\d+}` → `{id}` and `{tail}*` → `{tail}`, axum's
/// `{*rest}` → `{rest}`.
fn normalize(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut depth = 0usize;
    let mut segment = String::new();
    for c in path.chars() {
        match (depth, c) {
            (0, '{') => {
                depth = 1;
                segment.clear();
            }
            (0, _) => out.push(c),
            (1, '}') => {
                depth = 0;
                let name = segment.split(':').next().unwrap_or_default().trim_start_matches('*');
                out.push('{');
                out.push_str(name);
                out.push('}');
            }
            (_, _) => {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    _ => {}
                }
                segment.push(c);
            }
        }
    }
    out.trim_end_matches('*').to_owned()
}

/// Operations one inventory has and the other lacks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Drift {
    /// `METHOD /path` declared (in the matrix) but not in the document.
    pub undocumented: Vec<String>,
    /// `METHOD /path` in the document but declared nowhere.
    pub undeclared: Vec<String>,
}

impl fmt::Display for Drift {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "the OpenAPI document and the declared routes differ:")?;
        for op in &self.undocumented {
            writeln!(
                f,
                "  - {op}: declared, not in the document (add `#[utoipa::path]` and list it in `paths(...)`)"
            )?;
        }
        for op in &self.undeclared {
            writeln!(f, "  - {op}: in the document, not declared (register it through `Routes`)")?;
        }
        Ok(())
    }
}

impl std::error::Error for Drift {}

/// Checks that `doc` documents exactly the operations `matrix` declares (public services, which
/// answer any method, are not operations and are skipped; a `GET` row's implied `HEAD` is not
/// required in the document).
pub fn check(doc: &OpenApi, matrix: &Matrix) -> Result<(), Drift> {
    let declared: BTreeSet<(String, String)> = matrix
        .endpoints()
        .iter()
        .filter(|e| METHODS.contains(&e.method.as_str()))
        .map(|e| (normalize(&e.path), e.method.clone()))
        .collect();
    let mut documented = BTreeSet::new();
    // A copy, to read the slots through the one method-to-slot mapping.
    for (path, mut item) in doc.paths.paths.clone() {
        for method in METHODS {
            if slot(&mut item, method).is_some_and(|op| op.is_some()) {
                documented.insert((normalize(&path), method.to_owned()));
            }
        }
    }
    let label = |(p, m): &(String, String)| format!("{m} {p}");
    let drift = Drift {
        undocumented: declared.difference(&documented).map(label).collect(),
        undeclared: documented
            .difference(&declared)
            // `HEAD` is served with every `GET`.
            .filter(|(p, m)| !(m == "HEAD" && declared.contains(&(p.clone(), "GET".to_owned()))))
            .map(label)
            .collect(),
    };
    if drift.undocumented.is_empty() && drift.undeclared.is_empty() { Ok(()) } else { Err(drift) }
}

#[cfg(test)]
mod tests {
    #[test]
    fn patterns_read_as_openapi_paths() {
        assert_eq!(super::normalize("/projects/{id:\\d+}"), "/projects/{id}");
        assert_eq!(super::normalize("/files/{tail}*"), "/files/{tail}");
        assert_eq!(super::normalize("/a/{x}/b/{y:[a-z]{2}}"), "/a/{x}/b/{y}");
        assert_eq!(super::normalize("/files/{*rest}"), "/files/{rest}");
    }
}
