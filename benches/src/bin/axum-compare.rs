//! Four axum servers with the same small JSON handler: unguarded, gated by authz-axum, gated by
//! protect-axum's `#[protect]` (its `GrantsLayer` reading the caller's permissions), and behind
//! axum-login's `permission_required!` (its session and auth layers, an in-memory session
//! store). `benches/axum-instructions.sh` loads them.
//!
//! ```text
//! axum-compare [BASE_PORT]   # plain on BASE_PORT, authz-axum +1, protect-axum +2, axum-login +3
//! ```
//!
//! The unguarded, authz and protect-axum servers read the caller from `Authorization: Bearer
//! erin`, the same way; axum-login reads its session cookie (`POST /login` on its server logs in
//! and sets it), which is what an axum-login app's requests carry. The unguarded and authz servers
//! also serve `/open`, plain and `#[public]`. One runtime thread each server: the load script
//! runs them under callgrind, which serializes threads anyway.

use std::collections::HashSet;
use std::convert::Infallible;

use authz_axum::{Actor, App, Routes, public, require_permission};
use authz_benches::CATALOG;
use axum::Router;
use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use http::request::Parts;

fn caller(headers: &http::HeaderMap) -> Option<&str> {
    headers.get(http::header::AUTHORIZATION)?.to_str().ok()?.strip_prefix("Bearer ")
}

/// The same small JSON answer from every server.
fn body() -> Response {
    ([(http::header::CONTENT_TYPE, "application/json")], r#"{"id":1,"name":"Apollo"}"#)
        .into_response()
}

async fn plain() -> Response {
    body()
}

/// Read the item.
#[require_permission("project:read")]
#[get("/item")]
async fn gated() -> Response {
    body()
}

/// Open to anyone.
#[public("benchmark")]
#[get("/open")]
async fn public_open() -> Response {
    body()
}

fn routes(r: &mut Routes<'_>) {
    r.service(gated).service(public_open);
}

async fn resolve(parts: &Parts) -> Result<Option<Actor>, Infallible> {
    Ok(match caller(&parts.headers) {
        Some("erin") => CATALOG.actor(2, ["editor"]).ok(),
        _ => None,
    })
}

#[protect_axum::protect("project:read")]
async fn protected() -> Response {
    body()
}

/// protect-axum's extractor: the caller's permissions, as a set of strings.
async fn authorities(req: &mut Request) -> Result<HashSet<String>, Response> {
    Ok(match caller(req.headers()) {
        Some("erin") => ["project:read", "project:write"].iter().map(|s| (*s).to_owned()).collect(),
        _ => HashSet::new(),
    })
}

/// axum-login's user and backend: one user, erin, with `project:read`.
mod login {
    use std::collections::HashSet;

    #[derive(Debug, Clone)]
    pub struct User;

    impl axum_login::AuthUser for User {
        type Id = i64;

        fn id(&self) -> i64 {
            2
        }

        fn session_auth_hash(&self) -> &[u8] {
            b"erin's password hash"
        }
    }

    #[derive(Debug, Clone)]
    pub struct Backend;

    #[derive(Debug, thiserror::Error)]
    #[error("never")]
    pub struct Never;

    impl axum_login::AuthnBackend for Backend {
        type User = User;
        type Credentials = ();
        type Error = Never;

        async fn authenticate(&self, (): ()) -> Result<Option<User>, Never> {
            Ok(Some(User))
        }

        async fn get_user(&self, id: &i64) -> Result<Option<User>, Never> {
            Ok((*id == 2).then_some(User))
        }
    }

    impl axum_login::AuthzBackend for Backend {
        type Permission = String;

        async fn get_user_permissions(&self, _: &User) -> Result<HashSet<String>, Never> {
            Ok(["project:read".to_owned(), "project:write".to_owned()].into())
        }
    }

    /// Logs erin in: the answer sets the session cookie.
    pub async fn log_in(mut session: axum_login::AuthSession<Backend>) -> http::StatusCode {
        match session.authenticate(()).await {
            Ok(Some(user)) if session.login(&user).await.is_ok() => http::StatusCode::OK,
            _ => http::StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

fn main() -> std::io::Result<()> {
    let base: u16 = std::env::args().nth(1).and_then(|p| p.parse().ok()).unwrap_or(18300);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async move {
        let unguarded: Router = Router::new().route("/item", get(plain)).route("/open", get(plain));
        let authz = App::new(routes, resolve);
        let protect: Router = Router::new()
            .route("/item", get(protected))
            .layer(protect_axum::GrantsLayer::with_extractor(authorities));
        let sessions =
            tower_sessions::SessionManagerLayer::new(tower_sessions::MemoryStore::default())
                .with_secure(false);
        let auth = axum_login::AuthManagerLayerBuilder::new(login::Backend, sessions).build();
        let login: Router = Router::new()
            .route("/item", get(plain))
            .route_layer(axum_login::permission_required!(
                login::Backend,
                "project:read".to_owned()
            ))
            .route("/login", post(login::log_in))
            .layer(auth);

        let bind = |offset: u16| tokio::net::TcpListener::bind(("127.0.0.1", base + offset));
        let (l0, l1, l2, l3) = (bind(0).await?, bind(1).await?, bind(2).await?, bind(3).await?);
        tokio::spawn(async move { axum::serve(l0, unguarded).await });
        tokio::spawn(async move { axum::serve(l1, authz.into_make_service()).await });
        tokio::spawn(async move { axum::serve(l2, protect).await });
        axum::serve(l3, login).await
    })
}
