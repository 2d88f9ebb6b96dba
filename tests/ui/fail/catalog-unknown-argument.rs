authz_actix::catalog!(file = "authz.toml");

fn main() {}
