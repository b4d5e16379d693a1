//! Applying a policy through the code `#[keepalive]` generates vs the same knobs set by hand
//! with socket2, on one real loopback stream: divan's table, then an alternating timing of
//! the two that prints the ratio of medians, then the heap allocations of each.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::hint::black_box;
use std::net::TcpStream;
use std::time::Instant;

use divan::Bencher;
use keepalive_benches::{
    Conn, UserTimeoutConn, pair, socket2_by_hand, socket2_by_hand_user_timeout,
    socket2_read_by_hand,
};
use keepalive_core::rules::validate;
use keepalive_runtime::{KeepAlive, KeepAlivePolicy, TARGET, apply_unchecked};

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

// SAFETY: forwards to the system allocator unchanged; only counts, per thread.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        // SAFETY: the caller's contract for `alloc` is passed on.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        // SAFETY: the caller's contract for `alloc_zeroed` is passed on.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        // SAFETY: the caller's contract for `realloc` is passed on.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract for `dealloc` is passed on.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

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
        bencher.bench_local(|| conn.apply_keepalive().unwrap());
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
        bencher.bench_local(|| conn.apply_keepalive().unwrap());
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
        conn.apply_keepalive().unwrap();
        bencher.bench_local(|| conn.keepalive_report().unwrap());
    }

    #[divan::bench]
    fn socket2_by_hand(bencher: Bencher<'_, '_>) {
        let (conn, _server) = conn();
        conn.apply_keepalive().unwrap();
        bencher.bench_local(|| socket2_read_by_hand(&conn.stream).unwrap());
    }
}

/// Nanoseconds per call of `f`, over one batch.
fn per_call(batch: u32, f: &mut impl FnMut()) -> f64 {
    let start = Instant::now();
    for _ in 0..batch {
        f();
    }
    start.elapsed().as_nanos() as f64 / f64::from(batch)
}

fn median(samples: &mut [f64]) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

/// Times batches of `generated` and `by_hand` alternately (which one goes first alternates
/// too), on the same socket, and prints both medians and their ratio.
fn compare(what: &str, mut generated: impl FnMut(), mut by_hand: impl FnMut()) -> f64 {
    const ROUNDS: usize = 1001;
    const BATCH: u32 = 100;
    for _ in 0..20 {
        per_call(BATCH, &mut generated);
        per_call(BATCH, &mut by_hand);
    }
    let mut g = Vec::with_capacity(ROUNDS);
    let mut h = Vec::with_capacity(ROUNDS);
    for round in 0..ROUNDS {
        if round % 2 == 0 {
            g.push(per_call(BATCH, &mut generated));
            h.push(per_call(BATCH, &mut by_hand));
        } else {
            h.push(per_call(BATCH, &mut by_hand));
            g.push(per_call(BATCH, &mut generated));
        }
    }
    let (g, h) = (median(&mut g), median(&mut h));
    let ratio = g / h;
    println!("{what:<34} generated {g:>8.1} ns   socket2 by hand {h:>8.1} ns   ratio {ratio:.3}");
    ratio
}

/// The median time of `f` alone, over the same batches.
fn alone(what: &str, mut f: impl FnMut()) {
    let mut samples: Vec<f64> = (0..1001).map(|_| per_call(100, &mut f)).collect();
    println!("{what:<34} {:>8.1} ns", median(&mut samples));
}

fn allocations_during(f: impl FnOnce()) -> u64 {
    let before = ALLOCATIONS.with(Cell::get);
    f();
    ALLOCATIONS.with(Cell::get) - before
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
        let r3 = compare(
            &format!("apply, 3 knobs (run {run})"),
            || {
                black_box(conn.apply_keepalive().unwrap());
            },
            || black_box(socket2_by_hand(&conn.stream)).unwrap(),
        );
        let r4 = compare(
            &format!("apply, 4 knobs (run {run})"),
            || {
                black_box(ut.apply_keepalive().unwrap());
            },
            || black_box(socket2_by_hand_user_timeout(&ut.stream)).unwrap(),
        );
        worst = worst.max(r3).max(r4);
    }
    println!("Where the difference goes (same harness):");
    compare(
        "3 knobs, apply_unchecked",
        || {
            black_box(apply_unchecked(&conn.stream, black_box(&Conn::POLICY)).unwrap());
        },
        || black_box(socket2_by_hand(&conn.stream)).unwrap(),
    );
    compare(
        "4 knobs, apply_unchecked",
        || {
            black_box(apply_unchecked(&ut.stream, black_box(&UserTimeoutConn::POLICY)).unwrap());
        },
        || black_box(socket2_by_hand_user_timeout(&ut.stream)).unwrap(),
    );
    alone("validate(POLICY), no system call", || {
        let _ = black_box(validate(black_box(&Conn::POLICY), TARGET));
    });
    compare(
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
            black_box(conn.apply_keepalive().unwrap());
        };
    });
    total += allocations("apply, 3 knobs, socket2 by hand", || {
        black_box(socket2_by_hand(&conn.stream)).unwrap();
    });
    total += allocations("apply, 4 knobs, generated", || {
        {
            black_box(ut.apply_keepalive().unwrap());
        };
    });
    total += allocations("apply, 4 knobs, socket2 by hand", || {
        black_box(socket2_by_hand_user_timeout(&ut.stream)).unwrap();
    });
    total += allocations("read-back, generated", || {
        black_box(conn.keepalive_report().unwrap());
    });
    let counter_works = allocations_during(|| drop(black_box(vec![1u8; 16])));
    assert!(counter_works > 0, "the counting allocator counts nothing");
    println!(
        "total: {total} ({})",
        if total == 0 {
            "target met"
        } else {
            "ABOVE the target of 0"
        }
    );
}
