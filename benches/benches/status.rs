//! The cost of a keep-alive status against a raw `getsockopt(TCP_INFO)` by hand: the ratio
//! of medians on one loopback stream, the heap allocations of each, and 10 000 connections
//! (`KEEPALIVE_BENCH_CONNECTIONS` to change it) polled in one round, by hand, through a
//! `watch::Watch` and through one `NETLINK_SOCK_DIAG` dump (`diag`); then the kernel's
//! keep-alive timer from the dump beside each status, idle and (as root, in a private
//! network namespace) probing.

use keepalive_benches::CountingAllocator;

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

#[cfg(target_os = "linux")]
#[path = "status/diag.rs"]
mod diag;

#[cfg(target_os = "linux")]
mod linux {
    use std::hint::black_box;
    use std::net::{TcpListener, TcpStream};
    use std::time::Instant;

    use keepalive_benches::{
        Sides, allocations_during, compare, median, pair, print_allocation_total,
    };
    use keepalive_runtime::{KeepAlive, KeepAlivePolicy, status};

    /// The status comparison's wording.
    const OURS_VS_RAW: Sides = Sides {
        name_width: 40,
        ours: "ours",
        baseline: "raw getsockopt",
    };

    /// `getsockopt(TCP_INFO)` into libc's `tcp_info`, the bare system call (through
    /// keepalive-runtime's hidden raw wrapper): what an application without this crate
    /// would write.
    pub(super) fn raw_tcp_info(stream: &TcpStream) -> libc::tcp_info {
        let (info, _) = keepalive_runtime::__sockopt::get::<libc::tcp_info>(
            stream,
            libc::IPPROTO_TCP,
            libc::TCP_INFO,
        )
        .expect("TCP_INFO");
        info
    }

    fn raise_nofile(want: u64) {
        let mut rl = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: `rl` is a live, writable rlimit.
        assert_eq!(unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut rl) }, 0);
        if rl.rlim_cur < want {
            // Raising the hard limit needs CAP_SYS_RESOURCE (root); then the soft one.
            rl.rlim_max = rl.rlim_max.max(want);
            rl.rlim_cur = want;
            // SAFETY: `rl` is a valid rlimit whose soft limit does not exceed its hard limit.
            let rc = unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &rl) };
            assert_eq!(
                rc,
                0,
                "RLIMIT_NOFILE to {want} (both ends of 10 000 connections): {}",
                std::io::Error::last_os_error()
            );
        }
    }

    /// Connections in the poll comparisons: 10 000, or `KEEPALIVE_BENCH_CONNECTIONS`.
    pub(super) fn connections() -> usize {
        std::env::var("KEEPALIVE_BENCH_CONNECTIONS")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(10_000)
    }
    pub(super) const HOLD: &str = "KEEPALIVE_BENCH_HOLD";

    /// The peers' process: accepts and holds every connection until killed.
    pub(super) fn hold() {
        let connections = connections();
        raise_nofile(connections as u64 + 256);
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        println!("{}", listener.local_addr().unwrap().port());
        let mut held = Vec::with_capacity(connections);
        while let Ok((stream, _)) = listener.accept() {
            held.push(stream);
        }
    }

    pub(super) fn run() {
        if std::env::var_os(HOLD).is_some() {
            return hold();
        }
        if std::env::var_os(PROBING).is_some() {
            return probing();
        }
        let (client, _server) = pair().expect("loopback pair");
        let conn = keepalive_benches::Conn { stream: client };
        keepalive_runtime::apply(&conn.stream, keepalive_benches::Conn::policy()).unwrap();
        let policy = keepalive_benches::Conn::POLICY;

        println!("Ratio of medians, ours / raw getsockopt(TCP_INFO) by hand, same socket,");
        println!("1001 alternating batches of 100 calls each:");
        for run in 1..=3 {
            compare(
                OURS_VS_RAW,
                &format!("status() (run {run})"),
                || {
                    black_box(status(black_box(&conn.stream)).unwrap());
                },
                || {
                    black_box(raw_tcp_info(black_box(&conn.stream)));
                },
            );
        }
        for run in 1..=3 {
            compare(
                OURS_VS_RAW,
                &format!("status() + forecast (run {run})"),
                || {
                    black_box(status(&conn.stream).unwrap().forecast(black_box(&policy)));
                },
                || {
                    black_box(raw_tcp_info(black_box(&conn.stream)));
                },
            );
        }
        compare(
            OURS_VS_RAW,
            "conn.keepalive_status()",
            || {
                black_box(conn.keepalive_status().unwrap());
            },
            || {
                black_box(raw_tcp_info(black_box(&conn.stream)));
            },
        );

        println!("\nHeap allocations (counting global allocator, this thread; target 0):");
        let mut total = 0;
        let mut count = |what: &str, f: &mut dyn FnMut()| {
            let n = allocations_during(|| {
                for _ in 0..1000 {
                    f();
                }
            });
            println!("{what:<40} {n:>6} heap allocations in 1000 calls");
            total += n;
        };
        count("status()", &mut || {
            black_box(status(&conn.stream).unwrap());
        });
        count("status() + forecast", &mut || {
            black_box(status(&conn.stream).unwrap().forecast(&policy));
        });
        count("conn.keepalive_status()", &mut || {
            black_box(conn.keepalive_status().unwrap());
        });
        print_allocation_total(total);

        // The peers' ends live in a child process (this benchmark re-run with HOLD set):
        // both ends of 10 000 connections in one process would need more descriptors than
        // the usual hard limit of 20 000.
        let connections = connections();
        raise_nofile(connections as u64 + 256);
        let mut holder = std::process::Command::new(std::env::current_exe().unwrap())
            .env(HOLD, "1")
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("start the peers' process");
        let mut port = String::new();
        std::io::BufRead::read_line(
            &mut std::io::BufReader::new(holder.stdout.take().unwrap()),
            &mut port,
        )
        .unwrap();
        let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port.trim().parse().unwrap()));
        let mut conns = Vec::with_capacity(connections);
        for _ in 0..connections {
            let stream = TcpStream::connect(addr).expect("connect");
            let conn = keepalive_benches::Conn { stream };
            keepalive_runtime::apply(&conn.stream, keepalive_benches::Conn::policy()).unwrap();
            conns.push(conn);
        }
        let mut ours = Vec::new();
        let mut raw = Vec::new();
        let mut probing = 0;
        let mut poll_ours = || {
            let start = Instant::now();
            for conn in &conns {
                let forecast = conn.keepalive_status().unwrap();
                probing += usize::from(forecast.status().probes() != Some(0));
            }
            start.elapsed().as_secs_f64() * 1e3
        };
        let poll_raw = || {
            let start = Instant::now();
            for conn in &conns {
                black_box(raw_tcp_info(&conn.stream));
            }
            start.elapsed().as_secs_f64() * 1e3
        };
        poll_ours();
        poll_raw();
        // Which goes first alternates, as above.
        for round in 0..21 {
            if round % 2 == 0 {
                ours.push(poll_ours());
                raw.push(poll_raw());
            } else {
                raw.push(poll_raw());
                ours.push(poll_ours());
            }
        }
        let (o, r) = (median(&mut ours), median(&mut raw));
        println!(
            "\n{connections} connections polled, median of 21 rounds: keepalive_status() {o:.2} ms \
             ({:.0} ns each), raw getsockopt(TCP_INFO) {r:.2} ms; ratio {:.3}; \
             connections showing probes: {probing}",
            o * 1e6 / connections as f64,
            o / r
        );

        // The same sockets in a watch: one poll reads all of them.
        let watch = keepalive_runtime::watch::Watch::new();
        let watched: Vec<_> = conns
            .iter()
            .map(|conn| {
                watch
                    .watch(&conn.stream, keepalive_benches::Conn::policy())
                    .unwrap()
            })
            .collect();
        let mut idle = 0;
        let mut poll_watch = || {
            let start = Instant::now();
            let counts = watch.poll(|change| {
                black_box(change);
            });
            idle = counts.get(keepalive_runtime::watch::Phase::Idle);
            start.elapsed().as_secs_f64() * 1e3
        };
        poll_watch();
        let (mut ours, mut raw) = (Vec::new(), Vec::new());
        for round in 0..21 {
            if round % 2 == 0 {
                ours.push(poll_watch());
                raw.push(poll_raw());
            } else {
                raw.push(poll_raw());
                ours.push(poll_watch());
            }
        }
        let (o, r) = (median(&mut ours), median(&mut raw));
        let allocations = allocations_during(|| {
            for _ in 0..10 {
                black_box(watch.poll(|change| {
                    black_box(change);
                }));
            }
        });
        println!(
            "{connections} connections in a watch, median of 21 rounds: watch.poll() {o:.2} ms \
             ({:.0} ns each), raw getsockopt(TCP_INFO) {r:.2} ms; ratio {:.3}; idle: {idle}; \
             heap allocations in 10 polls: {allocations}",
            o * 1e6 / connections as f64,
            o / r
        );
        sock_diag(&conns, &watch, addr.port());
        drop(watched);
        drop(conns);
        let _ = holder.kill();
        let _ = holder.wait();

        // Probes unanswered need a silent peer: a private network namespace (this bench
        // re-run under `unshare -n`, as benches/benches/dead_peer.rs does), `lo` down.
        // SAFETY: geteuid has no preconditions and cannot fail.
        if unsafe { libc::geteuid() } != 0 {
            println!("probing sample SKIPPED: `unshare -n` needs root");
            return;
        }
        let status = std::process::Command::new("unshare")
            .arg("-n")
            .arg(std::env::current_exe().unwrap())
            .env(PROBING, "1")
            .status();
        if !matches!(status, Ok(s) if s.success()) {
            println!("probing sample SKIPPED: `unshare -n` failed ({status:?})");
        }
    }

    pub(super) const PROBING: &str = "KEEPALIVE_BENCH_PROBING";

    /// The probing sample's policy: the first probe after a second idle, then one a second.
    #[keepalive_runtime::keepalive(timeout = "1s", interval = "1s", retries = 10)]
    struct Quick {
        stream: TcpStream,
    }

    fn ip_link_lo(state: &str) {
        let status = std::process::Command::new("ip")
            .args(["link", "set", "lo", state])
            .status()
            .expect("run ip");
        assert!(status.success(), "ip link set lo {state}");
    }

    /// In a private network namespace: connections whose peer falls silent (`lo` down), so
    /// keep-alive probes go out unanswered; after three and a half seconds, the kernel's
    /// timer fields from one dump beside each connection's status, read before and after.
    fn probing() {
        use super::diag::{Diag, Filter, Table};
        const SAMPLE: usize = 16;

        ip_link_lo("up");
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let mut held = Vec::with_capacity(SAMPLE);
        for _ in 0..SAMPLE {
            let stream = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
            let (peer, _) = listener.accept().unwrap();
            let conn = Quick { stream };
            keepalive_runtime::apply(&conn.stream, Quick::policy()).unwrap();
            held.push((conn, peer));
        }
        let cookies: Vec<u64> = held
            .iter()
            .map(|(conn, _)| {
                keepalive_runtime::__sockopt::get::<u64>(
                    &conn.stream,
                    libc::SOL_SOCKET,
                    libc::SO_COOKIE,
                )
                .expect("SO_COOKIE")
                .0
            })
            .collect();
        ip_link_lo("down");
        std::thread::sleep(std::time::Duration::from_millis(3500));
        let probes = || -> Vec<Option<u32>> {
            held.iter()
                .map(|(conn, _)| status(&conn.stream).unwrap().probes())
                .collect()
        };
        let before = probes();
        let mut table = Table::new(&cookies);
        let mut diag = Diag::new(port).expect("a NETLINK_SOCK_DIAG socket");
        diag.poll(Filter::ByPort, &mut table)
            .expect("sock_diag dump");
        let after = probes();
        let steady = before.iter().zip(&after).filter(|(b, a)| b == a).count();
        let (mut timer, mut retrans, mut info) = (0, 0, 0);
        let mut expires = Vec::new();
        for (row, probes) in table.rows.iter().zip(&before) {
            timer += usize::from(row.timer == 2);
            retrans += usize::from(*probes == Some(u32::from(row.retrans)));
            info += usize::from(*probes == Some(u32::from(row.info.tcpi_probes)));
            expires.push(row.expires.as_millis());
        }
        let mut seen: Vec<_> = before.iter().map(|p| p.unwrap_or(u32::MAX)).collect();
        seen.sort_unstable();
        seen.dedup();
        expires.sort_unstable();
        println!(
            "probing sample, private namespace, lo down 3.5 s, {SAMPLE} connections: \
             status().probes() {seen:?} (unchanged across the dump on {steady}); keep-alive \
             timer (idiag_timer 2) on {timer}; idiag_retrans = status().probes() on {retrans}; \
             tcp_info.tcpi_probes (netlink) = status().probes() on {info}; idiag_expires \
             {}-{} ms; not in the dump: {}",
            expires[0],
            expires[expires.len() - 1],
            table.missing()
        );
    }

    /// The legs of the `NETLINK_SOCK_DIAG` comparison, in the order of their lines.
    const LEGS: [&str; 8] = [
        "raw getsockopt(TCP_INFO) loop",
        "watch.poll()",
        "dump, every socket, not read",
        "dump, every socket, read + matched",
        "dump, every socket, owned messages",
        "dump, port filter, not read",
        "dump, port filter, read + matched",
        "dump, filter matching none",
    ];

    /// The same connections through one `NETLINK_SOCK_DIAG` dump per poll, beside the
    /// per-socket loop and the watch; then the kernel's timer fields against the status.
    fn sock_diag(
        conns: &[keepalive_benches::Conn],
        watch: &keepalive_runtime::watch::Watch,
        port: u16,
    ) {
        use super::diag::{Diag, Dumped, Filter, Table};

        let cookies: Vec<u64> = conns
            .iter()
            .map(|conn| {
                keepalive_runtime::__sockopt::get::<u64>(
                    &conn.stream,
                    libc::SOL_SOCKET,
                    libc::SO_COOKIE,
                )
                .expect("SO_COOKIE")
                .0
            })
            .collect();
        let mut table = Table::new(&cookies);
        let mut diag = Diag::new(port).expect("a NETLINK_SOCK_DIAG socket");
        // Port 0 is no connection's: the walk over the kernel's tables alone.
        let mut none = Diag::new(0).expect("a NETLINK_SOCK_DIAG socket");
        let mut dumped = [Dumped::default(); LEGS.len()];
        let mut leg = |i: usize| -> Dumped {
            let dumped = match i {
                0 => {
                    for conn in conns {
                        black_box(raw_tcp_info(&conn.stream));
                    }
                    return Dumped::default();
                }
                1 => {
                    black_box(watch.poll(|change| {
                        black_box(change);
                    }));
                    return Dumped::default();
                }
                2 => diag.dump_only(Filter::All),
                3 => diag.poll(Filter::All, &mut table),
                4 => diag.poll_owned(Filter::All, &mut table),
                5 => diag.dump_only(Filter::ByPort),
                6 => diag.poll(Filter::ByPort, &mut table),
                _ => none.dump_only(Filter::ByPort),
            };
            black_box(&table.rows);
            dumped.expect("sock_diag dump")
        };
        for i in 0..LEGS.len() {
            leg(i);
        }
        // Rounds rotate which leg goes first.
        let mut ms = vec![Vec::new(); LEGS.len()];
        for round in 0..21 {
            for k in 0..LEGS.len() {
                let i = (round + k) % LEGS.len();
                let start = Instant::now();
                dumped[i] = leg(i);
                ms[i].push(start.elapsed().as_secs_f64() * 1e3);
            }
        }
        let mut allocations = [0; LEGS.len()];
        for (i, n) in allocations.iter_mut().enumerate() {
            *n = allocations_during(|| {
                for _ in 0..10 {
                    leg(i);
                }
            });
        }
        let raw = median(&mut ms[0].clone());
        println!(
            "\n{} connections, NETLINK_SOCK_DIAG (AF_INET, TCP, INET_DIAG_INFO) beside the \
             loop and the watch; 21 rounds, rotating which goes first:",
            conns.len()
        );
        println!(
            "{:<36} {:>9} {:>17} {:>7} {:>9} {:>8} {:>12}",
            "", "median", "min-max", "/ raw", "messages", "matched", "allocs/10"
        );
        for (i, name) in LEGS.iter().enumerate() {
            let samples = &mut ms[i];
            let m = median(samples);
            let (lo, hi) = (samples[0], samples[samples.len() - 1]);
            let Dumped { messages, matched } = dumped[i];
            println!(
                "{name:<36} {m:>6.2} ms {lo:>7.2}-{hi:>6.2} ms {:>7.3} {messages:>9} {matched:>8} {:>12}",
                m / raw,
                allocations[i]
            );
        }

        // The kernel's own timer beside the status each connection gives (what the watch
        // reads): one filtered dump, each message's instant noted, then each socket's
        // getsockopt, its idle time taken back to that instant.
        let policy = keepalive_benches::Conn::POLICY;
        table.stamp = true;
        diag.poll(Filter::ByPort, &mut table)
            .expect("sock_diag dump");
        let (mut keepalive_timer, mut retrans_eq, mut info_eq) = (0, 0, 0);
        let mut gaps = Vec::with_capacity(conns.len());
        for (conn, row) in conns.iter().zip(&table.rows) {
            let status = status(&conn.stream).unwrap();
            let since_dump = row.at.map(|at| at.elapsed());
            let probes = status.probes();
            keepalive_timer += usize::from(row.timer == 2);
            retrans_eq += usize::from(probes == Some(u32::from(row.retrans)));
            info_eq += usize::from(probes == Some(u32::from(row.info.tcpi_probes)));
            if let (
                keepalive_runtime::status::Outlook::Idle {
                    idle,
                    timeout: Some(timeout),
                    ..
                },
                Some(since_dump),
            ) = (*status.forecast(&policy).outlook(), since_dump)
            {
                let first_probe = timeout.as_secs_f64() - idle.as_secs_f64();
                let forecast = first_probe + since_dump.as_secs_f64();
                gaps.push((row.expires.as_secs_f64() - forecast) * 1e3);
            }
        }
        let n = conns.len();
        let missing = table.missing();
        let idle = gaps.len();
        let median_gap = if gaps.is_empty() {
            f64::NAN
        } else {
            median(&mut gaps)
        };
        let (lo, hi) = (gaps.first().copied(), gaps.last().copied());
        println!(
            "kernel timer vs status, {n} connections: keep-alive timer (idiag_timer 2) on {keepalive_timer}; \
             idiag_retrans = status().probes() on {retrans_eq}; tcp_info.tcpi_probes (netlink) = \
             status().probes() on {info_eq}; not in the dump: {missing}; idiag_expires - forecast \
             first probe over {idle} idle: median {median_gap:.1} ms, min {:.1}, max {:.1} ms",
            lo.unwrap_or(f64::NAN),
            hi.unwrap_or(f64::NAN)
        );
    }
}

fn main() {
    #[cfg(target_os = "linux")]
    linux::run();
    #[cfg(not(target_os = "linux"))]
    println!("the status benchmark compares against Linux's TCP_INFO; nothing to run here");
}
