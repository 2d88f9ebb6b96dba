use actix_web::{get, HttpResponse};
use authz_actix::Routes;

#[get("/plain")]
async fn plain() -> HttpResponse {
    HttpResponse::Ok().finish()
}

fn routes(r: &mut Routes<'_>) {
    r.service(plain);
}

fn main() {
    let _ = authz_actix::routes::collect(routes);
}
