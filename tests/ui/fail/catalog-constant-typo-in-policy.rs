mod perms {
    authz_actix::catalog!();
}

/// Editors only.
pub fn can_edit(actor: &authz_actix::Actor) -> bool {
    actor.has(perms::PROJECT_EDIT)
}

fn main() {}
