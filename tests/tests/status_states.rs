//! The status where Linux's keep-alive timer does something other than probe, against the
//! kernel's own counters and its verdict:
//!
//! - a listener: `tcpi_unacked` is the accept queue, not data in flight;
//! - a peer that stops reading: once its receive window is closed, written data waits
//!   unsent with nothing in flight, `tcp_keepalive_timer` re-arms without probing
//!   (`!tcp_write_queue_empty`), and the status says so; when that peer then vanishes
//!   (inside private network namespaces, see `support::netns`), the connection outlives
//!   `timeout + interval × retries` by far, as the status said it would;
//! - FIN-wait-2: keep-alive still runs, and a vanished peer is declared dead when the
//!   status forecast.
#![cfg(target_os = "linux")]

use crate::support;
use crate::support::apply;

use std::io::{ErrorKind, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use keepalive_runtime::status::{Outlook, TcpState};
use keepalive_runtime::{Policy, status};
use support::netns::{Peer, in_private_netns};

/// 1 s idle, 1 s between probes, 3 probes: an idle connection whose peer vanished is dead
/// after 4 s (3.8 s measured, PLATFORMS.md L6).
const QUICK_PROBES: Policy = Policy::new()
    .with_timeout(Duration::from_secs(1))
    .with_interval(Duration::from_secs(1))
    .with_retries(3);

/// Polls `status(stream)` until `done` holds for it or five seconds pass.
fn wait_for(
    stream: &TcpStream,
    what: &str,
    done: impl Fn(&keepalive_runtime::status::Status) -> bool,
) {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let now = status(stream).expect("status");
        if done(&now) {
            return;
        }
        assert!(Instant::now() < deadline, "{what}: still {now}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Two connections the listener has not accepted: Linux reports them in `tcpi_unacked`,
/// which the status gives as the accept queue, with no data in flight and no keep-alive.
#[test]
fn a_listener_reports_its_accept_queue_not_data_in_flight() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let _first = TcpStream::connect(addr).unwrap();
    let _second = TcpStream::connect(addr).unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    let now = loop {
        let now = status(&listener).expect("status of a listener");
        if now.accept_queue() == Some(2) || Instant::now() >= deadline {
            break now;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    println!("status: {now}");
    assert_eq!(now.state(), Some(TcpState::Listen));
    assert_eq!(now.accept_queue(), Some(2), "{now}");
    assert_eq!(now.unacked_segments(), None);
    assert_eq!(now.data_in_flight(), None);
    // Times, probes and the RTO of a listener describe no connection: none is shown.
    assert_eq!(
        now.to_string(),
        "listening, 2 connections waiting to be accepted"
    );
    assert_eq!((now.probes(), now.rto()), (None, None));
    let forecast = now.forecast(&QUICK_PROBES);
    assert_eq!(
        *forecast.outlook(),
        Outlook::NotOpen {
            state: TcpState::Listen
        }
    );
    // Accepting one leaves one in the queue.
    let _accepted = listener.accept().unwrap();
    assert_eq!(status(&listener).unwrap().accept_queue(), Some(1));
}

/// Writes into `client` until the peer's closed window stops it (the socket's own send
/// buffer full), then waits until everything sent is acknowledged and data still waits.
fn fill_until_the_window_closes(client: &mut TcpStream) {
    client.set_nonblocking(true).unwrap();
    let chunk = [7u8; 16 * 1024];
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match client.write(&chunk) {
            Ok(_) => assert!(Instant::now() < deadline, "the peer's window never closed"),
            Err(e) if e.kind() == ErrorKind::WouldBlock => break,
            Err(e) => panic!("write: {e}"),
        }
    }
    client.set_nonblocking(false).unwrap();
    wait_for(
        client,
        "all sent data acknowledged, the rest unsent",
        |now| now.unacked_segments() == Some(0) && now.unsent_bytes().is_some_and(|n| n > 0),
    );
}

/// A peer that stops reading: its window closes, the data written after waits unsent,
/// and the status says keep-alive is paused by it. The peer then vanishes: the kernel does
/// not probe (the connection is alive after twice `timeout + interval × retries`, where an
/// idle one dies at 4 s), and the status went on saying keep-alive was paused.
#[test]
fn data_queued_behind_a_closed_window_pauses_keep_alive() {
    in_private_netns(
        module_path!(),
        "data_queued_behind_a_closed_window_pauses_keep_alive",
        || {
            let peer = Peer::new();
            let listener = peer.listen();
            // A small receive buffer from the start (the accepted socket inherits it), so
            // the window the peer advertises never exceeds what it can hold.
            socket2::SockRef::from(&listener)
                .set_recv_buffer_size(4096)
                .unwrap();
            let mut client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
            let (server, _) = listener.accept().unwrap();
            apply(&client, &QUICK_PROBES).expect("apply");
            fill_until_the_window_closes(&mut client);

            let queued = status(&client).unwrap();
            let forecast = queued.forecast(&QUICK_PROBES);
            println!("before the peer vanishes: {queued}\n  {forecast}");
            assert!(
                matches!(
                    forecast.outlook(),
                    Outlook::Queued { unsent_bytes, user_timeout: None, .. } if *unsent_bytes > 0
                ),
                "{forecast}"
            );
            assert_eq!(forecast.dead_within(), None);

            peer.vanish();
            let start = Instant::now();
            while start.elapsed() < Duration::from_secs(8) {
                let now = status(&client).unwrap();
                let outlook = *now.forecast(&QUICK_PROBES).outlook();
                assert!(
                    matches!(outlook, Outlook::Queued { .. }),
                    "at {:?}: {now}: {outlook}",
                    start.elapsed()
                );
                std::thread::sleep(Duration::from_millis(250));
            }
            let after = status(&client).unwrap();
            println!("8 s after the peer vanished: {after}");
            assert_eq!(after.state(), Some(TcpState::Established), "{after}");
            assert!(client.take_error().unwrap().is_none());
            drop(server);
        },
    );
}

/// After this side's FIN is acknowledged (FIN-WAIT-2, the socket still open for reading),
/// Linux's keep-alive timer still runs (`tcp_keepalive_timer` stops only in CLOSE,
/// SYN-SENT and LISTEN): the status forecasts the probes' end, and when the peer vanishes
/// the kernel ends the connection then.
#[test]
fn keep_alive_runs_in_fin_wait_2() {
    in_private_netns(module_path!(), "keep_alive_runs_in_fin_wait_2", || {
        let peer = Peer::new();
        let listener = peer.listen();
        let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (_server, _) = listener.accept().unwrap();
        apply(&client, &QUICK_PROBES).expect("apply");
        client.shutdown(std::net::Shutdown::Write).unwrap();
        wait_for(&client, "FIN-wait-2", |now| {
            now.state() == Some(TcpState::FinWait2)
        });
        let forecast = status(&client).unwrap().forecast(&QUICK_PROBES);
        println!("in FIN-wait-2: {forecast}");
        // The 4 s schedule and the timers' slack (an eighth of the armed 1 s and of the
        // 4 s to run, 20 ms for each of 4 timers): a bound the connection must not outlive.
        let most = Duration::from_secs(4) + Duration::from_secs(5) / 8 + Duration::from_millis(80);
        let bound = match *forecast.outlook() {
            Outlook::Idle {
                dead_within: Some(d),
                ..
            } if d <= most => d,
            _ => panic!("{forecast}"),
        };

        peer.vanish();
        let start = Instant::now();
        let mut reader = client.try_clone().unwrap();
        reader
            .set_read_timeout(Some(Duration::from_secs(15)))
            .unwrap();
        let error = std::io::Read::read(&mut reader, &mut [0u8; 16])
            .expect_err("the read must fail when keep-alive gives up");
        let took = start.elapsed();
        println!("read failed after {took:?}: {error}");
        assert_eq!(error.kind(), ErrorKind::TimedOut, "{error}");
        assert!(took <= bound, "{took:?}, past the status's bound {bound:?}");
    });
}
