mod perms {
    authz_actix::catalog!(path = "../catalogs/role-includes-circle.toml");
}

fn main() {}
