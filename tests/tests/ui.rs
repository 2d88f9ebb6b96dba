//! Compile-fail and compile-pass cases for the macros. `.stderr` files are reviewed by hand;
//! regenerate with `TRYBUILD=overwrite cargo test -p authz-tests --test ui` and read every diff.

use std::path::Path;

#[test]
fn ui() {
    // trybuild compiles the cases in its own crate under the target directory; give that crate
    // this crate's `authz.toml`, so literals are checked against a catalog as in a real app.
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).parent().expect("target dir");
    let project = target.join("tests").join("trybuild").join(env!("CARGO_PKG_NAME"));
    std::fs::create_dir_all(&project).expect("trybuild project dir");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("authz.toml"),
        project.join("authz.toml"),
    )
    .expect("copy catalog");

    let t = trybuild::TestCases::new();
    t.compile_fail("ui/fail/*.rs");
    t.pass("ui/pass/*.rs");
}
