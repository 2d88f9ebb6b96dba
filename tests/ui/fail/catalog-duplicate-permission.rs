mod perms {
    authz_actix::catalog!(path = "../catalogs/duplicate-permission.toml");
}

fn main() {}
