//! Build-wide bounds (`KEEPALIVE_BOUNDS`): the cases in `build-bounds/` build with the
//! setting in the environment, as `.cargo/config.toml` `[env]` would put it there, and hold
//! types that never opted in. A binary of its own, so the setting reaches no other case.
//! Regenerate with `TRYBUILD=overwrite` and read the diff.

#[test]
fn build_bounds() {
    // SAFETY: the only test of this binary, before any thread is started.
    unsafe {
        std::env::set_var(
            "KEEPALIVE_BOUNDS",
            "max_timeout=5m, max_detect=2m, require_enabled",
        )
    };
    let t = trybuild::TestCases::new();
    t.compile_fail("build-bounds/fail/*.rs");
    t.pass("build-bounds/pass/*.rs");
}
