//! Dead-peer detection, measured / configured bound, for three policies at once: inside a
//! private network namespace (`unshare -n`, this binary re-run there), three loopback
//! connections get their policies, `lo` goes down, and each blocking read waits for the
//! kernel to give up. Three rounds. Without root (or `unshare`, `ip`) it says why and skips.

use std::io::Read;
use std::net::TcpStream;
use std::process::{Command, ExitCode};
use std::thread;
use std::time::{Duration, Instant};

use keepalive_benches::pair;
use keepalive_runtime::prelude::*;

#[keepalive(timeout = "1s", interval = "1s", retries = 3)]
struct OneThree {
    stream: TcpStream,
}

#[keepalive(timeout = "2s", interval = "1s", retries = 2)]
struct TwoTwo {
    stream: TcpStream,
}

#[keepalive(timeout = "1s", interval = "2s", retries = 2)]
struct OneTwoByTwo {
    stream: TcpStream,
}

const CHILD: &str = "KEEPALIVE_BENCH_IN_NETNS";
const ROUNDS: usize = 3;

fn ip_link_lo(state: &str) {
    let status = Command::new("ip")
        .args(["link", "set", "lo", state])
        .status()
        .expect("run ip");
    assert!(status.success(), "ip link set lo {state}");
}

/// Why this process cannot create a network namespace, if it cannot.
fn cannot_unshare() -> Option<String> {
    // SAFETY: geteuid has no preconditions and cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        return Some("not running as root".into());
    }
    match Command::new("unshare").args(["-n", "true"]).output() {
        Err(e) => Some(format!("cannot run `unshare`: {e}")),
        Ok(out) if !out.status.success() => Some(format!(
            "`unshare -n` failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )),
        Ok(_) => Command::new("ip")
            .arg("-V")
            .output()
            .err()
            .map(|e| format!("cannot run `ip` (iproute2): {e}")),
    }
}

/// Time from the end of apply to the failed read, per connection.
fn round() -> [Duration; 3] {
    let mut pairs = Vec::new();
    for _ in 0..3 {
        let (client, server) = pair().expect("loopback pair");
        client
            .set_read_timeout(Some(Duration::from_secs(60)))
            .unwrap();
        pairs.push((client, server));
    }
    let mut it = pairs.into_iter();
    let (a, a_srv) = it.next().unwrap();
    let (b, b_srv) = it.next().unwrap();
    let (c, c_srv) = it.next().unwrap();
    let a = OneThree { stream: a };
    let b = TwoTwo { stream: b };
    let c = OneTwoByTwo { stream: c };
    keepalive_runtime::apply(&a.stream, OneThree::policy()).unwrap();
    let ta = Instant::now();
    keepalive_runtime::apply(&b.stream, TwoTwo::policy()).unwrap();
    let tb = Instant::now();
    keepalive_runtime::apply(&c.stream, OneTwoByTwo::policy()).unwrap();
    let tc = Instant::now();
    ip_link_lo("down");
    let wait = |mut stream: TcpStream, start: Instant| {
        thread::spawn(move || {
            let err = stream
                .read(&mut [0u8; 16])
                .expect_err("a read from a vanished peer must fail");
            assert_eq!(err.raw_os_error(), Some(libc::ETIMEDOUT), "{err}");
            start.elapsed()
        })
    };
    let ha = wait(a.stream, ta);
    let hb = wait(b.stream, tb);
    let hc = wait(c.stream, tc);
    let out = [ha.join().unwrap(), hb.join().unwrap(), hc.join().unwrap()];
    drop((a_srv, b_srv, c_srv));
    ip_link_lo("up");
    out
}

fn in_namespace() {
    ip_link_lo("up");
    let bounds = [
        ("timeout 1s, interval 1s, retries 3", OneThree::POLICY),
        ("timeout 2s, interval 1s, retries 2", TwoTwo::POLICY),
        ("timeout 1s, interval 2s, retries 2", OneTwoByTwo::POLICY),
    ]
    .map(|(name, p)| (name, p.worst_case_detection().unwrap()));
    let mut measured: [Vec<Duration>; 3] = Default::default();
    for _ in 0..ROUNDS {
        for (i, d) in round().into_iter().enumerate() {
            measured[i].push(d);
        }
    }
    println!(
        "Dead-peer detection in a private network namespace, {ROUNDS} rounds, the three at once:"
    );
    for ((name, bound), runs) in bounds.iter().zip(&mut measured) {
        runs.sort();
        let median = runs[runs.len() / 2];
        let list: Vec<String> = runs
            .iter()
            .map(|d| format!("{:.3}", d.as_secs_f64()))
            .collect();
        println!(
            "{name}: bound {:.0} s, measured {} s, median ratio {:.3}",
            bound.as_secs_f64(),
            list.join(" / "),
            median.as_secs_f64() / bound.as_secs_f64()
        );
        assert!(runs[0] >= *bound, "{name}: detected before the bound");
    }
}

fn main() -> ExitCode {
    if std::env::var_os(CHILD).is_some() {
        in_namespace();
        return ExitCode::SUCCESS;
    }
    if let Some(why) = cannot_unshare() {
        println!("SKIPPED: dead-peer detection needs unshare -n ({why})");
        return ExitCode::SUCCESS;
    }
    let exe = std::env::current_exe().expect("bench binary path");
    let status = Command::new("unshare")
        .arg("-n")
        .arg(exe)
        .env(CHILD, "1")
        .status()
        .expect("run under unshare -n");
    if status.success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
