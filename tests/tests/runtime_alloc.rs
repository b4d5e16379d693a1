//! Applying a policy makes no heap allocation (checked with a counting allocator).
#![cfg(target_os = "linux")]

use crate::support;
use crate::support::apply;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::time::Duration;

use keepalive_runtime::{Policy, apply_unchecked};

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: forwards to the system allocator unchanged; only counts, per thread.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        // SAFETY: the caller's contract for `alloc` is passed on.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract for `dealloc` is passed on.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

pub(crate) fn allocations_during(f: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.with(Cell::get);
    f();
    ALLOCATIONS.with(Cell::get) - before
}

#[test]
fn apply_allocates_nothing() {
    let (client, _server) = support::pair();
    let socket = socket2::Socket::from(client.try_clone().unwrap());
    let policy = Policy::new()
        .with_timeout(Duration::from_secs(30))
        .with_interval(Duration::from_secs(5))
        .with_user_timeout(Duration::from_secs(50));
    assert_eq!(
        allocations_during(|| {
            apply(&client, &policy).unwrap();
        }),
        0
    );
    assert_eq!(
        allocations_during(|| {
            apply(&socket, &policy).unwrap();
        }),
        0
    );
    assert_eq!(
        allocations_during(|| {
            apply_unchecked(&client, &policy).unwrap();
        }),
        0
    );
    assert_eq!(
        allocations_during(|| {
            apply(&client, &Policy::disabled()).unwrap();
        }),
        0
    );
    // The counter works.
    assert!(allocations_during(|| drop(vec![1u8; 16])) > 0);
}

/// A connection's status and report read the policy its socket holds (a run-time
/// override here) and still allocate nothing, the rules' check included.
#[test]
fn status_and_report_of_a_held_policy_allocate_nothing() {
    use keepalive_runtime::prelude::*;

    #[keepalive(
        timeout = "2h",
        interval = "1s",
        retries = 10,
        max_detect = "3h",
        detect_idle_only = true
    )]
    struct DbConn {
        stream: std::net::TcpStream,
    }
    let (client, _server) = support::pair();
    let held = DbConn::policy_with(
        &keepalive_runtime::PolicyOverride::new().with_timeout(Duration::from_secs(30)),
    )
    .unwrap();
    apply(&client, &held).unwrap();
    let conn = DbConn { stream: client };
    assert_eq!(
        allocations_during(|| {
            assert!(conn.keepalive_status().is_ok());
            assert!(conn.keepalive_report().unwrap().all_match());
        }),
        0
    );
    // Past the type's bound: the report names the rule, still without allocating.
    apply_unchecked(
        &conn.stream,
        &held.with_timeout(Duration::from_secs(4 * 3600)),
    )
    .unwrap();
    assert_eq!(
        allocations_during(|| {
            assert!(conn.keepalive_report().unwrap().broken_rule().is_some());
        }),
        0
    );
}
