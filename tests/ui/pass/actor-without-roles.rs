//! An actor with no roles needs no type annotation; names come as arrays, slices or `Vec`s of
//! `&str` or `String`.

use authz_actix::{Catalog, Permission, PermissionDef, RoleDef};

const READ: Permission = Permission::new("doc:read");
static CATALOG: Catalog = Catalog::new(&[PermissionDef { permission: READ, description: "Read" }], &[RoleDef { name: "reader", permissions: &[READ] }]);

fn main() {
    let nobody = CATALOG.actor(9, []).unwrap();
    assert!(!nobody.has(READ));
    let from_store: Vec<String> = vec!["reader".to_owned()];
    assert!(CATALOG.actor(1, &from_store).unwrap().has(READ));
    assert!(CATALOG.actor(1, from_store.as_slice()).unwrap().has(READ));
    assert!(CATALOG.actor(1, ["reader"]).unwrap().has(READ));
    let names: &[&str] = &["reader"];
    assert!(CATALOG.actor(1, names).unwrap().has(READ));
}
