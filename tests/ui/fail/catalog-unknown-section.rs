mod perms {
    authz_actix::catalog!(path = "../catalogs/unknown-section.toml");
}

fn main() {}
