use axum::response::Response as HttpResponse;
use authz_axum::require_permission;

mod policies {
    /// Editors edit.
    #[authz_axum::policy]
    pub fn can_edit(_actor: &authz_axum::Actor) -> bool {
        false
    }
}

#[require_permission(authenticated, policy = polices::can_edit)]
#[patch("/projects/{id}")]
async fn update_project() -> HttpResponse {
    HttpResponse::default()
}

fn main() {}
