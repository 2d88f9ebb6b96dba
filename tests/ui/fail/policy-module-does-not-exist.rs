use actix_web::{patch, HttpResponse};
use authz_actix::require_permission;

mod policies {
    /// Editors edit.
    #[authz_actix::policy]
    pub fn can_edit(_actor: &authz_actix::Actor) -> bool {
        false
    }
}

#[require_permission(authenticated, policy = polices::can_edit)]
#[patch("/projects/{id}")]
async fn update_project() -> HttpResponse {
    HttpResponse::Ok().finish()
}

fn main() {}
