//! Applying a policy through the code `#[keepalive]` generates vs the same knobs set by hand
//! with socket2, on one real loopback stream: divan's table, then an alternating timing of
//! the two that prints the ratio of medians, then the heap allocations of each.

use std::hint::black_box;
use std::net::TcpStream;

use divan::Bencher;
use keepalive_benches::{
    Conn, CountingAllocator, Sides, UserTimeoutConn, allocations_during, compare, median, pair,
    per_call, print_allocation_total, socket2_by_hand, socket2_by_hand_user_timeout,
    socket2_read_by_hand,
};
use keepalive_core::rules::validate;
use keepalive_runtime::platform::TARGET;
use keepalive_runtime::{KeepAlive, KeepAlivePolicy, apply_unchecked};

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

/// The apply comparison's wording.
const GENERATED_VS_BY_HAND: Sides = Sides {
    name_width: 34,
    ours: "generated",
    baseline: "socket2 by hand",
};

/// [`compare`] worded for this benchmark.
fn compare_apply(what: &str, generated: impl FnMut(), by_hand: impl FnMut()) -> f64 {
    compare(GENERATED_VS_BY_HAND, what, generated, by_hand)
}

fn conn() -> (Conn, TcpStream) {
    let (client, server) = pair().expect("loopback pair");
    (Conn { stream: client }, server)
}

fn user_timeout_conn() -> (UserTimeoutConn, TcpStream) {
    let (client, server) = pair().expect("loopback pair");
    (UserTimeoutConn { stream: client }, server)
}

/// Three knobs (idle, interval, count): four system calls either way.
mod apply_3_knobs {
    use super::*;

    #[divan::bench]
    fn generated(bencher: Bencher<'_, '_>) {
        let (conn, _server) = conn();
        bencher.bench_local(|| keepalive_runtime::apply(&conn.stream, Conn::policy()).unwrap());
    }

    #[divan::bench]
    fn socket2_by_hand(bencher: Bencher<'_, '_>) {
        let (conn, _server) = conn();
        bencher.bench_local(|| super::socket2_by_hand(&conn.stream).unwrap());
    }
}

/// Four knobs, with a matching user_timeout: five system calls either way.
mod apply_4_knobs {
    use super::*;

    #[divan::bench]
    fn generated(bencher: Bencher<'_, '_>) {
        let (conn, _server) = user_timeout_conn();
        bencher.bench_local(|| keepalive_runtime::apply(&conn.stream, Conn::policy()).unwrap());
    }

    #[divan::bench]
    fn socket2_by_hand(bencher: Bencher<'_, '_>) {
        let (conn, _server) = user_timeout_conn();
        bencher.bench_local(|| super::socket2_by_hand_user_timeout(&conn.stream).unwrap());
    }
}

/// Reading back what the kernel holds: five `getsockopt` either way, plus the comparison.
mod read_back {
    use super::*;

    #[divan::bench]
    fn generated(bencher: Bencher<'_, '_>) {
        let (conn, _server) = conn();
        keepalive_runtime::apply(&conn.stream, Conn::policy()).unwrap();
        bencher.bench_local(|| conn.keepalive_report().unwrap());
    }

    #[divan::bench]
    fn socket2_by_hand(bencher: Bencher<'_, '_>) {
        let (conn, _server) = conn();
        keepalive_runtime::apply(&conn.stream, Conn::policy()).unwrap();
        bencher.bench_local(|| socket2_read_by_hand(&conn.stream).unwrap());
    }
}

/// The median time of `f` alone, over the same batches.
fn alone(what: &str, mut f: impl FnMut()) {
    let mut samples: Vec<f64> = (0..1001).map(|_| per_call(100, &mut f)).collect();
    println!("{what:<34} {:>8.1} ns", median(&mut samples));
}

fn allocations(what: &str, mut f: impl FnMut()) -> u64 {
    const CALLS: u32 = 1000;
    let first = allocations_during(&mut f);
    let rest = allocations_during(|| {
        for _ in 1..CALLS {
            f();
        }
    });
    println!(
        "{what:<40} {:>6} heap allocations in {CALLS} calls (first call: {first})",
        first + rest
    );
    first + rest
}

fn main() {
    divan::main();

    let (conn, _server) = conn();
    let (ut, _ut_server) = user_timeout_conn();

    println!("\nRatio of medians, generated / socket2 by hand (target <= 1.02), same socket,");
    println!("1001 alternating batches of 100 calls each:");
    let mut worst: f64 = 0.0;
    for run in 1..=3 {
        let r3 = compare_apply(
            &format!("apply, 3 knobs (run {run})"),
            || {
                black_box(keepalive_runtime::apply(&conn.stream, Conn::policy()).unwrap());
            },
            || black_box(socket2_by_hand(&conn.stream)).unwrap(),
        );
        let r4 = compare_apply(
            &format!("apply, 4 knobs (run {run})"),
            || {
                black_box(keepalive_runtime::apply(&ut.stream, UserTimeoutConn::policy()).unwrap());
            },
            || black_box(socket2_by_hand_user_timeout(&ut.stream)).unwrap(),
        );
        worst = worst.max(r3).max(r4);
    }
    println!("Where the difference goes (same harness):");
    compare_apply(
        "3 knobs, apply_unchecked",
        || {
            black_box(apply_unchecked(&conn.stream, black_box(&Conn::POLICY)).unwrap());
        },
        || black_box(socket2_by_hand(&conn.stream)).unwrap(),
    );
    compare_apply(
        "4 knobs, apply_unchecked",
        || {
            black_box(apply_unchecked(&ut.stream, black_box(&UserTimeoutConn::POLICY)).unwrap());
        },
        || black_box(socket2_by_hand_user_timeout(&ut.stream)).unwrap(),
    );
    alone("validate(POLICY), no system call", || {
        let _ = black_box(validate(black_box(&Conn::POLICY), TARGET));
    });
    compare_apply(
        "read-back (5 getsockopt)",
        || {
            black_box(conn.keepalive_report().unwrap());
        },
        || {
            black_box(socket2_read_by_hand(&conn.stream).unwrap());
        },
    );
    println!(
        "worst apply ratio: {worst:.3} ({})",
        if worst <= 1.02 {
            "within the 1.02 target"
        } else {
            "ABOVE the 1.02 target"
        }
    );

    println!("\nHeap allocations (counting global allocator, this thread; target 0):");
    let mut total = 0;
    total += allocations("apply, 3 knobs, generated", || {
        {
            black_box(keepalive_runtime::apply(&conn.stream, Conn::policy()).unwrap());
        };
    });
    total += allocations("apply, 3 knobs, socket2 by hand", || {
        black_box(socket2_by_hand(&conn.stream)).unwrap();
    });
    total += allocations("apply, 4 knobs, generated", || {
        {
            black_box(keepalive_runtime::apply(&ut.stream, UserTimeoutConn::policy()).unwrap());
        };
    });
    total += allocations("apply, 4 knobs, socket2 by hand", || {
        black_box(socket2_by_hand_user_timeout(&ut.stream)).unwrap();
    });
    total += allocations("read-back, generated", || {
        black_box(conn.keepalive_report().unwrap());
    });
    print_allocation_total(total);
}
