//! The cost of a keep-alive status against a raw `getsockopt(TCP_INFO)` by hand: the ratio
//! of medians on one loopback stream, the heap allocations of each, and 10 000 connections
//! polled in one round, by hand and through a `watch::Watch`.

use keepalive_benches::CountingAllocator;

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

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

    pub(super) const CONNECTIONS: usize = 10_000;
    pub(super) const HOLD: &str = "KEEPALIVE_BENCH_HOLD";

    /// The peers' process: accepts and holds every connection until killed.
    pub(super) fn hold() {
        raise_nofile(CONNECTIONS as u64 + 256);
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        println!("{}", listener.local_addr().unwrap().port());
        let mut held = Vec::with_capacity(CONNECTIONS);
        while let Ok((stream, _)) = listener.accept() {
            held.push(stream);
        }
    }

    pub(super) fn run() {
        if std::env::var_os(HOLD).is_some() {
            return hold();
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
        raise_nofile(CONNECTIONS as u64 + 256);
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
        let mut conns = Vec::with_capacity(CONNECTIONS);
        for _ in 0..CONNECTIONS {
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
            "\n{CONNECTIONS} connections polled, median of 21 rounds: keepalive_status() {o:.2} ms \
             ({:.0} ns each), raw getsockopt(TCP_INFO) {r:.2} ms; ratio {:.3}; \
             connections showing probes: {probing}",
            o * 1e6 / CONNECTIONS as f64,
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
            "{CONNECTIONS} connections in a watch, median of 21 rounds: watch.poll() {o:.2} ms \
             ({:.0} ns each), raw getsockopt(TCP_INFO) {r:.2} ms; ratio {:.3}; idle: {idle}; \
             heap allocations in 10 polls: {allocations}",
            o * 1e6 / CONNECTIONS as f64,
            o / r
        );
        drop(watched);
        drop(conns);
        let _ = holder.kill();
        let _ = holder.wait();
    }
}

fn main() {
    #[cfg(target_os = "linux")]
    linux::run();
    #[cfg(not(target_os = "linux"))]
    println!("the status benchmark compares against Linux's TCP_INFO; nothing to run here");
}
