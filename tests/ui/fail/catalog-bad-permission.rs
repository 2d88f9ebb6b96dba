mod perms {
    authz_actix::catalog!(path = "../catalogs/bad-permission.toml");
}

fn main() {}
