//! Running a test inside a private network namespace: the test re-runs itself, alone, in a
//! child started by `unshare -n`, so `ip link set lo down` touches nothing outside. Without
//! the privilege for that it prints why it skipped, unless `CI=true`, where it fails.

use std::process::Command;

/// Set in the child, which then runs the body instead of starting another child.
const CHILD: &str = "KEEPALIVE_TESTS_IN_NETNS";

/// Why this process cannot create a network namespace, if it cannot.
pub fn cannot_unshare() -> Option<String> {
    // SAFETY: geteuid has no preconditions and cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        return Some("not running as root".into());
    }
    match Command::new("unshare").args(["-n", "true"]).output() {
        Err(e) => return Some(format!("cannot run `unshare`: {e}")),
        Ok(out) if !out.status.success() => {
            return Some(format!(
                "`unshare -n` failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        Ok(_) => {}
    }
    match Command::new("ip").arg("-V").output() {
        Err(e) => Some(format!("cannot run `ip` (Debian package iproute2): {e}")),
        Ok(_) => None,
    }
}

/// Runs `body` inside a fresh network namespace with `lo` up, by re-running the test
/// named `name` in a child under `unshare -n`.
pub fn in_private_netns(name: &str, body: fn()) {
    if std::env::var_os(CHILD).is_some() {
        ip_link_lo("up");
        body();
        return;
    }
    if let Some(why) = cannot_unshare() {
        let msg = format!("SKIPPED: needs CAP_SYS_ADMIN for unshare -n ({why})");
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("{msg}; CI=true, so this is a failure");
        }
        eprintln!("\n*** {msg} ***\n");
        return;
    }
    let exe = std::env::current_exe().expect("test binary path");
    let out = Command::new("unshare")
        .arg("-n")
        .arg(exe)
        .args(["--exact", name, "--nocapture", "--test-threads=1"])
        .env(CHILD, "1")
        .output()
        .expect("run the test under unshare -n");
    let stdout = String::from_utf8_lossy(&out.stdout);
    // Indented, so the child's own summary line is not read as this run's.
    for line in stdout
        .lines()
        .chain(String::from_utf8_lossy(&out.stderr).lines())
    {
        println!("    netns | {line}");
    }
    assert!(out.status.success(), "the test failed inside the namespace");
    assert!(
        stdout.contains("1 passed"),
        "the test did not run inside the namespace"
    );
}

/// `ip link set lo <state>` in this process's namespace.
pub fn ip_link_lo(state: &str) {
    let status = Command::new("ip")
        .args(["link", "set", "lo", state])
        .status()
        .expect("run ip");
    assert!(status.success(), "ip link set lo {state}");
}
