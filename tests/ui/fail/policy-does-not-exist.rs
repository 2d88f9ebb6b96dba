use actix_web::{get, HttpResponse};
use authz_actix::require_permission;

mod policies {
    #[authz_actix::policy]
    pub fn can_edit(_: &authz_actix::Actor) -> bool {
        true
    }
}

#[require_permission("project:read", policy = policies::can_edti)]
#[get("/x")]
async fn handler() -> HttpResponse {
    HttpResponse::Ok().finish()
}

fn main() {}
