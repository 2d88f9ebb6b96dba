use authz_axum::policy;

#[policy]
pub struct CanEdit;

fn main() {}
