//! The HTTP surface: every handler declared, registered through `Routes`, thin — parse, call the
//! service, answer.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{
    App, HttpRequest, HttpResponse, ResponseError, delete, get, patch, post, put, web,
};
use authz_actix::{CurrentActor, Grants, ResolveActor, Routes, mount, public, require_permission};

use crate::db::Db;
use crate::model::{Membership, NewProject, NewTeamProject, ProjectPatch};
use crate::perms;
use crate::service::{ProjectService, ServiceError};
use crate::users::{Users, bearer_token};

/// How handlers fail: authorization refusals keep authz's responses (so a hidden project is
/// byte-identical to a missing one); bad input is a 400/422 with a clear, generic body; storage
/// errors are a 500 whose detail stays in the logs.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error(transparent)]
    Service(#[from] ServiceError),
    #[error(transparent)]
    Users(#[from] crate::users::UserError),
}

fn problem(status: StatusCode, title: &str, detail: &str) -> HttpResponse {
    let body = serde_json::json!({ "type": "about:blank", "title": title, "status": status.as_u16(), "detail": detail });
    HttpResponse::build(status)
        .insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static(authz_actix::problem::PROBLEM_JSON),
        ))
        .body(body.to_string())
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.error_response().status()
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            ApiError::Service(ServiceError::Denied(e)) => authz_actix::problem::response(*e),
            ApiError::Service(ServiceError::Invalid(why)) => {
                problem(StatusCode::UNPROCESSABLE_ENTITY, "Unprocessable Content", why)
            }
            ApiError::Service(ServiceError::Conflict(why)) => {
                problem(StatusCode::CONFLICT, "Conflict", why)
            }
            ApiError::Service(ServiceError::Db(e)) => {
                tracing::error!(error = %e, "storage error");
                authz_actix::problem::internal_error()
            }
            ApiError::Service(ServiceError::Grants(e)) => {
                tracing::error!(error = %e, "grant store error; refused");
                authz_actix::problem::internal_error()
            }
            ApiError::Users(e) => {
                tracing::error!(error = %e, "user store error");
                authz_actix::problem::internal_error()
            }
        }
    }
}

/// Health check.
#[utoipa::path(path = "/health", tag = "service", responses((status = 200, description = "The service is up")))]
#[public("load balancer and uptime probes")]
#[get("/health")]
async fn health() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "status": "ok" }))
}

/// List projects.
#[require_permission(authenticated, filter = crate::policy::can_view_project)]
#[utoipa::path(path = "/projects", tag = "projects", responses((status = 200, description = "The projects the actor may see")))]
#[get("")]
async fn list_projects(
    actor: CurrentActor,
    svc: web::Data<ProjectService>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(svc.list(&actor).await?))
}

/// Create a project.
#[require_permission(perms::PROJECT_WRITE)]
#[utoipa::path(path = "/projects", tag = "projects", responses((status = 201, description = "The created project"), (status = 409, description = "`owner_id` names no user")))]
#[post("")]
async fn create_project(
    actor: CurrentActor,
    body: web::Json<NewProject>,
    svc: web::Data<ProjectService>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Created().json(svc.create(&actor, body.into_inner()).await?))
}

/// Read a project.
#[utoipa::path(path = "/projects/{id}", tag = "projects", params(("id" = i64, Path)), responses((status = 200, description = "The project")))]
#[require_permission(authenticated, policy = crate::policy::can_view_project, deny = not_found)]
#[get("/{id}")]
async fn read_project(
    actor: CurrentActor,
    id: web::Path<Id>,
    svc: web::Data<ProjectService>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(svc.get(&actor, id.into_inner().0).await?))
}

/// Update a project.
#[require_permission(authenticated, policy = crate::policy::can_edit_project, visibility = crate::policy::can_view_project)]
#[utoipa::path(path = "/projects/{id}", tag = "projects", params(("id" = i64, Path)), responses((status = 200, description = "The updated project"), (status = 409, description = "`owner_id` names no user"), (status = 422, description = "The project changed teams during the request")))]
#[patch("/{id}")]
async fn update_project(
    actor: CurrentActor,
    id: web::Path<Id>,
    body: web::Json<ProjectPatch>,
    svc: web::Data<ProjectService>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(svc.update(&actor, id.into_inner().0, body.into_inner()).await?))
}

/// Delete a project.
#[utoipa::path(path = "/projects/{id}", tag = "projects", params(("id" = i64, Path)), responses((status = 204, description = "Deleted")))]
#[require_permission(perms::PROJECT_DELETE, policy = crate::policy::can_delete_project, visibility = crate::policy::can_view_project)]
#[delete("/{id}")]
async fn delete_project(
    actor: CurrentActor,
    id: web::Path<Id>,
    svc: web::Data<ProjectService>,
) -> Result<HttpResponse, ApiError> {
    svc.delete(&actor, id.into_inner().0).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// List a team's projects.
#[require_permission(perms::PROJECT_READ, scope = team(path = "team_id"), deny = not_found)]
#[utoipa::path(path = "/teams/{team_id}/projects", tag = "teams", params(("team_id" = i64, Path)), responses((status = 200, description = "The team's projects")))]
#[get("/{team_id}/projects")]
async fn list_team_projects(
    actor: CurrentActor,
    team_id: web::Path<Id>,
    svc: web::Data<ProjectService>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(svc.list_team(&actor, team_id.into_inner().0).await?))
}

/// Create a project in a team.
#[require_permission(perms::PROJECT_WRITE, scope = team(path = "team_id", outsiders = not_found))]
#[utoipa::path(path = "/teams/{team_id}/projects", tag = "teams", params(("team_id" = i64, Path)), responses((status = 201, description = "The created project, with its `team_id`")))]
#[post("/{team_id}/projects")]
async fn create_team_project(
    actor: CurrentActor,
    team_id: web::Path<Id>,
    body: web::Json<NewTeamProject>,
    svc: web::Data<ProjectService>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Created()
        .json(svc.create_in_team(&actor, team_id.into_inner().0, body.into_inner()).await?))
}

/// Set a user's role in a team.
#[require_permission(perms::USER_ADMIN, scope = team(path = "team_id", outsiders = not_found), policy = crate::policy::can_change_role)]
#[utoipa::path(path = "/teams/{team_id}/members/{user_id}", tag = "teams", params(("team_id" = i64, Path), ("user_id" = i64, Path)), responses((status = 200, description = "The member and their role")))]
#[put("/{team_id}/members/{user_id}")]
async fn put_team_member(
    actor: CurrentActor,
    path: web::Path<(Id, Id)>,
    body: web::Json<Membership>,
    svc: web::Data<ProjectService>,
) -> Result<HttpResponse, ApiError> {
    let (Id(team), Id(user)) = path.into_inner();
    Ok(HttpResponse::Ok().json(svc.set_member(&actor, team, user, &body.role).await?))
}

/// Remove a user from a team.
#[require_permission(perms::USER_ADMIN, scope = team(path = "team_id", outsiders = not_found), policy = crate::policy::can_change_role)]
#[utoipa::path(path = "/teams/{team_id}/members/{user_id}", tag = "teams", params(("team_id" = i64, Path), ("user_id" = i64, Path)), responses((status = 204, description = "Removed")))]
#[delete("/{team_id}/members/{user_id}")]
async fn delete_team_member(
    actor: CurrentActor,
    path: web::Path<(Id, Id)>,
    svc: web::Data<ProjectService>,
) -> Result<HttpResponse, ApiError> {
    let (Id(team), Id(user)) = path.into_inner();
    svc.remove_member(&actor, team, user).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// List users.
#[require_permission(perms::USER_ADMIN)]
#[utoipa::path(path = "/admin/users", tag = "admin", responses((status = 200, description = "Every user with their roles")))]
#[get("/users")]
async fn list_users(users: web::Data<Users>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(users.list().await?))
}

/// The OpenAPI document.
#[utoipa::path(path = "/openapi.json", tag = "service", responses((status = 200, description = "This document")))]
#[public("the API's own description, for client generators and API browsers")]
#[get("/openapi.json")]
async fn openapi_json(doc: web::Data<OpenApiJson>) -> HttpResponse {
    HttpResponse::Ok().content_type("application/json").body(doc.0.clone())
}

/// The rendered OpenAPI document, served as is.
#[derive(Debug, Clone)]
pub struct OpenApiJson(pub String);

#[derive(utoipa::OpenApi)]
#[openapi(
    info(title = "projects", description = "The projects service: authz end to end."),
    paths(
        health,
        openapi_json,
        list_projects,
        create_project,
        read_project,
        update_project,
        delete_project,
        list_team_projects,
        create_team_project,
        put_team_member,
        delete_team_member,
        list_users
    )
)]
struct ApiDoc;

/// The service's OpenAPI document: the handlers' `#[utoipa::path]`s, with what each requires
/// added from the same declarations as the matrix.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = <ApiDoc as utoipa::OpenApi>::openapi();
    authz_actix::openapi::apply(
        &mut doc,
        &authz_actix::routes::matrix(routes, Some(&crate::perms::CATALOG)),
        "bearer",
    );
    document_bodies(&mut doc);
    doc
}

/// What the document says of request bodies beyond their types: the catalog's roles as the
/// enum of `Membership.role`, and on every operation that takes a body, the statuses `app`'s
/// JSON configuration answers for one it cannot read (`input_config`) — derived from the
/// operations' own request bodies, so a new one cannot go undocumented.
pub(crate) fn document_bodies(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::schema::Schema;
    use utoipa::openapi::{RefOr, ResponseBuilder};
    if let Some(RefOr::T(Schema::Object(membership))) =
        doc.components.as_mut().and_then(|c| c.schemas.get_mut("Membership"))
        && let Some(RefOr::T(Schema::Object(role))) = membership.properties.get_mut("role")
    {
        role.enum_values = Some(
            crate::perms::CATALOG.roles().iter().map(|r| serde_json::Value::from(r.name)).collect(),
        );
    }
    let problem = || {
        utoipa::openapi::ContentBuilder::new()
            .schema(Some(RefOr::Ref(utoipa::openapi::Ref::from_schema_name(
                authz_actix::openapi::PROBLEM_SCHEMA,
            ))))
            .build()
    };
    for item in doc.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.options,
            &mut item.head,
            &mut item.patch,
            &mut item.trace,
        ];
        for operation in operations.into_iter().flatten().filter(|op| op.request_body.is_some()) {
            for (status, description) in [
                (
                    "400",
                    "The body is not valid JSON, or a field has the wrong type or is unknown (the message names it)",
                ),
                ("413", "The body is larger than 64 KiB"),
                ("415", "The body is not sent as `application/json`"),
                (
                    "422",
                    "A field's value breaks a rule of the schema (an empty name, an unknown role)",
                ),
            ] {
                let response = ResponseBuilder::new()
                    .description(description)
                    .content("application/problem+json", problem())
                    .build();
                operation
                    .responses
                    .responses
                    .entry(status.to_owned())
                    .or_insert(RefOr::T(response));
            }
        }
    }
}

/// The document as committed in `docs/openapi.json` and served at `/openapi.json`; rendered
/// once per process.
pub fn openapi_text() -> String {
    static TEXT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    TEXT.get_or_init(|| rendered(&openapi())).clone()
}

/// `doc` as the committed file holds it: pretty JSON and a final newline.
pub(crate) fn rendered(doc: &utoipa::openapi::OpenApi) -> String {
    let mut text =
        doc.to_pretty_json().unwrap_or_else(|e| unreachable!("plain data serializes: {e}"));
    text.push('\n');
    text
}

/// The API browser page at `/scalar`, built when the app is: the document it shows is rendered
/// from these same routes, so building it while `routes` runs would recurse. Its script comes
/// from a CDN when the page is viewed (`res/scalar.html`); offline, the page says so and links
/// `/openapi.json`.
struct ApiBrowser;

impl actix_web::dev::HttpServiceFactory for ApiBrowser {
    fn register(self, config: &mut actix_web::dev::AppService) {
        use utoipa_scalar::Servable as _;
        // utoipa-scalar's page, with a pinned script and a message when the script cannot load.
        utoipa_scalar::Scalar::with_url("", openapi())
            .custom_html(include_str!("../res/scalar.html"))
            .register(config);
    }
}

/// Every route of the service: mounted by `serve`, rendered by `matrix`.
pub fn routes(r: &mut Routes<'_>) {
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

/// A resolution in progress.
type Resolution = std::pin::Pin<
    Box<dyn std::future::Future<Output = Result<Option<authz_actix::Actor>, sqlx::Error>>>,
>;

/// Resolves `Authorization: Bearer TOKEN` against the token table.
pub fn resolver(users: Users) -> impl Fn(HttpRequest) -> Resolution + 'static {
    move |req: HttpRequest| {
        let users = users.clone();
        let token = bearer_token(&req).map(str::to_owned);
        Box::pin(async move {
            match token {
                Some(token) => users.resolve(&token).await,
                None => Ok(None),
            }
        })
    }
}

/// An id in a path, in its one canonical spelling — the rule team scopes' gates apply
/// ([`Scope::parse_id`](authz_actix::Scope::parse_id): digits, no sign, no leading zero, within
/// `i64`) — on every route, so `/projects/01` and `/teams/01/projects` answer as a missing one
/// does, whoever asks.
// The operations name their path parameters (`params(...)`): utoipa infers them only from
// primitive `web::Path` types.
#[derive(Debug, Clone, Copy)]
pub struct Id(pub i64);

impl<'de> serde::Deserialize<'de> for Id {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        authz_actix::Scope::parse_id(&text)
            .map(Id)
            .ok_or_else(|| serde::de::Error::custom("not an id"))
    }
}

/// Bodies and paths that do not parse, answered as HTTP says: a body that is not JSON by its
/// `Content-Type` 415, one over the limit 413, JSON that does not fit the operation (an unknown or
/// wrongly typed field) 400 naming what did not fit, anything else a generic 400; and for ids the
/// same 404 a missing project gets, so `/projects/abc` reveals nothing either.
fn input_config(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::JsonConfig::default().limit(64 * 1024).error_handler(|err, _| {
        let response = body_problem(&err);
        actix_web::error::InternalError::from_response(err, response).into()
    }));
    cfg.app_data(web::PathConfig::default().error_handler(|err, req| {
        actix_web::error::InternalError::from_response(err, authz_actix::problem::missing(req))
            .into()
    }));
}

fn body_problem(err: &actix_web::error::JsonPayloadError) -> HttpResponse {
    use actix_web::error::JsonPayloadError;
    match err {
        JsonPayloadError::ContentType => problem(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Unsupported Media Type",
            "The request body must be sent as application/json.",
        ),
        JsonPayloadError::OverflowKnownLength { .. } | JsonPayloadError::Overflow { .. } => {
            problem(
                StatusCode::PAYLOAD_TOO_LARGE,
                "Payload Too Large",
                "The request body is larger than this operation accepts.",
            )
        }
        // serde's own words name the field and what was expected; the position is dropped.
        JsonPayloadError::Deserialize(e) if e.is_data() => {
            let what = e.to_string();
            let what = what.rsplit_once(" at line ").map_or(what.as_str(), |(head, _)| head);
            problem(
                StatusCode::BAD_REQUEST,
                "Bad Request",
                &format!("The request body does not fit this operation: {what}."),
            )
        }
        _ => problem(
            StatusCode::BAD_REQUEST,
            "Bad Request",
            "The request body is not valid JSON for this operation.",
        ),
    }
}

/// The whole app behind actix's `NormalizePath` (slashes merged, trailing slash trimmed), for
/// deployments that want it; the attack tests run against both.
pub fn app_normalized(
    db: Db,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    app(db).wrap(actix_web::middleware::NormalizePath::trim())
}

/// The whole app over `db`.
pub fn app(
    db: Db,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let users = Users::new(db.clone());
    // Called once per worker: each gets its own cache of team grants, shared by the routes'
    // gates and the service, over the store every worker and process shares.
    let grants = Grants::new(db.grants.clone(), &crate::perms::CATALOG);
    App::new()
        .wrap(ResolveActor::new(resolver(users.clone())))
        .app_data(grants.clone())
        .app_data(web::Data::new(ProjectService::with_grants(db, grants)))
        .app_data(web::Data::new(users))
        .app_data(web::Data::new(OpenApiJson(openapi_text())))
        .configure(input_config)
        .configure(mount(routes))
}
