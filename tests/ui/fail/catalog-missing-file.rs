mod perms {
    authz_actix::catalog!(path = "../catalogs/nowhere.toml");
}

fn main() {}
