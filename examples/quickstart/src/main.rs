//! The smallest real authz app: a catalog, bearer tokens resolved to actors, and gated handlers.
//!
//! ```text
//! cargo run -p quickstart -- [--bind 127.0.0.1:8080]
//! ```
//!
//! On start it prints one token per role; try
//! `curl -i -H "Authorization: Bearer TOKEN" http://127.0.0.1:8080/reports`.

use std::collections::HashMap;
use std::sync::Arc;

use actix_web::{get, post, web, App, HttpRequest, HttpResponse, HttpServer};
use authz_actix::{require_permission, Actor, Catalog, CurrentActor, Permission, PermissionDef, ResolveActor, RoleDef};

const REPORT_READ: Permission = Permission::new("report:read");
const REPORT_WRITE: Permission = Permission::new("report:write");
const USER_ADMIN: Permission = Permission::new("user:admin");

static CATALOG: Catalog = Catalog::new(
    &[
        PermissionDef { permission: REPORT_READ, description: "Read reports" },
        PermissionDef { permission: REPORT_WRITE, description: "Write reports" },
        PermissionDef { permission: USER_ADMIN, description: "Administer users" },
    ],
    &[
        RoleDef { name: "admin", permissions: &[REPORT_READ, REPORT_WRITE, USER_ADMIN] },
        RoleDef { name: "analyst", permissions: &[REPORT_READ] },
        RoleDef { name: "guest", permissions: &[] },
    ],
);

/// Token → (user id, role). A real app stores token hashes in a database.
type Tokens = Arc<HashMap<String, (i64, &'static str)>>;

/// Read reports.
#[require_permission("report:read")]
#[get("/reports")]
async fn read_reports(actor: CurrentActor) -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "reports": ["q1", "q2"], "reader": actor.id().to_string() }))
}

/// Write a report.
#[require_permission("report:write")]
#[post("/reports")]
async fn write_report() -> HttpResponse {
    HttpResponse::Created().json(serde_json::json!({ "id": 3 }))
}

/// List users.
#[require_permission("user:admin", deny = not_found)]
#[get("/admin/users")]
async fn list_users() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!([{ "id": 1, "name": "ada" }]))
}

fn random_token() -> String {
    // Not for production: an example without a CSPRNG dependency. Real apps use `getrandom`.
    use std::hash::{BuildHasher, Hasher};
    let mut out = String::new();
    for _ in 0..2 {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos()));
        out.push_str(&format!("{:016x}", h.finish()));
    }
    out
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    tracing_subscriber::fmt().with_max_level(tracing::Level::INFO).init();
    let mut args = std::env::args().skip(1);
    let mut bind = String::from("127.0.0.1:8080");
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--bind", Some(addr)) => bind = addr,
            _ => {
                eprintln!("usage: quickstart [--bind ADDR]");
                std::process::exit(2);
            }
        }
    }

    let mut tokens = HashMap::new();
    for (id, role) in [(1, "admin"), (2, "analyst"), (3, "guest")] {
        let token = random_token();
        println!("{role:8} Authorization: Bearer {token}");
        tokens.insert(token, (id, role));
    }
    let tokens: Tokens = Arc::new(tokens);

    println!("listening on http://{bind}");
    HttpServer::new(move || {
        let tokens = tokens.clone();
        App::new()
            .wrap(ResolveActor::new(move |req: HttpRequest| {
                let tokens = tokens.clone();
                async move { Ok::<_, std::convert::Infallible>(resolve(&tokens, &req)) }
            }))
            .service(read_reports)
            .service(write_report)
            .service(list_users)
            .default_service(web::to(authz_actix::problem::not_found))
    })
    .bind(bind)?
    .run()
    .await
}

fn resolve(tokens: &Tokens, req: &HttpRequest) -> Option<Actor> {
    let header = req.headers().get("authorization")?.to_str().ok()?;
    let token = header.strip_prefix("Bearer ")?;
    let (id, role) = tokens.get(token)?;
    CATALOG.actor(*id, [*role]).ok()
}
