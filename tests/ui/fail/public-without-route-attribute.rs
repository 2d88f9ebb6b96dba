use actix_web::HttpResponse;
use authz_actix::public;

#[public("probes")]
async fn health() -> HttpResponse {
    HttpResponse::Ok().finish()
}

fn main() {}
