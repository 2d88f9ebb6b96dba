mod perms {
    authz_actix::catalog!(path = "../catalogs/invalid-toml.toml");
}

fn main() {}
