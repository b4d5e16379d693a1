//! What the benches and the `apply_once` example share: annotated connection types, the
//! same knobs set by hand with socket2, and a loopback connection.
//!
//! Run everything with `benches/run.sh`; `cargo bench -p keepalive-benches` alone runs the
//! apply comparison, the allocation counts and the dead-peer measurement.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::io;
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use keepalive_runtime::keepalive;
use socket2::{SockRef, TcpKeepalive};

/// The README's connection type: three knobs, set with four system calls on Linux.
#[keepalive(timeout = "2h", interval = "1s", retries = 5)]
#[derive(Debug)]
pub struct Conn {
    /// The established loopback stream.
    pub stream: TcpStream,
}

/// Four knobs: the three of [`Conn`]'s kind plus a matching `user_timeout` (30 s + 5 s × 4).
#[keepalive(timeout = "30s", interval = "5s", retries = 4, user_timeout = "50s")]
#[derive(Debug)]
pub struct UserTimeoutConn {
    /// The established loopback stream.
    pub stream: TcpStream,
}

/// [`Conn`]'s policy written by hand with socket2.
pub fn socket2_by_hand(stream: &TcpStream) -> io::Result<()> {
    let keepalive = TcpKeepalive::new()
        .with_time(Duration::from_secs(7200))
        .with_interval(Duration::from_secs(1))
        .with_retries(5);
    SockRef::from(stream).set_tcp_keepalive(&keepalive)
}

/// [`UserTimeoutConn`]'s policy written by hand with socket2.
pub fn socket2_by_hand_user_timeout(stream: &TcpStream) -> io::Result<()> {
    let keepalive = TcpKeepalive::new()
        .with_time(Duration::from_secs(30))
        .with_interval(Duration::from_secs(5))
        .with_retries(4);
    let sock = SockRef::from(stream);
    sock.set_tcp_keepalive(&keepalive)?;
    sock.set_tcp_user_timeout(Some(Duration::from_secs(50)))
}

/// What the kernel holds, read by hand with socket2: the same five `getsockopt` calls a
/// read-back needs, without the comparison.
pub fn socket2_read_by_hand(stream: &TcpStream) -> io::Result<(bool, Duration, Duration, u32)> {
    let sock = SockRef::from(stream);
    let on = sock.keepalive()?;
    let time = sock.tcp_keepalive_time()?;
    let interval = sock.tcp_keepalive_interval()?;
    let retries = sock.tcp_keepalive_retries()?;
    let _user_timeout = sock.tcp_user_timeout()?;
    Ok((on, time, interval, retries))
}

/// A connected loopback pair: (client, server side). The listener is closed.
pub fn pair() -> io::Result<(TcpStream, TcpStream)> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let client = TcpStream::connect(listener.local_addr()?)?;
    let (server, _) = listener.accept()?;
    Ok((client, server))
}

/// A global allocator that forwards to the system one and counts, per thread, the
/// allocations made; a bench binary installs it with `#[global_allocator]` and reads the
/// count with [`allocations_during`].
#[derive(Debug)]
pub struct CountingAllocator;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

// SAFETY: forwards to the system allocator unchanged; only counts, per thread.
unsafe impl GlobalAlloc for CountingAllocator {
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

/// The heap allocations this thread makes while `f` runs (zero unless the binary's global
/// allocator is a [`CountingAllocator`]).
pub fn allocations_during(f: impl FnOnce()) -> u64 {
    let before = ALLOCATIONS.with(Cell::get);
    f();
    ALLOCATIONS.with(Cell::get) - before
}

/// Prints the heap allocations counted in all, against the target of none, after checking
/// that the counting allocator is installed (a total of 0 would otherwise prove nothing).
pub fn print_allocation_total(total: u64) {
    let counter_works = allocations_during(|| drop(std::hint::black_box(vec![1u8; 16])));
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

/// Nanoseconds per call of `f`, over one batch.
pub fn per_call(batch: u32, f: &mut impl FnMut()) -> f64 {
    let start = Instant::now();
    for _ in 0..batch {
        f();
    }
    start.elapsed().as_nanos() as f64 / f64::from(batch)
}

/// The middle sample (the upper one of an even count); sorts `samples`.
pub fn median(samples: &mut [f64]) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

/// How [`compare`] words its line: the width of the case's name column and the names of
/// the two sides.
#[derive(Debug, Clone, Copy)]
pub struct Sides {
    /// The width the case's name is padded to.
    pub name_width: usize,
    /// The crate's side, e.g. `generated`.
    pub ours: &'static str,
    /// The baseline written by hand, e.g. `socket2 by hand`.
    pub baseline: &'static str,
}

/// Times batches of `ours` and `baseline` alternately (which one goes first alternates
/// too), prints both medians and their ratio as `sides` words them, and returns the ratio.
pub fn compare(
    sides: Sides,
    what: &str,
    mut ours: impl FnMut(),
    mut baseline: impl FnMut(),
) -> f64 {
    const ROUNDS: usize = 1001;
    const BATCH: u32 = 100;
    for _ in 0..20 {
        per_call(BATCH, &mut ours);
        per_call(BATCH, &mut baseline);
    }
    let mut o = Vec::with_capacity(ROUNDS);
    let mut b = Vec::with_capacity(ROUNDS);
    for round in 0..ROUNDS {
        if round % 2 == 0 {
            o.push(per_call(BATCH, &mut ours));
            b.push(per_call(BATCH, &mut baseline));
        } else {
            b.push(per_call(BATCH, &mut baseline));
            o.push(per_call(BATCH, &mut ours));
        }
    }
    let (o, b) = (median(&mut o), median(&mut b));
    let ratio = o / b;
    let Sides {
        name_width,
        ours,
        baseline,
    } = sides;
    println!("{what:<name_width$} {ours} {o:>8.1} ns   {baseline} {b:>8.1} ns   ratio {ratio:.3}");
    ratio
}
