use authz_actix::policy;

/// Owners only.
#[policy(rules = "owner")]
pub fn can_edit(_actor: &authz_actix::Actor) -> bool {
    true
}

fn main() {}
