mod perms {
    authz_actix::catalog!(path = "../catalogs/role-includes-unknown.toml");
}

fn main() {}
