mod perms {
    authz_axum::catalog!();
}

/// Editors only.
pub fn can_edit(actor: &authz_axum::Actor) -> bool {
    actor.has(perms::PROJECT_EDIT)
}

fn main() {}
