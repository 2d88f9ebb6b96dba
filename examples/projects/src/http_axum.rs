//! The same HTTP surface on axum (`projects serve --framework axum`): the same declarations —
//! paths, requirements, policies, operations — over the same services, answering the same
//! statuses, headers (but `Date`) and bodies as [`crate::http`] does on actix. A test compares
//! the two matrices, and the conformance and attack suites run against both servers.
//!
//! What actix-web does for `http.rs` without being asked is written out here: the JSON body rules
//! of `web::JsonConfig` (media type, 64 KiB, serde's message) in [`JsonBody`], the 404 that
//! `web::PathConfig` answers for an id in any other spelling in [`PathId`], and the decoding of
//! percent-encoded characters in the path before routing in [`ActixPaths`].

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{FromRequest, FromRequestParts, RawPathParams, Request, State};
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use http::header::{self, HeaderValue};
use http::request::Parts;
use serde::de::DeserializeOwned;

use authz_axum::{
    App, AuthzError, CurrentActor, Denied, Grants, Routes, public, require_permission,
};

use crate::db::Db;
use crate::http::ApiError;
use crate::model::{Membership, NewProject, NewTeamProject, ProjectPatch};
use crate::perms;
use crate::service::{ProjectService, ServiceError};
use crate::users::{Users, bearer_token_of};

/// What the handlers share.
#[derive(Debug, Clone)]
pub struct AppState {
    svc: ProjectService,
    users: Users,
    openapi: Arc<str>,
}

fn problem(status: StatusCode, title: &str, detail: &str) -> Response {
    let body = serde_json::json!({ "type": "about:blank", "title": title, "status": status.as_u16(), "detail": detail });
    let mut response = Response::new(Body::from(body.to_string()));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(authz_axum::problem::PROBLEM_JSON));
    response
}

/// `value` as JSON, as actix's `HttpResponse::json` sends it.
fn json(status: StatusCode, value: &impl serde::Serialize) -> Response {
    match serde_json::to_string(value) {
        Ok(text) => {
            let mut response = Response::new(Body::from(text));
            *response.status_mut() = status;
            response
                .headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
            response
        }
        Err(e) => {
            tracing::error!(error = %e, "response did not serialize");
            authz_axum::problem::internal_error()
        }
    }
}

fn no_content() -> Response {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = StatusCode::NO_CONTENT;
    response
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            // Marked as the service's refusal: the gate audits it as the route's denial.
            ApiError::Service(ServiceError::Denied(e)) => Denied(e).into_response(),
            ApiError::Service(ServiceError::Invalid(why)) => {
                problem(StatusCode::UNPROCESSABLE_ENTITY, "Unprocessable Content", why)
            }
            ApiError::Service(ServiceError::Conflict(why)) => {
                problem(StatusCode::CONFLICT, "Conflict", why)
            }
            ApiError::Service(ServiceError::Db(e)) => {
                tracing::error!(error = %e, "storage error");
                authz_axum::problem::internal_error()
            }
            ApiError::Service(ServiceError::Grants(e)) => {
                tracing::error!(error = %e, "grant store error; refused");
                authz_axum::problem::internal_error()
            }
            ApiError::Users(e) => {
                tracing::error!(error = %e, "user store error");
                authz_axum::problem::internal_error()
            }
        }
    }
}

/// The largest body an operation reads.
const BODY_LIMIT: usize = 64 * 1024;

/// A JSON body, read as `http.rs`'s `web::JsonConfig` reads one: a media type whose subtype or
/// suffix is `json` (else 415), at most 64 KiB (else 413), then serde (400, naming the field
/// that did not fit).
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = Response;

    async fn from_request(req: Request, _: &S) -> Result<Self, Response> {
        let json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<mime::Mime>().ok())
            .is_some_and(|m| m.subtype() == mime::JSON || m.suffix() == Some(mime::JSON));
        if !json {
            return Err(problem(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Unsupported Media Type",
                "The request body must be sent as application/json.",
            ));
        }
        let too_large = || {
            problem(
                StatusCode::PAYLOAD_TOO_LARGE,
                "Payload Too Large",
                "The request body is larger than this operation accepts.",
            )
        };
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|length| length > BODY_LIMIT as u64) {
            return Err(too_large());
        }
        let Ok(bytes) = axum::body::to_bytes(req.into_body(), BODY_LIMIT).await else {
            return Err(too_large());
        };
        match serde_json::from_slice(&bytes) {
            Ok(value) => Ok(JsonBody(value)),
            // serde's own words name the field and what was expected; the position is dropped.
            Err(e) if e.is_data() => {
                let what = e.to_string();
                let what = what.rsplit_once(" at line ").map_or(what.as_str(), |(head, _)| head);
                Err(problem(
                    StatusCode::BAD_REQUEST,
                    "Bad Request",
                    &format!("The request body does not fit this operation: {what}."),
                ))
            }
            Err(_) => Err(problem(
                StatusCode::BAD_REQUEST,
                "Bad Request",
                "The request body is not valid JSON for this operation.",
            )),
        }
    }
}

/// The path's ids, in their one canonical spelling (`http.rs`'s [`Id`](crate::http::Id) rule,
/// [`Scope::parse_id`](authz_axum::Scope::parse_id)); any other spelling is answered as
/// a missing resource is (`http.rs`'s `web::PathConfig`).
#[derive(Debug)]
pub struct PathId<const N: usize>(pub [i64; N]);

impl<S: Send + Sync, const N: usize> FromRequestParts<S> for PathId<N> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        let missing = || Denied::from(AuthzError::Missing).into_response();
        let params =
            RawPathParams::from_request_parts(parts, state).await.map_err(|_| missing())?;
        let mut ids = [0; N];
        let mut count = 0;
        for (i, (_, value)) in params.iter().enumerate() {
            let slot = ids.get_mut(i).ok_or_else(missing)?;
            *slot = authz_axum::Scope::parse_id(value).ok_or_else(missing)?;
            count += 1;
        }
        if count != N {
            return Err(missing());
        }
        Ok(PathId(ids))
    }
}

/// Health check.
#[public("load balancer and uptime probes")]
#[utoipa::path(tag = "service", responses((status = 200, description = "The service is up")))]
#[get("/health")]
async fn health() -> Response {
    json(StatusCode::OK, &serde_json::json!({ "status": "ok" }))
}

/// List projects.
#[require_permission(authenticated, filter = crate::policy::can_view_project)]
#[utoipa::path(tag = "projects", responses((status = 200, description = "The projects the actor may see")))]
#[get("")]
async fn list_projects(
    actor: CurrentActor,
    State(state): State<AppState>,
) -> Result<Response, ApiError> {
    Ok(json(StatusCode::OK, &state.svc.list(&actor).await?))
}

/// Create a project.
#[require_permission(perms::PROJECT_WRITE)]
#[utoipa::path(request_body = NewProject, tag = "projects", responses((status = 201, description = "The created project"), (status = 409, description = "`owner_id` names no user")))]
#[post("")]
async fn create_project(
    actor: CurrentActor,
    State(state): State<AppState>,
    JsonBody(body): JsonBody<NewProject>,
) -> Result<Response, ApiError> {
    Ok(json(StatusCode::CREATED, &state.svc.create(&actor, body).await?))
}

/// Read a project.
#[require_permission(authenticated, policy = crate::policy::can_view_project, deny = not_found)]
#[utoipa::path(tag = "projects", params(("id" = i64, Path)), responses((status = 200, description = "The project")))]
#[get("/{id}")]
async fn read_project(
    actor: CurrentActor,
    PathId([id]): PathId<1>,
    State(state): State<AppState>,
) -> Result<Response, ApiError> {
    Ok(json(StatusCode::OK, &state.svc.get(&actor, id).await?))
}

/// Update a project.
#[require_permission(authenticated, policy = crate::policy::can_edit_project, visibility = crate::policy::can_view_project)]
#[utoipa::path(request_body = ProjectPatch, tag = "projects", params(("id" = i64, Path)), responses((status = 200, description = "The updated project"), (status = 409, description = "`owner_id` names no user"), (status = 422, description = "The project changed teams during the request")))]
#[patch("/{id}")]
async fn update_project(
    actor: CurrentActor,
    PathId([id]): PathId<1>,
    State(state): State<AppState>,
    JsonBody(body): JsonBody<ProjectPatch>,
) -> Result<Response, ApiError> {
    Ok(json(StatusCode::OK, &state.svc.update(&actor, id, body).await?))
}

/// Delete a project.
#[require_permission(perms::PROJECT_DELETE, policy = crate::policy::can_delete_project, visibility = crate::policy::can_view_project)]
#[utoipa::path(tag = "projects", params(("id" = i64, Path)), responses((status = 204, description = "Deleted")))]
#[delete("/{id}")]
async fn delete_project(
    actor: CurrentActor,
    PathId([id]): PathId<1>,
    State(state): State<AppState>,
) -> Result<Response, ApiError> {
    state.svc.delete(&actor, id).await?;
    Ok(no_content())
}

/// List a team's projects.
#[require_permission(perms::PROJECT_READ, scope = team(path = "team_id"), deny = not_found)]
#[utoipa::path(tag = "teams", params(("team_id" = i64, Path)), responses((status = 200, description = "The team's projects")))]
#[get("/{team_id}/projects")]
async fn list_team_projects(
    actor: CurrentActor,
    PathId([team]): PathId<1>,
    State(state): State<AppState>,
) -> Result<Response, ApiError> {
    Ok(json(StatusCode::OK, &state.svc.list_team(&actor, team).await?))
}

/// Create a project in a team.
#[require_permission(perms::PROJECT_WRITE, scope = team(path = "team_id", outsiders = not_found))]
#[utoipa::path(request_body = NewTeamProject, tag = "teams", params(("team_id" = i64, Path)), responses((status = 201, description = "The created project, with its `team_id`")))]
#[post("/{team_id}/projects")]
async fn create_team_project(
    actor: CurrentActor,
    PathId([team]): PathId<1>,
    State(state): State<AppState>,
    JsonBody(body): JsonBody<NewTeamProject>,
) -> Result<Response, ApiError> {
    Ok(json(StatusCode::CREATED, &state.svc.create_in_team(&actor, team, body).await?))
}

/// Set a user's role in a team.
#[require_permission(perms::USER_ADMIN, scope = team(path = "team_id", outsiders = not_found), policy = crate::policy::can_change_role)]
#[utoipa::path(request_body = Membership, tag = "teams", params(("team_id" = i64, Path), ("user_id" = i64, Path)), responses((status = 200, description = "The member and their role")))]
#[put("/{team_id}/members/{user_id}")]
async fn put_team_member(
    actor: CurrentActor,
    PathId([team, user]): PathId<2>,
    State(state): State<AppState>,
    JsonBody(body): JsonBody<Membership>,
) -> Result<Response, ApiError> {
    Ok(json(StatusCode::OK, &state.svc.set_member(&actor, team, user, &body.role).await?))
}

/// Remove a user from a team.
#[require_permission(perms::USER_ADMIN, scope = team(path = "team_id", outsiders = not_found), policy = crate::policy::can_change_role)]
#[utoipa::path(tag = "teams", params(("team_id" = i64, Path), ("user_id" = i64, Path)), responses((status = 204, description = "Removed")))]
#[delete("/{team_id}/members/{user_id}")]
async fn delete_team_member(
    actor: CurrentActor,
    PathId([team, user]): PathId<2>,
    State(state): State<AppState>,
) -> Result<Response, ApiError> {
    state.svc.remove_member(&actor, team, user).await?;
    Ok(no_content())
}

/// List users.
#[require_permission(perms::USER_ADMIN)]
#[utoipa::path(tag = "admin", responses((status = 200, description = "Every user with their roles")))]
#[get("/users")]
async fn list_users(State(state): State<AppState>) -> Result<Response, ApiError> {
    Ok(json(StatusCode::OK, &state.users.list().await?))
}

/// The OpenAPI document.
#[public("the API's own description, for client generators and API browsers")]
#[utoipa::path(tag = "service", responses((status = 200, description = "This document")))]
#[get("/openapi.json")]
async fn openapi_json(State(state): State<AppState>) -> Response {
    let mut response = Response::new(Body::from(state.openapi.to_string()));
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// The API browser page at `/scalar`, as `http.rs` serves it: `GET` only, the page rendered
/// once from the same document — at the first request, since the document is rendered from
/// these routes; any other method there is the 404 of a missing resource.
#[derive(Clone)]
struct ApiBrowser;

impl tower_service::Service<Request> for ApiBrowser {
    type Response = Response;
    type Error = std::convert::Infallible;
    type Future = std::future::Ready<Result<Response, std::convert::Infallible>>;

    fn poll_ready(
        &mut self,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), std::convert::Infallible>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request) -> Self::Future {
        let response = if req.method() == http::Method::GET {
            static PAGE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
            let mut response = Response::new(Body::from(PAGE.get_or_init(scalar_page).clone()));
            response
                .headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
            response
        } else {
            authz_axum::problem::response(AuthzError::NotFound)
        };
        std::future::ready(Ok(response))
    }
}

/// The page `/scalar` serves.
fn scalar_page() -> String {
    use utoipa_scalar::Servable as _;
    utoipa_scalar::Scalar::with_url("", openapi())
        .custom_html(include_str!("../res/scalar.html"))
        .to_html()
}

#[derive(utoipa::OpenApi)]
#[openapi(info(title = "projects", description = "The projects service: authz end to end."))]
struct ApiDoc;

/// The service's OpenAPI document, built from these routes: each handler's `#[utoipa::path]`
/// at the full path it is served at, with what each requires added from the same declarations
/// as the matrix (`authz_axum::openapi::document`). A test holds it equal to the actix front
/// end's, which is committed as `docs/openapi.json`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let base = <ApiDoc as utoipa::OpenApi>::openapi();
    let mut doc = authz_axum::openapi::document(routes, base, Some(&perms::CATALOG), "bearer");
    crate::http::document_bodies(&mut doc);
    doc
}

/// The document as served at `/openapi.json` on axum; rendered once per process.
pub fn openapi_text() -> String {
    static TEXT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    TEXT.get_or_init(|| crate::http::rendered(&openapi())).clone()
}

/// Every route of the service on axum, as [`crate::http::routes`] declares them on actix.
pub fn routes(r: &mut Routes<'_, AppState>) {
    r.service(health).service(openapi_json);
    r.public_service("/scalar", "API browser page for /openapi.json", ApiBrowser);
    r.scope("/projects", |r| {
        r.service(list_projects).service(create_project);
        r.service(read_project).service(update_project).service(delete_project);
    });
    r.scope("/teams", |r| {
        r.service(list_team_projects).service(create_team_project);
        r.service(put_team_member).service(delete_team_member);
    });
    r.scope("/admin", |r| {
        r.service(list_users);
    });
}

/// Resolves `Authorization: Bearer TOKEN` against the token table.
#[derive(Clone)]
struct TokenResolver(Users);

impl authz_axum::Resolver for TokenResolver {
    type Actor = authz_axum::Actor;
    type Error = sqlx::Error;

    async fn resolve(&self, parts: &Parts) -> Result<Option<authz_axum::Actor>, sqlx::Error> {
        match bearer_token_of(parts) {
            Some(token) => self.0.resolve(token).await,
            None => Ok(None),
        }
    }
}

/// The whole app over `db`, on axum (serve it behind [`ActixPaths`] for actix's path reading).
pub fn app(db: Db, explain: bool) -> App {
    let users = Users::new(db.clone());
    // One grants cache for the process: axum's workers share the app.
    let grants = Grants::new(db.grants.clone(), &crate::perms::CATALOG);
    let state = AppState {
        svc: ProjectService::with_grants(db, grants.clone()),
        users: users.clone(),
        openapi: Arc::from(openapi_text()),
    };
    let app = App::new(routes, TokenResolver(users)).grants(grants);
    let app = if explain { app.explain() } else { app };
    app.with_state(state)
}

/// The app with its paths read as actix-web reads them: before routing, actix decodes every
/// percent-encoded byte of the path but `%25`, `%2F` and `%2B` (actix-router's `Url`), so
/// `/admin/%75sers` is `/admin/users` there. axum routes on the path as sent. This service
/// decodes the same bytes — where the byte may stand in a path as it is (an unreserved or
/// sub-delimiter character, `:` or `@`); anything else stays encoded for axum to decode in the
/// parameter, as actix does — then hands the request to the [`App`], which routes and observes
/// it.
#[derive(Debug, Clone)]
pub struct ActixPaths(pub App);

impl ActixPaths {
    /// As axum's `serve` takes it.
    pub fn into_make_service(self) -> axum::routing::IntoMakeService<Self> {
        axum::ServiceExt::<Request>::into_make_service(self)
    }
}

impl tower_service::Service<Request> for ActixPaths {
    type Response = Response;
    type Error = std::convert::Infallible;
    type Future = authz_axum::Observed;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), std::convert::Infallible>> {
        tower_service::Service::<Request>::poll_ready(&mut self.0, cx)
    }

    fn call(&mut self, mut req: Request) -> Self::Future {
        if let Some(decoded) = decode_path(req.uri()) {
            *req.uri_mut() = decoded;
        }
        tower_service::Service::<Request>::call(&mut self.0, req)
    }
}

/// `uri` with the percent-encoded bytes actix decodes before routing decoded; `None` when there
/// are none.
fn decode_path(uri: &http::Uri) -> Option<http::Uri> {
    let path = uri.path();
    if !path.contains('%') {
        return None;
    }
    let bytes = path.as_bytes();
    let mut out = String::with_capacity(path.len());
    let mut i = 0;
    let mut changed = false;
    while i < bytes.len() {
        let decoded = (bytes[i] == b'%')
            .then(|| path.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| u8::from_str_radix(hex, 16).ok())
            .filter(|b| b.is_ascii_alphanumeric() || b"-._~!$&'()*,;=:@".contains(b));
        match decoded {
            Some(b) => {
                out.push(char::from(b));
                i += 3;
                changed = true;
            }
            None => {
                out.push(char::from(bytes[i]));
                i += 1;
            }
        }
    }
    if !changed {
        return None;
    }
    let mut parts = uri.clone().into_parts();
    let query = uri.query().map(|q| format!("?{q}")).unwrap_or_default();
    parts.path_and_query = format!("{out}{query}").parse().ok();
    http::Uri::from_parts(parts).ok()
}

#[cfg(test)]
mod tests {
    #[test]
    fn paths_decode_as_actix_decodes_them() {
        let decode = |p: &str| super::decode_path(&p.parse().expect("uri")).map(|u| u.to_string());
        assert_eq!(decode("/admin/%75sers").as_deref(), Some("/admin/users"));
        assert_eq!(decode("/admin%2Fusers"), None, "an encoded slash stays encoded");
        assert_eq!(decode("/p/%25%2B"), None);
        assert_eq!(decode("/p/%E2%82%AC"), None, "non-ASCII stays for the parameter");
        assert_eq!(decode("/teams/%31/projects?x=%31").as_deref(), Some("/teams/1/projects?x=%31"));
        assert_eq!(decode("/plain"), None);
    }
}
