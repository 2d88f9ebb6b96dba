//! Compile-fail and compile-pass cases for the macros. `.stderr` files are reviewed by hand;
//! regenerate with `TRYBUILD=overwrite cargo test -p authz-tests --test ui` and read every diff.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("ui/fail/*.rs");
    t.pass("ui/pass/*.rs");
}
