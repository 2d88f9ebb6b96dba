//! Four servers with the same small JSON handler: unguarded, gated by authz, gated by
//! actix-web-grants `#[protect]`, and enforced by casbin. `benches/http-compare.sh` loads them.
//!
//! ```text
//! http-compare [BASE_PORT] [--fillers]   # plain on BASE_PORT, authz +1, grants +2, casbin +3,
//!                                         # authz with telemetry +4 (127.0.0.1)
//! ```
//!
//! The fifth server is the authz one with decision telemetry on (`authz_actix::Telemetry`), its
//! metrics recorded by the Prometheus exporter's recorder, as `projects serve --metrics` does.
//!
//! The unguarded and authz servers also serve `/open`, plain and `#[public]`, and two routes with
//! a team id in the path: `/g/{team_id}/item` gated on a global permission, and
//! `/teams/{team_id}/item` scoped to the team (`Bearer tess` holds `editor` in team 7 only,
//! through an in-memory grant store; the cache answers after the first request).
//!
//! `--fillers` registers 20 more routes with a path parameter (`/f1/{id}` ...) before `/item` in
//! every server (declared ones in the authz server), so a request to `/item` is routed past them.
//!
//! Every server reads the caller from `Authorization: Bearer erin`, the same way, so the
//! difference between them is the authorization layer alone. One worker each: the load script
//! pins the servers to one core and the load generator to the other.

use std::sync::Arc;

use actix_web::dev::ServiceRequest;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, get, web};
use authz_actix::{Actor, ResolveActor, mount, require_permission};
use authz_benches::CATALOG;
use casbin::CoreApi;

fn caller(headers: &actix_web::http::header::HeaderMap) -> Option<&str> {
    headers.get(actix_web::http::header::AUTHORIZATION)?.to_str().ok()?.strip_prefix("Bearer ")
}

/// The same small JSON answer from every server.
fn body() -> HttpResponse {
    HttpResponse::Ok().content_type("application/json").body(r#"{"id":1,"name":"Apollo"}"#)
}

#[get("/item")]
async fn plain() -> HttpResponse {
    body()
}

#[require_permission("project:read")]
#[get("/item")]
async fn gated() -> HttpResponse {
    body()
}

#[get("/g/{team_id}/item")]
async fn plain_global_team() -> HttpResponse {
    body()
}

#[get("/teams/{team_id}/item")]
async fn plain_scoped_team() -> HttpResponse {
    body()
}

/// A global permission, on a path with a team id.
#[require_permission("project:read")]
#[get("/g/{team_id}/item")]
async fn global_team() -> HttpResponse {
    body()
}

/// The same permission, held in the team the path names.
#[require_permission("project:read", scope = team(path = "team_id"))]
#[get("/teams/{team_id}/item")]
async fn scoped_team() -> HttpResponse {
    body()
}

/// Open to anyone: what a `#[public]` route costs over the same unguarded route.
#[get("/open")]
async fn plain_open() -> HttpResponse {
    body()
}

/// Open to anyone.
#[authz_actix::public("benchmark")]
#[get("/open")]
async fn public_open() -> HttpResponse {
    body()
}

#[actix_web_grants::protect("project:read")]
#[get("/item")]
async fn protected() -> HttpResponse {
    body()
}

/// Twenty routes before `/item`: each an unguarded handler and the same handler declared.
macro_rules! fillers {
    ($($plain:ident $gated:ident $path:literal;)*) => {
        $(
            #[get($path)]
            async fn $plain() -> HttpResponse {
                body()
            }

            /// A filler route.
            #[require_permission("project:read")]
            #[get($path)]
            async fn $gated() -> HttpResponse {
                body()
            }
        )*

        fn plain_fillers(cfg: &mut web::ServiceConfig) {
            $(cfg.service($plain);)*
        }

        fn gated_fillers(r: &mut authz_actix::Routes<'_>) {
            $(r.service($gated);)*
        }
    };
}

fillers! {
    p1 g1 "/f1/{id}"; p2 g2 "/f2/{id}"; p3 g3 "/f3/{id}"; p4 g4 "/f4/{id}"; p5 g5 "/f5/{id}";
    p6 g6 "/f6/{id}"; p7 g7 "/f7/{id}"; p8 g8 "/f8/{id}"; p9 g9 "/f9/{id}"; p10 g10 "/f10/{id}";
    p11 g11 "/f11/{id}"; p12 g12 "/f12/{id}"; p13 g13 "/f13/{id}"; p14 g14 "/f14/{id}"; p15 g15 "/f15/{id}";
    p16 g16 "/f16/{id}"; p17 g17 "/f17/{id}"; p18 g18 "/f18/{id}"; p19 g19 "/f19/{id}"; p20 g20 "/f20/{id}";
}

async fn resolve(req: HttpRequest) -> Result<Option<Actor>, std::convert::Infallible> {
    Ok(match caller(req.headers()) {
        Some("erin") => CATALOG.actor(2, ["editor"]).ok(),
        // `member` globally: `project:read` only through `editor` in team 7 (`OneTeam`).
        Some("tess") => CATALOG.actor(5, ["member"]).ok(),
        _ => None,
    })
}

async fn grants(
    req: &ServiceRequest,
) -> Result<std::collections::HashSet<String>, actix_web::Error> {
    Ok(match caller(req.headers()) {
        Some("erin") => ["project:read", "project:write"].iter().map(|s| (*s).to_owned()).collect(),
        _ => Default::default(),
    })
}

#[get("/item")]
async fn enforced(req: HttpRequest, enforcer: web::Data<Arc<casbin::Enforcer>>) -> HttpResponse {
    let Some(subject) = caller(req.headers()) else {
        return HttpResponse::Unauthorized().finish();
    };
    match enforcer.enforce((subject, "project", "read")) {
        Ok(true) => body(),
        _ => HttpResponse::Forbidden().finish(),
    }
}

fn main() -> std::io::Result<()> {
    let base: u16 = std::env::args().nth(1).and_then(|p| p.parse().ok()).unwrap_or(18100);
    let fillers = std::env::args().any(|a| a == "--fillers");
    actix_web::rt::System::new().block_on(async move {
        let enforcer: Arc<casbin::Enforcer> = Arc::new(authz_benches::casbin_enforcer().await);
        // Fillers are never requested: only their routing cost matters, so the other servers get
        // the plain ones.
        let plain_fillers_if = move |cfg: &mut web::ServiceConfig| {
            if fillers {
                plain_fillers(cfg);
            }
        };
        let plain_server = HttpServer::new(move || {
            App::new()
                .configure(plain_fillers_if)
                .service(plain)
                .service(plain_open)
                .service(plain_global_team)
                .service(plain_scoped_team)
        })
        .workers(1)
        .bind(("127.0.0.1", base))?
        .run();
        let authz_app = move || {
            App::new()
                .wrap(ResolveActor::new(resolve))
                .app_data(authz_actix::Grants::new(authz_benches::OneTeam, &CATALOG))
                .configure(mount(move |r| {
                    if fillers {
                        gated_fillers(r);
                    }
                    r.service(gated).service(public_open).service(global_team).service(scoped_team);
                }))
        };
        let authz_server =
            HttpServer::new(authz_app).workers(1).bind(("127.0.0.1", base + 1))?.run();
        let recorder = metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder();
        metrics::set_global_recorder(recorder).map_err(std::io::Error::other)?;
        let telemetry = authz_actix::Telemetry::new();
        let telemetry_server = HttpServer::new(move || authz_app().app_data(telemetry.clone()))
            .workers(1)
            .bind(("127.0.0.1", base + 4))?
            .run();
        let grants_server = HttpServer::new(move || {
            App::new()
                .wrap(actix_web_grants::GrantsMiddleware::with_extractor(grants))
                .configure(plain_fillers_if)
                .service(protected)
        })
        .workers(1)
        .bind(("127.0.0.1", base + 2))?
        .run();
        let casbin_server = HttpServer::new(move || {
            App::new()
                .app_data(web::Data::new(enforcer.clone()))
                .configure(plain_fillers_if)
                .service(enforced)
        })
        .workers(1)
        .bind(("127.0.0.1", base + 3))?
        .run();
        eprintln!(
            "plain :{base}  authz :{}  grants :{}  casbin :{}  authz+telemetry :{}",
            base + 1,
            base + 2,
            base + 3,
            base + 4
        );
        run_all([plain_server, authz_server, grants_server, casbin_server, telemetry_server]).await
    })
}

async fn run_all<const N: usize>(servers: [actix_web::dev::Server; N]) -> std::io::Result<()> {
    for handle in servers.map(actix_web::rt::spawn) {
        handle.await.map_err(std::io::Error::other)??;
    }
    Ok(())
}
