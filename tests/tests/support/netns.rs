//! Running a test inside a private network namespace: the test re-runs itself, alone, in a
//! child started by `unshare -n`, so `ip link set lo down` touches nothing outside. Without
//! the privilege for that it prints why it skipped, unless `CI=true`, where it fails.

use std::process::Command;

use super::{in_child, rerun_alone};

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
/// `name` of `module` (its `module_path!()`) in a child under `unshare -n`.
pub fn in_private_netns(module: &str, name: &str, body: fn()) {
    if in_child() {
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
    rerun_alone(&["unshare", "-n"], module, name, &[]);
}

/// `ip link set lo <state>` in this process's namespace.
pub fn ip_link_lo(state: &str) {
    let status = Command::new("ip")
        .args(["link", "set", "lo", state])
        .status()
        .expect("run ip");
    assert!(status.success(), "ip link set lo {state}");
}

/// A second private network namespace, joined to this one by a veth pair: this side
/// `10.77.0.1` on `ka-near`, the peer's side `10.77.0.2` on `ka-far`. [`Peer::vanish`]
/// makes the peer drop everything it would send (`tc qdisc ... pfifo limit 0` on its
/// device), so it vanishes without a word while this side's own link stays up. Call inside
/// [`in_private_netns`]; the namespace goes away with the process holding it, on drop.
pub struct Peer {
    holder: std::process::Child,
}

impl Peer {
    /// This side's address.
    pub const NEAR: std::net::Ipv4Addr = std::net::Ipv4Addr::new(10, 77, 0, 1);
    /// The peer's address.
    pub const FAR: std::net::Ipv4Addr = std::net::Ipv4Addr::new(10, 77, 0, 2);

    pub fn new() -> Peer {
        let holder = Command::new("unshare")
            .args(["-n", "sleep", "600"])
            .spawn()
            .expect("start the peer's namespace");
        let peer = Peer { holder };
        // `unshare` execs `sleep` once the namespace exists; wait for that.
        let own = std::fs::read_link("/proc/self/ns/net").expect("own netns");
        let path = format!("/proc/{}/ns/net", peer.holder.id());
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while std::fs::read_link(&path).ok().is_none_or(|ns| ns == own) {
            assert!(
                std::time::Instant::now() < deadline,
                "the peer's namespace did not appear"
            );
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        let pid = peer.holder.id().to_string();
        run(&[
            "ip", "link", "add", "ka-near", "type", "veth", "peer", "name", "ka-far",
        ]);
        run(&["ip", "link", "set", "ka-far", "netns", &pid]);
        run(&["ip", "addr", "add", "10.77.0.1/24", "dev", "ka-near"]);
        run(&["ip", "link", "set", "ka-near", "up"]);
        peer.run(&["ip", "link", "set", "lo", "up"]);
        peer.run(&["ip", "addr", "add", "10.77.0.2/24", "dev", "ka-far"]);
        peer.run(&["ip", "link", "set", "ka-far", "up"]);
        peer
    }

    /// Runs a command inside the peer's namespace.
    pub fn run(&self, args: &[&str]) {
        let pid = self.holder.id().to_string();
        let mut all = vec!["nsenter", "-t", &pid, "-n"];
        all.extend_from_slice(args);
        run(&all);
    }

    /// A command to start inside the peer's namespace (a server that runs there).
    pub fn command(&self, program: &str) -> Command {
        let mut command = Command::new("nsenter");
        command.args(["-t", &self.holder.id().to_string(), "-n", program]);
        command
    }

    /// A listener inside the peer's namespace (a socket stays in the namespace it was
    /// created in; the thread that creates it enters the namespace and ends).
    pub fn listen(&self) -> std::net::TcpListener {
        let path = format!("/proc/{}/ns/net", self.holder.id());
        std::thread::spawn(move || {
            use std::os::fd::AsRawFd;
            let ns = std::fs::File::open(path).expect("open the peer's namespace");
            // SAFETY: `ns` is an open namespace descriptor; setns changes this thread only.
            let rc = unsafe { libc::setns(ns.as_raw_fd(), libc::CLONE_NEWNET) };
            assert_eq!(rc, 0, "setns: {}", std::io::Error::last_os_error());
            std::net::TcpListener::bind((Peer::FAR, 0)).expect("bind in the peer's namespace")
        })
        .join()
        .expect("the listener thread")
    }

    /// Runs `f` on a thread inside the peer's namespace: the sockets it creates stay there
    /// (clients whose side vanishes with the peer).
    pub fn within<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static) -> T {
        let path = format!("/proc/{}/ns/net", self.holder.id());
        std::thread::spawn(move || {
            use std::os::fd::AsRawFd;
            let ns = std::fs::File::open(path).expect("open the peer's namespace");
            // SAFETY: `ns` is an open namespace descriptor; setns changes this thread only.
            let rc = unsafe { libc::setns(ns.as_raw_fd(), libc::CLONE_NEWNET) };
            assert_eq!(rc, 0, "setns: {}", std::io::Error::last_os_error());
            f()
        })
        .join()
        .expect("the thread in the peer's namespace")
    }

    /// The peer vanishes: from now on it drops everything it would send.
    pub fn vanish(&self) {
        self.run(&[
            "tc", "qdisc", "add", "dev", "ka-far", "root", "pfifo", "limit", "0",
        ]);
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.holder.kill();
        let _ = self.holder.wait();
    }
}

/// Runs a command in this process's namespace; panics with its stderr if it fails.
pub fn run(args: &[&str]) {
    let out = Command::new(args[0])
        .args(&args[1..])
        .output()
        .unwrap_or_else(|e| panic!("run {args:?}: {e}"));
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr).trim()
    );
}
