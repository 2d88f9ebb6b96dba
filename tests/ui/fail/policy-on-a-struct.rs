use authz_actix::policy;

#[policy]
pub struct CanEdit;

fn main() {}
