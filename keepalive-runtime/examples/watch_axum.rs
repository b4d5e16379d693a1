//! The watch over an axum server: `cargo run -p keepalive-runtime --example watch_axum
//! --features axum,watch [-- <connections> <cut>]` (default 300 and 30; needs root).
//!
//! An axum server whose listener registers every accepted connection in a `Watch`
//! (`Listener::bind(..).await?.watched(&watch)`) takes `<connections>` clients, each of
//! which makes one request and keeps its connection open. `<cut>` of them connect from a
//! second network namespace, whose peer then vanishes without a word: from then on it
//! drops everything it would send. Once a second the example polls the watch and prints
//! how many connections are in each phase, and each death with its cause; it ends when
//! every cut connection is dead, or after the policy's bound + 5 s, with a one-line
//! summary.
//!
//! Everything happens in a private network namespace (the example re-runs itself under
//! `unshare -n`), so nothing outside it is touched; that needs root, `unshare`
//! (util-linux) and `ip` and `tc` (iproute2). Each connection holds two descriptors here
//! (client and server), so above about 450 connections raise `ulimit -n` first.

/// The server's policy, short enough to watch: a vanished peer is declared dead
/// 1 s + 3 × 1 s after the last segment it sent.
#[cfg(target_os = "linux")]
#[keepalive_runtime::keepalive(timeout = "1s", interval = "1s", retries = 3)]
struct Clients;

#[cfg(target_os = "linux")]
fn main() -> std::process::ExitCode {
    match linux::run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("watch_axum: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn main() -> std::process::ExitCode {
    eprintln!("watch_axum: the vanishing peer needs Linux network namespaces");
    std::process::ExitCode::FAILURE
}

#[cfg(target_os = "linux")]
mod linux {
    use std::error::Error;
    use std::io::{Read, Write};
    use std::net::{Ipv4Addr, TcpStream};
    use std::process::Command;
    use std::time::{Duration, Instant};

    use keepalive_runtime::integrations::axum::Listener;
    use keepalive_runtime::prelude::*;
    use keepalive_runtime::status::Cause;
    use keepalive_runtime::watch::{Change, Phase, Watch, cause_name};

    use super::Clients;

    type Result<T> = std::result::Result<T, Box<dyn Error>>;

    /// Set in the copy of this program that runs inside the private namespace.
    const IN_NETNS: &str = "KEEPALIVE_WATCH_AXUM_IN_NETNS";

    pub(super) fn run() -> Result<()> {
        let mut args = std::env::args().skip(1);
        let mut count = |default| args.next().map_or(Ok(default), |a| a.parse::<usize>());
        let (Ok(connections), Ok(cut)) = (count(300), count(30)) else {
            return Err("usage: watch_axum [<connections> [<cut>]] (default 300 30)".into());
        };
        if cut > connections {
            return Err(format!("{cut} cut connections of {connections}?").into());
        }
        if std::env::var_os(IN_NETNS).is_some() {
            return watch_them(connections, cut);
        }
        // Not in the private namespace yet: run this program again in one.
        let exe = std::env::current_exe()?;
        if let Some(why) = cannot_unshare() {
            return Err(format!(
                "this example needs a private network namespace ({why}); run it as root, \
                 with util-linux and iproute2 installed: sudo {}",
                exe.display()
            )
            .into());
        }
        let status = Command::new("unshare")
            .arg("-n")
            .arg(&exe)
            .args([connections.to_string(), cut.to_string()])
            .env(IN_NETNS, "1")
            .status()?;
        if !status.success() {
            return Err(format!("the run in the private namespace failed: {status}").into());
        }
        Ok(())
    }

    /// Why a private network namespace is out of reach, if it is.
    fn cannot_unshare() -> Option<String> {
        match Command::new("unshare")
            .args(["-n", "ip", "link", "set", "lo", "up"])
            .output()
        {
            Err(e) => Some(format!("cannot run `unshare`: {e}")),
            Ok(out) if !out.status.success() => Some(format!(
                "`unshare -n ip link set lo up` failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            )),
            Ok(_) => None,
        }
    }

    /// Inside the private namespace: the server, the clients, the cut, the polls.
    fn watch_them(connections: usize, cut: usize) -> Result<()> {
        sh(&["ip", "link", "set", "lo", "up"])?;
        let peer = Peer::new()?;
        let watch = Watch::new();
        let port = serve(&watch)?;

        // Each client has had its reply, so the server has accepted (and registered) it.
        let kept = (cut..connections)
            .map(|_| client((Ipv4Addr::LOCALHOST, port)))
            .collect::<std::io::Result<Vec<_>>>()?;
        let far = peer.within(move || {
            (0..cut)
                .map(|_| client((Peer::NEAR, port)))
                .collect::<std::io::Result<Vec<_>>>()
        })??;
        let bound = Clients::POLICY.worst_case_detection()?;
        println!(
            "{connections} connections to an axum server ({}), {cut} of them from a second \
             network namespace; the watch's first poll: {}",
            Clients::policy(),
            watch.poll(|_| {})
        );
        println!(
            "the second namespace's peer vanishes; its connections should be dead within {:.1} s",
            bound.as_secs_f64()
        );
        peer.vanish()?;

        let start = Instant::now();
        let mut deaths: Vec<Change> = Vec::new();
        let counts = loop {
            std::thread::sleep(Duration::from_secs(1));
            let counts = watch.poll(|change| {
                if change.to == Phase::Dead {
                    println!("        {change}");
                    deaths.push(*change);
                }
            });
            println!("{:4.1} s  {counts}", start.elapsed().as_secs_f64());
            if deaths.len() >= cut || start.elapsed() > bound + Duration::from_secs(5) {
                break counts;
            }
        };

        // The summary: which connections died, of what, and how long after they last
        // heard from their peer, next to the policy's bound.
        let from_far = deaths
            .iter()
            .filter(|c| c.peer.is_some_and(|p| p.ip() == Peer::FAR))
            .count();
        let unanswered = deaths
            .iter()
            .filter(|c| matches!(c.cause, Some(Cause::KeepAliveUnanswered { .. })))
            .count();
        let slowest = deaths.iter().filter_map(|c| c.detection).max();
        println!(
            "{from_far} of the {cut} cut connections dead, {unanswered} of them of unanswered \
             keep-alive probes, the slowest {:.2} s after its last segment (bound {:.1} s); \
             {} of the other {} dead; {:.1} s after the cut",
            slowest.unwrap_or_default().as_secs_f64(),
            bound.as_secs_f64(),
            deaths.len() - from_far,
            connections - cut,
            start.elapsed().as_secs_f64(),
        );
        drop((kept, far));
        if from_far < cut || unanswered < deaths.len() || deaths.len() > from_far {
            let causes: Vec<_> = deaths
                .iter()
                .flat_map(|c| c.cause.as_ref())
                .map(cause_name)
                .collect();
            return Err(format!("not the deaths expected ({counts}): {causes:?}").into());
        }
        Ok(())
    }

    /// Serves a one-route axum app on every address at a free port, on a thread of its own,
    /// through a listener that registers each accepted connection in `watch`.
    fn serve(watch: &Watch) -> Result<u16> {
        let watch = watch.clone();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a tokio runtime");
            rt.block_on(async move {
                let listener = Listener::bind((Ipv4Addr::UNSPECIFIED, 0), Clients::policy())
                    .await
                    .expect("bind");
                tx.send(listener.local_addr().map(|a| a.port())).unwrap();
                let app = axum::Router::new().route("/", axum::routing::get(|| async { "ok" }));
                axum::serve(listener.watched(&watch), app).await
            })
        });
        Ok(rx.recv()??)
    }

    /// A client that makes one request and keeps its connection open.
    fn client(addr: (Ipv4Addr, u16)) -> std::io::Result<TcpStream> {
        let mut stream = TcpStream::connect(addr)?;
        stream.write_all(b"GET / HTTP/1.1\r\nhost: example\r\n\r\n")?;
        let mut reply = [0; 64];
        let n = stream.read(&mut reply)?;
        if !reply[..n].starts_with(b"HTTP/1.1 200") {
            return Err(std::io::Error::other("the server did not answer 200"));
        }
        Ok(stream)
    }

    /// A second network namespace, held by a `sleep` started in it and joined to this one
    /// by a veth pair: here `10.77.0.1` on `ka-near`, there `10.77.0.2` on `ka-far`
    /// (as tests/tests/support/netns.rs builds it). It goes away with this process.
    struct Peer {
        holder: std::process::Child,
    }

    impl Peer {
        const NEAR: Ipv4Addr = Ipv4Addr::new(10, 77, 0, 1);
        const FAR: Ipv4Addr = Ipv4Addr::new(10, 77, 0, 2);

        fn new() -> Result<Peer> {
            let holder = Command::new("unshare")
                .args(["-n", "sleep", "600"])
                .spawn()?;
            let peer = Peer { holder };
            // `unshare` execs `sleep` once the namespace exists; wait for that.
            let own = std::fs::read_link("/proc/self/ns/net")?;
            let deadline = Instant::now() + Duration::from_secs(5);
            while std::fs::read_link(peer.ns())
                .ok()
                .is_none_or(|ns| ns == own)
            {
                if Instant::now() > deadline {
                    return Err("the second namespace did not appear".into());
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            let pid = peer.holder.id().to_string();
            sh(&[
                "ip", "link", "add", "ka-near", "type", "veth", "peer", "name", "ka-far",
            ])?;
            sh(&["ip", "link", "set", "ka-far", "netns", &pid])?;
            sh(&["ip", "addr", "add", "10.77.0.1/24", "dev", "ka-near"])?;
            sh(&["ip", "link", "set", "ka-near", "up"])?;
            peer.within(|| {
                sh(&["ip", "link", "set", "lo", "up"])?;
                sh(&["ip", "addr", "add", "10.77.0.2/24", "dev", "ka-far"])?;
                sh(&["ip", "link", "set", "ka-far", "up"])
            })??;
            Ok(peer)
        }

        fn ns(&self) -> String {
            format!("/proc/{}/ns/net", self.holder.id())
        }

        /// Runs `f` on a thread inside the namespace: the sockets it creates, and the
        /// processes it starts, belong there.
        fn within<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static) -> Result<T> {
            let ns = std::fs::File::open(self.ns())?;
            std::thread::spawn(move || {
                use std::os::fd::AsRawFd;
                // SAFETY: `ns` is an open namespace descriptor; setns moves this thread only.
                match unsafe { libc::setns(ns.as_raw_fd(), libc::CLONE_NEWNET) } {
                    0 => Ok(f()),
                    _ => Err(std::io::Error::last_os_error()),
                }
            })
            .join()
            .map_err(|_| "the thread in the second namespace panicked")?
            .map_err(|e| format!("setns: {e}").into())
        }

        /// The peer vanishes: its device drops everything it would send, so this side
        /// hears nothing more, while its own link stays up.
        fn vanish(&self) -> Result<()> {
            self.within(|| {
                sh(&[
                    "tc", "qdisc", "add", "dev", "ka-far", "root", "pfifo", "limit", "0",
                ])
            })??;
            Ok(())
        }
    }

    impl Drop for Peer {
        fn drop(&mut self) {
            let _ = self.holder.kill();
            let _ = self.holder.wait();
        }
    }

    /// Runs a command; its stderr is the error if it fails.
    fn sh(args: &[&str]) -> std::result::Result<(), String> {
        let out = Command::new(args[0])
            .args(&args[1..])
            .output()
            .map_err(|e| format!("run {}: {e}", args[0]))?;
        if !out.status.success() {
            let stderr = String::from_utf8_lossy(&out.stderr);
            return Err(format!("{}: {}", args.join(" "), stderr.trim()));
        }
        Ok(())
    }
}
