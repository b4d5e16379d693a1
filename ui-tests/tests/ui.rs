//! Every rejection the README promises is a case in `fail/` with its reviewed `.stderr`;
//! every accepted form is a case in `pass/`. Regenerate with `TRYBUILD=overwrite` and read
//! the diff.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("fail/*.rs");
    t.pass("pass/*.rs");
}
