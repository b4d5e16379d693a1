//! The crate's own connect paths and listeners registering what they make in a watch
//! (`Watch::connect`, `Watch::accept` and their tokio forms), on loopback: each entry is
//! the very socket the path made (its id is the kernel's `SO_COOKIE` of that socket, read
//! here with a raw getsockopt), it carries its type's policy, a dropped stream leaves no
//! entry, and a stream that gets a closed one's descriptor number is a new connection.
#![cfg(target_os = "linux")]

use crate::support;

use std::collections::HashMap;
use std::os::fd::AsRawFd;

use keepalive_runtime::prelude::*;
use keepalive_runtime::watch::{Phase, Watch};
use support::{cookie, kernel};

#[keepalive(timeout = "25s", interval = "5s", retries = 3)]
struct Api;

/// Each change of one poll, by connection id.
fn poll(watch: &Watch) -> HashMap<u64, (&'static str, Phase)> {
    let mut seen = HashMap::new();
    watch.poll(|change| {
        seen.insert(change.id, (change.policy_type, change.to));
    });
    seen
}

#[test]
fn connect_and_accept_register_the_sockets_they_made() {
    let watch = Watch::new();
    let listener = keepalive_runtime::Listener::bind("127.0.0.1:0", Api::policy()).unwrap();
    let client = watch
        .connect(listener.local_addr().unwrap(), Api::policy())
        .unwrap()
        .stream;
    let (accepted, _) = watch.accept(&listener).unwrap();
    assert_eq!(watch.len(), 2);
    assert_eq!(
        (kernel(&*client).idle_s, kernel(&*accepted).idle_s),
        (25, 25)
    );

    let seen = poll(&watch);
    assert_eq!(seen.len(), 2, "{seen:?}");
    for socket in [&*client, &*accepted] {
        let (policy_type, phase) = seen[&cookie(socket)];
        assert!(policy_type.ends_with("::Api"), "{policy_type}");
        assert_eq!(phase, Phase::Idle);
    }

    drop(client);
    assert_eq!(watch.len(), 1);
    drop(accepted);
    assert!(watch.is_empty());
}

#[test]
fn a_reused_descriptor_number_is_a_new_connection() {
    let watch = Watch::new();
    let listener = keepalive_runtime::Listener::bind("127.0.0.1:0", Api::policy()).unwrap();
    let addr = listener.local_addr().unwrap();

    let first = watch.connect(addr, Api::policy()).unwrap().stream;
    let (first_fd, first_cookie) = (first.as_raw_fd(), cookie(&*first));
    assert_eq!(poll(&watch).keys().collect::<Vec<_>>(), [&first_cookie]);
    drop(first);

    // The lowest free descriptor number is given out again, so the next socket is very
    // likely to get the closed one's: the watch must see a new connection all the same.
    let second = watch.connect(addr, Api::policy()).unwrap().stream;
    let second_cookie = cookie(&*second);
    assert_ne!(second_cookie, first_cookie);
    let seen = poll(&watch);
    assert_eq!(
        seen.keys().collect::<Vec<_>>(),
        [&second_cookie],
        "{seen:?}"
    );
    println!(
        "descriptor {first_fd} then {}: cookies {first_cookie} then {second_cookie}",
        second.as_raw_fd()
    );
    drop(second);
    assert!(watch.is_empty());
}

#[test]
fn the_tokio_paths_register_too() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let watch = Watch::new();
        let listener = keepalive_runtime::async_tokio::Listener::bind("127.0.0.1:0", Api::policy())
            .await
            .unwrap();
        let addr = listener.local_addr().unwrap();
        let client = watch
            .connect_timeout_async(addr, Api::policy(), std::time::Duration::from_secs(5))
            .await
            .unwrap()
            .stream;
        let (accepted, _) = watch.accept_async(&listener).await.unwrap();
        let seen = poll(&watch);
        assert_eq!(seen.len(), 2, "{seen:?}");
        assert!(seen.contains_key(&cookie(&*client)) && seen.contains_key(&cookie(&*accepted)));
        drop((client, accepted));
        assert!(watch.is_empty());
    });
}
