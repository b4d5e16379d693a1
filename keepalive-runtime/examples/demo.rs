//! README's first command: `cargo run -p keepalive-runtime --example demo`.
//!
//! Starts a local server whose listener carries a policy type, connects an annotated
//! connection type, prints its policy, what the kernel holds on both ends (read back with
//! getsockopt) and the worst-case detection time. With feature `watch`, a watch over three
//! accepted connections then sees one of them reset by its client. Where it may create a
//! private network namespace (root, `unshare`, `ip`), it then makes the peer vanish, prints
//! the connection's keep-alive status once a second (the probes counting up) and then the
//! cause of death and the measured detection time next to the bound. With feature
//! `inventory`, `-- --keepalive-inventory` prints the table of its connection types instead.

use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use keepalive_runtime::config::format_duration;
use keepalive_runtime::prelude::*;
use keepalive_runtime::status::read_back;
use keepalive_runtime::{Listener, Policy, connect};

/// The connection of this demonstration.
#[keepalive(timeout = "2h", interval = "1s", retries = 5)]
struct Conn {
    stream: TcpStream,
}

/// The server's policy: a policy type, carried by every socket its listener accepts.
#[keepalive(timeout = "5m", interval = "30s", retries = 4)]
struct ServerPolicy;

/// A policy short enough to watch: dead after 2 s + 3 × 1 s, idle or (through the user
/// timeout) with data in flight.
#[keepalive(
    timeout = "2s",
    interval = "1s",
    retries = 3,
    user_timeout = "5s",
    max_detect = "5s"
)]
struct FastConn {
    stream: TcpStream,
}

const IN_NETNS: &str = "KEEPALIVE_DEMO_IN_NETNS";

fn show_policy(name: &str, policy: &Policy) {
    println!("{name}: {policy}");
    match policy.worst_case_detection() {
        Ok(d) => println!(
            "worst-case dead-peer detection (timeout + interval x retries): {}",
            format_duration(d)
        ),
        Err(why) => println!("worst-case dead-peer detection: unknown ({why})"),
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    if std::env::var_os(IN_NETNS).is_some() {
        return vanish();
    }
    // `--keepalive-inventory`: the table of this program's connection types, and nothing else.
    #[cfg(feature = "inventory")]
    if keepalive_runtime::inventory::print_if_requested() {
        return Ok(());
    }
    #[cfg(not(feature = "inventory"))]
    if std::env::args().any(|a| a == "--keepalive-inventory") {
        return Err(
            "the inventory needs feature `inventory`: cargo run -p keepalive-runtime \
             --example demo --features inventory -- --keepalive-inventory"
                .into(),
        );
    }

    let server = Listener::bind("127.0.0.1:0", ServerPolicy::policy())?;
    let addr = server.local_addr()?;
    println!("server listening on {addr}; {}", server.applied());
    let conn = Conn {
        stream: connect(addr, Conn::policy())?.stream,
    };
    let (accepted, peer) = server.accept()?;
    println!(
        "connected {peer} -> {addr}, options applied {:?}\n",
        Conn::APPLY
    );
    show_policy("Conn", &Conn::POLICY);
    println!("\nwhat the kernel holds (getsockopt):");
    let report = conn.keepalive_report()?;
    println!("{report}");
    println!(
        "=> {}",
        if report.all_match() {
            "every option matches the policy"
        } else {
            "the kernel differs from the policy"
        }
    );
    match conn.keepalive_status() {
        Ok(now) => println!("\nkeep-alive status: {now}\n  ({})", now.status()),
        Err(e) => println!("\nkeep-alive status: {e}"),
    }
    show_policy("\nServerPolicy", &ServerPolicy::POLICY);
    let accepted = read_back(&accepted, &server.policy())?;
    println!("the accepted socket (getsockopt):\n{accepted}");
    #[cfg(feature = "watch")]
    watch_on_loopback(&server)?;

    println!("\n--- dead peer ---");
    match cannot_unshare() {
        Some(why) => println!(
            "skipped: making the peer vanish needs a private network namespace ({why}); run as root with `unshare` and `ip` (iproute2) to see it"
        ),
        None => {
            let status = std::process::Command::new("unshare")
                .arg("-n")
                .arg(std::env::current_exe()?)
                .env(IN_NETNS, "1")
                .status()?;
            if !status.success() {
                return Err(format!("the dead-peer run failed: {status}").into());
            }
        }
    }
    Ok(())
}

/// With feature `watch`: three accepted connections watched as one, one of them reset by
/// its client, and the polls that see it die.
#[cfg(feature = "watch")]
fn watch_on_loopback(server: &Listener<ServerPolicy>) -> Result<(), Box<dyn std::error::Error>> {
    use keepalive_runtime::watch::{Phase, Watch};

    println!("\n--- the watch (feature watch) ---");
    let watch = Watch::new();
    let mut clients = Vec::new();
    let mut accepted = Vec::new();
    for _ in 0..3 {
        clients.push(TcpStream::connect(server.local_addr()?)?);
        accepted.push(watch.watch(server.accept()?.0, ServerPolicy::policy())?);
    }
    // The first poll reports each connection's first phase.
    let counts = watch.poll(|change| println!("{change}"));
    println!("poll: {counts}");
    // With SO_LINGER 0, closing sends a reset instead of a FIN.
    let reset = clients.pop().expect("three clients");
    socket2::SockRef::from(&reset).set_linger(Some(Duration::ZERO))?;
    drop(reset);
    println!("one client closes with SO_LINGER 0: its end sends a reset");
    let deadline = Instant::now() + Duration::from_secs(1);
    loop {
        let mut died = false;
        let counts = watch.poll(|change| {
            println!("{change}");
            died |= change.to == Phase::Dead;
        });
        if died || Instant::now() > deadline {
            println!("poll: {counts}");
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    drop(accepted);
    println!("the server's sockets dropped: {} watched", watch.len());
    Ok(())
}

/// Why a private network namespace is out of reach, if it is.
fn cannot_unshare() -> Option<String> {
    let uid = std::process::Command::new("id").arg("-u").output().ok()?;
    if String::from_utf8_lossy(&uid.stdout).trim() != "0" {
        return Some("not running as root".into());
    }
    match std::process::Command::new("unshare")
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

fn ip_link_lo(state: &str) -> Result<(), Box<dyn std::error::Error>> {
    let status = std::process::Command::new("ip")
        .args(["link", "set", "lo", state])
        .status()?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("ip link set lo {state}: {status}").into())
    }
}

/// Inside the namespace: connect, apply, set `lo` down, print the status once a second
/// while a read waits, then the cause of death and the time it took.
fn vanish() -> Result<(), Box<dyn std::error::Error>> {
    ip_link_lo("up")?;
    let server = TcpListener::bind("127.0.0.1:0")?;
    let conn = FastConn {
        stream: connect(server.local_addr()?, FastConn::policy())?.stream,
    };
    let (_accepted, _) = server.accept()?;
    show_policy("FastConn", &FastConn::POLICY);
    let bound = FastConn::POLICY.worst_case_detection()?;
    println!("in a private network namespace: setting lo down, the peer vanishes...");
    let start = Instant::now();
    ip_link_lo("down")?;
    let mut reader = conn.stream.try_clone()?;
    let (done, failed) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = [0u8; 1];
        let _ = done.send(reader.read(&mut buf));
    });
    let outcome = loop {
        match conn.keepalive_status() {
            Ok(now) => println!("  {:4.1} s  {now}", start.elapsed().as_secs_f64()),
            Err(e) => println!("  {:4.1} s  {e}", start.elapsed().as_secs_f64()),
        }
        match failed.recv_timeout(Duration::from_secs(1)) {
            Ok(outcome) => break outcome,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
            Err(e) => return Err(e.into()),
        }
    };
    let measured = start.elapsed();
    match outcome {
        Err(e) => {
            // The status read right after the failure still tells probes from
            // retransmissions.
            let cause = conn.keepalive_cause(&e);
            println!(
                "dead peer detected after {:.2} s (bound {:.2} s): {e}\ncause: {cause}",
                measured.as_secs_f64(),
                bound.as_secs_f64()
            );
        }
        Ok(n) => println!("unexpected: read returned {n} bytes"),
    }
    Ok(())
}
