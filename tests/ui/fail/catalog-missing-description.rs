mod perms {
    authz_actix::catalog!(path = "../catalogs/missing-description.toml");
}

fn main() {}
