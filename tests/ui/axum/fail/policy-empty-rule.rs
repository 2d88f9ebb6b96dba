use authz_axum::policy;

/// Owners only.
#[policy(rule = "")]
pub fn can_edit(_actor: &authz_axum::Actor) -> bool {
    true
}

fn main() {}
