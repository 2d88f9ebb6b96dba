use actix_web::{patch, HttpResponse};
use authz_actix::require_permission;

mod policies {
    /// Editors edit; owners edit their own.
    pub fn can_edit_project(_actor: &authz_actix::Actor, _owner: i64) -> bool {
        false
    }
}

#[require_permission(authenticated, policy = policies::can_edit_project)]
#[patch("/projects/{id}")]
async fn update_project() -> HttpResponse {
    HttpResponse::Ok().finish()
}

fn main() {}
