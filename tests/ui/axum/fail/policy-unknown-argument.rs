use authz_axum::policy;

/// Owners only.
#[policy(rules = "owner")]
pub fn can_edit(_actor: &authz_axum::Actor) -> bool {
    true
}

fn main() {}
