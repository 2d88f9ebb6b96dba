// A role that includes another holds its permissions, at run time as in the matrix.
mod perms {
    authz_actix::catalog!(path = "../catalogs/role-includes.toml");
}

fn main() {
    let editor = perms::CATALOG.actor(1, ["editor"]).expect("editor");
    assert!(editor.permissions().contains(perms::PROJECT_READ));
    assert!(editor.permissions().contains(perms::PROJECT_WRITE));
    assert_eq!(perms::CATALOG.includes("editor"), ["reader"]);
}
