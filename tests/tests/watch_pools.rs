//! The watch over pooled clients' connections: a hyper-util legacy `Client` and a tonic
//! `Channel` built on `Connector::watched` make their own connections to a loopback server.
//! The watch must hold exactly the pool's connections (as many as the server accepted),
//! each under the pool's policy type and policy, with the server's address as its peer; the
//! socket each entry names (its `SO_COOKIE`, matched against this process's sockets under
//! `/proc/self/fd`) must be the client socket connected to the server, holding the policy
//! as raw getsockopt reads it; and dropping the client must leave the watch empty.
#![cfg(target_os = "linux")]

use crate::support;

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use keepalive_runtime::integrations::hyper_util::Connector;
use keepalive_runtime::prelude::*;
use keepalive_runtime::watch::{Change, Watch};
use support::{Kernel, kernel};

/// Values no OS default has, so a socket holding them got them from this policy.
#[keepalive(timeout = "37s", interval = "7s", retries = 5, user_timeout = "72s")]
struct Pool;

fn pool_kernel() -> Kernel {
    Kernel {
        keepalive: true,
        idle_s: 37,
        intvl_s: 7,
        cnt: 5,
        user_timeout_ms: 72_000,
    }
}

/// The policy of the tonic server's accepted connections, told apart from `Pool`.
#[keepalive(timeout = "41s", interval = "3s", retries = 6)]
struct Served;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// The first poll's change of every watched connection (each is new to the poll), by its
/// kernel identity.
fn entries(watch: &Watch) -> HashMap<u64, Change> {
    let mut seen = HashMap::new();
    watch.poll(|change| {
        assert!(
            seen.insert(change.id, *change).is_none(),
            "one connection reported twice: {change}"
        );
    });
    seen
}

/// Asserts that `watch` holds exactly this process's sockets connected to `server`, each
/// under `Pool` and holding `Pool`'s options in the kernel; returns their local addresses.
fn assert_watch_holds_the_clients_of(watch: &Watch, server: SocketAddr) -> HashSet<SocketAddr> {
    let entries = entries(watch);
    assert_eq!(entries.len(), watch.len());
    for change in entries.values() {
        assert!(
            change.policy_type.ends_with("::Pool"),
            "{}",
            change.policy_type
        );
        assert_eq!(change.policy, Pool::POLICY, "{change}");
        assert_eq!(change.peer, Some(server), "{change}");
    }
    let clients: Vec<support::Found> = support::inet_sockets()
        .into_iter()
        .filter(|s| s.peer == Some(server))
        .collect();
    let cookies: HashSet<u64> = clients.iter().map(|s| support::cookie(&s.fd)).collect();
    assert_eq!(
        cookies,
        entries.keys().copied().collect::<HashSet<u64>>(),
        "the watched connections are not the sockets connected to {server}: {clients:?}"
    );
    for client in &clients {
        assert_eq!(kernel(&client.fd), pool_kernel(), "{client:?}");
    }
    clients.iter().map(|s| s.local).collect()
}

/// Waits (the runtime running, so the pool's connection tasks can end) until `watch` is
/// empty.
async fn until_empty(watch: &Watch) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !watch.is_empty() {
        assert!(
            Instant::now() < deadline,
            "{} connections still watched",
            watch.len()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

mod hyper_util_pool {
    use super::*;
    use hyper::service::service_fn;
    use hyper_util::client::legacy::Client;
    use hyper_util::rt::{TokioExecutor, TokioIo};
    use hyper_util::server::conn::auto;

    /// A loopback HTTP server whose answers take 200 ms, so that requests sent together
    /// need connections of their own; its address and the peer address of every
    /// connection it accepted.
    async fn slow_server() -> (SocketAddr, Arc<Mutex<HashSet<SocketAddr>>>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let accepted = Arc::new(Mutex::new(HashSet::new()));
        let seen = accepted.clone();
        tokio::spawn(async move {
            loop {
                let (stream, peer) = listener.accept().await.unwrap();
                assert!(seen.lock().unwrap().insert(peer));
                tokio::spawn(async move {
                    let slow = service_fn(|_| async {
                        tokio::time::sleep(Duration::from_millis(200)).await;
                        Ok::<_, std::convert::Infallible>(http::Response::new("ok".to_owned()))
                    });
                    auto::Builder::new(TokioExecutor::new())
                        .serve_connection(TokioIo::new(stream), slow)
                        .await
                });
            }
        });
        (addr, accepted)
    }

    #[test]
    fn the_watch_holds_exactly_the_pool_s_connections_under_its_policy() {
        runtime().block_on(async {
            const TOGETHER: usize = 4;
            let (server, accepted) = slow_server().await;
            let watch = Watch::new();
            let client: Client<_, String> = Client::builder(TokioExecutor::new())
                .build(Connector::new(Pool::policy()).watched(&watch));
            let uri: http::Uri = format!("http://{server}/").parse().unwrap();

            let requests: Vec<_> = (0..TOGETHER)
                .map(|_| {
                    let (client, uri) = (client.clone(), uri.clone());
                    tokio::spawn(async move { client.get(uri).await.unwrap().status() })
                })
                .collect();
            for request in requests {
                assert_eq!(request.await.unwrap(), 200);
            }
            // Sent one after another, these reuse the pool's idle connections.
            for _ in 0..TOGETHER {
                assert_eq!(client.get(uri.clone()).await.unwrap().status(), 200);
            }

            let accepted = accepted.lock().unwrap().clone();
            assert!(
                accepted.len() > 1,
                "{TOGETHER} requests at once on {} connection(s)",
                accepted.len()
            );
            assert_eq!(
                watch.len(),
                accepted.len(),
                "watched vs accepted by the server"
            );
            let clients = assert_watch_holds_the_clients_of(&watch, server);
            assert_eq!(clients, accepted, "client sockets vs the server's peers");
            eprintln!(
                "{} pooled connections watched, each under Pool's policy",
                clients.len()
            );

            drop(client);
            until_empty(&watch).await;
        });
    }
}

mod tonic_channel {
    use super::*;
    use crate::integrations::echo;
    use keepalive_runtime::async_tokio::Listener;
    use keepalive_runtime::integrations::tonic::{connector, incoming};
    use tonic::transport::Endpoint;

    #[test]
    fn a_channel_s_connection_and_the_server_s_are_watched_under_their_policies() {
        runtime().block_on(async {
            let served = Watch::new();
            let listener = Listener::bind("127.0.0.1:0", Served::policy())
                .await
                .unwrap();
            let server = listener.local_addr().unwrap();
            tokio::spawn(
                tonic::transport::Server::builder()
                    .serve_with_incoming(echo::Echo, incoming(listener).watched(&served)),
            );

            let watch = Watch::new();
            let endpoint = Endpoint::from_shared(format!("http://{server}")).unwrap();
            let channel = endpoint
                .connect_with_connector(
                    connector(&endpoint, Pool::policy())
                        .unwrap()
                        .watched(&watch),
                )
                .await
                .unwrap();
            echo::ping(channel.clone()).await;
            echo::ping(channel.clone()).await;

            assert_eq!(watch.len(), 1);
            let clients = assert_watch_holds_the_clients_of(&watch, server);

            // The server's side: the one connection it accepted, from that client socket.
            let accepted = entries(&served);
            assert_eq!(accepted.len(), 1, "{accepted:?}");
            let change = accepted.values().next().unwrap();
            assert!(change.policy_type.ends_with("::Served"), "{change}");
            assert_eq!(change.policy, Served::POLICY, "{change}");
            assert_eq!(
                change.peer.map(|peer| HashSet::from([peer])),
                Some(clients),
                "{change}"
            );
            let found = support::accepted_on(server);
            assert_eq!(found.len(), 1, "{found:?}");
            assert_eq!(support::cookie(&found[0].fd), change.id);
            let served_kernel = Kernel {
                idle_s: 41,
                intvl_s: 3,
                cnt: 6,
                ..support::defaults_on()
            };
            assert_eq!(kernel(&found[0].fd), served_kernel);

            drop(channel);
            until_empty(&watch).await;
            until_empty(&served).await;
        });
    }
}
