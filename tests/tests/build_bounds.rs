//! Build-wide bounds (`KEEPALIVE_BOUNDS`) as a user's build meets them: a workspace in a
//! directory of its own with a dependency crate that does not opt in, built with `cargo`
//! under one `.cargo/config.toml` `[env]` setting, then another. The generated code reads
//! the setting with `option_env!`, so the second build must recompile the dependency and
//! pass or fail by the new setting, and a malformed setting must fail naming it.
//! `cargo test -p keepalive-tests --test all build_bounds -- --ignored`.
#![cfg(target_os = "linux")]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const DEP: &str = r#"
use keepalive_runtime::prelude::*;

/// Ten minutes idle: within `max_timeout=15m`, beyond `max_timeout=5m`.
#[keepalive(timeout = "10m", interval = "30s", retries = 3)]
pub struct DepConn {
    pub stream: std::net::TcpStream,
}
"#;

const APP: &str = r#"
use keepalive_runtime::{KeepAlivePolicy, PolicyOverride};
use std::time::Duration;

fn main() {
    // The type's own policy is within the bounds; a run-time change beyond them is refused.
    println!("own: {}", dep::DepConn::policy());
    let longer = PolicyOverride::new().with_timeout(Duration::from_secs(20 * 60));
    match dep::DepConn::policy_with(&longer) {
        Ok(p) => println!("override accepted: {p}"),
        Err(e) => println!("override refused: {e}"),
    }
}
"#;

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// The workspace, under this package's own temporary directory in `target/` (so the
/// repository's `rust-toolchain.toml` applies and a second run of the test builds little).
fn workspace() -> PathBuf {
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("build-bounds");
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let runtime = repo.join("keepalive-runtime");
    write(
        &root.join("Cargo.toml"),
        "[workspace]\nmembers = [\"app\", \"dep\"]\nresolver = \"2\"\n",
    );
    write(
        &root.join("dep/Cargo.toml"),
        &format!(
            "[package]\nname = \"dep\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
             [dependencies]\nkeepalive-runtime = {{ path = {:?} }}\n",
            runtime.display().to_string()
        ),
    );
    write(&root.join("dep/src/lib.rs"), DEP);
    write(
        &root.join("app/Cargo.toml"),
        &format!(
            "[package]\nname = \"app\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
             [dependencies]\ndep = {{ path = \"../dep\" }}\nkeepalive-runtime = {{ path = {:?} }}\n",
            runtime.display().to_string()
        ),
    );
    write(&root.join("app/src/main.rs"), APP);
    // The repository's lock file, so the build resolves offline to the versions it tests.
    std::fs::copy(repo.join("Cargo.lock"), root.join("Cargo.lock")).unwrap();
    root
}

/// `cargo run -p app` with `KEEPALIVE_BOUNDS = setting` in `.cargo/config.toml` `[env]`.
fn run_with(root: &Path, setting: &str) -> Output {
    write(
        &root.join(".cargo/config.toml"),
        &format!("[env]\nKEEPALIVE_BOUNDS = {setting:?}\n"),
    );
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .args(["run", "--offline", "-p", "app"])
        // `[env]` does not override the environment: the test's own must not carry it.
        .env_remove("KEEPALIVE_BOUNDS")
        .env("CARGO_TARGET_DIR", root.join("target"))
        .env("CARGO_TERM_COLOR", "never")
        .current_dir(root)
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

// Ignored in the test run: it runs cargo, whose builds would load the machine under the
// timing tests beside it; a step of `.ci/run` of its own.
#[test]
#[ignore = "spawns cargo; run by .ci/run with --ignored"]
fn a_dependency_is_held_to_the_setting_and_rebuilt_when_it_changes() {
    let root = workspace();

    let strict = run_with(&root, "max_timeout=5m, require_enabled");
    let stderr = text(&strict.stderr);
    assert!(!strict.status.success(), "{stderr}");
    assert!(
        stderr.contains(
            "`dep::DepConn`: this policy breaks the build-wide bounds `KEEPALIVE_BOUNDS = \"max_timeout=5m, require_enabled\"` \
             (from `.cargo/config.toml` `[env]` or the environment of the build): \
             `timeout = \"10m\"` is above its maximum of \"5m\"; write at most \"5m\""
        ),
        "{stderr}"
    );
    assert!(stderr.contains("dep/src/lib.rs"), "{stderr}");

    // The same sources, a looser setting: cargo must rebuild `dep` (its dep-info records
    // the variable) and the build passes; the run-time change is held to the new bound.
    let loose = run_with(&root, "max_timeout=15m");
    let (stdout, stderr) = (text(&loose.stdout), text(&loose.stderr));
    assert!(loose.status.success(), "{stderr}");
    assert!(stderr.contains("Compiling dep v0.0.0"), "{stderr}");
    assert!(
        stdout.contains(r#"own: timeout = "10m", interval = "30s", retries = 3"#),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "override refused: invalid keep-alive policy: this policy breaks the build-wide bounds `KEEPALIVE_BOUNDS = \"max_timeout=15m\"`"
        ) && stdout.contains("`timeout = \"20m\"` is above its maximum of \"15m\""),
        "{stdout}"
    );

    let malformed = run_with(&root, "max_timeout=15x");
    let stderr = text(&malformed.stderr);
    assert!(!malformed.status.success(), "{stderr}");
    assert!(
        stderr.contains(
            "`KEEPALIVE_BOUNDS = \"max_timeout=15x\"` (from `.cargo/config.toml` `[env]` or the environment of the build) \
             is malformed at byte 14: unknown unit `x`"
        ),
        "{stderr}"
    );
}
