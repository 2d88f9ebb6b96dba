use actix_web::{get, HttpResponse};
use authz_actix::require_permission;

#[require_permission("project:read")]
#[utoipa::path(path = "/reports", responsess((status = 200, description = "Reports")))]
#[get("/reports")]
async fn reports() -> HttpResponse {
    HttpResponse::Ok().finish()
}

fn main() {}
