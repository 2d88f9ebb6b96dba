use axum::response::Response as HttpResponse;
use authz_axum::require_permission;

mod policies {
    /// Editors edit; owners edit their own.
    pub fn can_edit_project(_actor: &authz_axum::Actor, _owner: i64) -> bool {
        false
    }
}

#[require_permission(authenticated, policy = policies::can_edit_project)]
#[patch("/projects/{id}")]
async fn update_project() -> HttpResponse {
    HttpResponse::default()
}

fn main() {}
