//! The database clients against real servers: a PostgreSQL (`initdb` into a temporary
//! directory, `postgres` run as `nobody`, since it refuses root) and a Redis
//! (`redis-server` with no persistence), started by the test on loopback or inside the
//! peer's namespace and stopped with it. The options are read with raw getsockopt from
//! the client library's own descriptors; the dead-server tests cut the server's side of a
//! veth pair (`support::netns::Peer::vanish`) and send a query after the cut, so the
//! query is data in flight, which only the user timeout bounds on Linux
//! (`dead_peer_in_flight.rs`).
//!
//! Without the server binaries (Debian's `postgresql`, `redis-server`; `.ci/run` installs
//! them) each test says SKIPPED, and fails under `CI=true`.
#![cfg(target_os = "linux")]

use std::net::SocketAddr;
use std::os::fd::{BorrowedFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use keepalive_runtime::prelude::*;
use keepalive_runtime::status::Cause;

use crate::support;
use support::Kernel;
use support::netns::{Peer, in_private_netns};

/// The guard of the dead-server tests with the client's own defaults: how long the query
/// is watched still waiting (the kernel's own end, tcp_retries2, is about 15 min away).
const GUARD: Duration = Duration::from_secs(15);

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Says SKIPPED loudly, or fails under `CI=true`.
fn skipped(why: &str) {
    let msg = format!("SKIPPED: {why}");
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("{msg}; CI=true, so this is a failure");
    }
    eprintln!("\n*** {msg} ***\n");
}

/// A fresh directory under the temporary directory, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(what: &str) -> TempDir {
        use std::sync::atomic::{AtomicU32, Ordering};
        static N: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "keepalive-{what}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A port free on loopback now.
fn free_port() -> u16 {
    support::listener().local_addr().unwrap().port()
}

/// A server process, stopped (SIGQUIT: at once, its data is thrown away) on drop.
struct Server {
    child: Child,
    addr: SocketAddr,
    _dir: TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        // SAFETY: kill on the pid of a child this process started and has not reaped.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGQUIT) };
        let _ = self.child.wait();
    }
}

/// `command` run as `nobody` (PostgreSQL refuses to run as root).
fn as_nobody(mut command: Command, program: &Path) -> Command {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        command.args([
            "setpriv",
            "--reuid=nobody",
            "--regid=nogroup",
            "--clear-groups",
            "--",
        ]);
    }
    command.arg(program);
    command
}

/// The directory of Debian's PostgreSQL binaries, the newest version's.
fn postgres_bin() -> Option<PathBuf> {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_string_lossy().parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("postgres").exists().then_some((version, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, bin)| bin)
}

/// Starts a PostgreSQL on `addr` (`wrap`: the command prefix that puts it in a namespace,
/// or none), with trust authentication for user `postgres`; `None` when skipped.
fn start_postgres(ip: std::net::IpAddr, port: u16, wrap: Option<&Peer>) -> Option<Server> {
    let Some(bin) = postgres_bin() else {
        skipped("no PostgreSQL under /usr/lib/postgresql/*/bin (Debian package postgresql)");
        return None;
    };
    let started = Instant::now();
    let dir = TempDir::new("pg");
    let data = dir.0.join("data");
    // nobody runs initdb and postgres, so nobody owns the directory.
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        support::netns::run(&["chown", "-R", "nobody:nogroup", &dir.0.to_string_lossy()]);
    }
    let mut initdb = as_nobody(Command::new("env"), &bin.join("initdb"));
    let out = initdb
        .args([
            "-D",
            &data.to_string_lossy(),
            "-A",
            "trust",
            "-U",
            "postgres",
        ])
        .args(["--no-sync", "--no-instructions", "-E", "UTF8", "--locale=C"])
        .output()
        .expect("run initdb");
    assert!(
        out.status.success(),
        "initdb: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // initdb trusts loopback only; the namespaced tests connect from the near side.
    let hba = data.join("pg_hba.conf");
    let mut rules = std::fs::read_to_string(&hba).unwrap();
    rules.push_str("host all all 10.77.0.0/24 trust\n");
    std::fs::write(&hba, rules).unwrap();
    let mut postgres = match wrap {
        Some(peer) => {
            let mut c = peer.command("env");
            c.arg("--");
            as_nobody(c, &bin.join("postgres"))
        }
        None => as_nobody(Command::new("env"), &bin.join("postgres")),
    };
    let child = postgres
        .args([
            "-D",
            &data.to_string_lossy(),
            "-k",
            &dir.0.to_string_lossy(),
        ])
        .args(["-p", &port.to_string(), "-h", &ip.to_string()])
        .args(["-c", "fsync=off", "-c", "shared_buffers=16MB"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start postgres");
    // Ready when postmaster.pid's status line (the 8th) says so.
    let pid_file = data.join("postmaster.pid");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let status = std::fs::read_to_string(&pid_file).unwrap_or_default();
        if status.lines().nth(7).is_some_and(|l| l.trim() == "ready") {
            break;
        }
        assert!(Instant::now() < deadline, "postgres did not get ready");
        std::thread::sleep(Duration::from_millis(20));
    }
    println!(
        "postgres on {ip}:{port}: initdb and start took {:.2} s",
        started.elapsed().as_secs_f64()
    );
    Some(Server {
        child,
        addr: SocketAddr::new(ip, port),
        _dir: dir,
    })
}

fn pg_config(addr: SocketAddr) -> tokio_postgres::Config {
    let mut config = tokio_postgres::Config::new();
    config
        .host(addr.ip().to_string())
        .port(addr.port())
        .user("postgres")
        .dbname("postgres");
    config
}

/// The policy the read-back tests put on every connection, unlike any default.
#[keepalive(timeout = "37s", interval = "7s", retries = 5, user_timeout = "72s")]
struct Db;

const DB: Kernel = Kernel {
    keepalive: true,
    idle_s: 37,
    intvl_s: 7,
    cnt: 5,
    user_timeout_ms: 72_000,
};

/// The dead-server policy: the user timeout bounds a query in flight (`max_detect`
/// requires it on Linux). Linux counts the user timeout from the first retransmission,
/// one retransmission timeout (0.2 s at least) after the send: 10 s keeps that within the
/// 10 % the tests allow (6 s ended at 6.46 s and 6.60 s).
#[keepalive(
    timeout = "7s",
    interval = "1s",
    retries = 3,
    user_timeout = "10s",
    max_detect = "15s"
)]
struct Bounded;

/// What the kernel holds for the socket this process has connected to `addr`.
fn kernel_of_connection_to(addr: SocketAddr) -> Kernel {
    support::kernel(&support::connected_to(addr).fd)
}

#[test]
fn a_tokio_postgres_connection_carries_the_policy() {
    let Some(server) = start_postgres([127, 0, 0, 1].into(), free_port(), None) else {
        return;
    };
    runtime().block_on(async {
        let config = pg_config(server.addr);
        let (client, connection) = keepalive_runtime::integrations::tokio_postgres::connect(
            &config,
            Db::policy(),
            tokio_postgres::NoTls,
        )
        .await
        .unwrap();
        let task = tokio::spawn(connection);
        let row = client.query_one("SELECT 1 + 1", &[]).await.unwrap();
        assert_eq!(row.get::<_, i32>(0), 2);
        assert_eq!(kernel_of_connection_to(server.addr), DB);
        drop(client);
        task.await.unwrap().unwrap();
    });
}

/// A pool of at most `n` connections from `manager`, and `n` of its clients held at once,
/// each having answered a query: `n` connections open.
async fn pool_holding(
    manager: deadpool_postgres::Manager,
    n: usize,
) -> (deadpool_postgres::Pool, Vec<deadpool_postgres::Client>) {
    let pool = deadpool_postgres::Pool::builder(manager)
        .max_size(n)
        .build()
        .unwrap();
    let mut held = Vec::new();
    for _ in 0..n {
        let client = pool.get().await.unwrap();
        client.query_one("SELECT 1", &[]).await.unwrap();
        held.push(client);
    }
    (pool, held)
}

#[test]
fn every_connection_of_a_deadpool_pool_carries_the_policy() {
    let Some(server) = start_postgres([127, 0, 0, 1].into(), free_port(), None) else {
        return;
    };
    runtime().block_on(async {
        let manager = keepalive_runtime::integrations::deadpool_postgres::manager(
            pg_config(server.addr),
            Db::policy(),
            tokio_postgres::NoTls,
            deadpool_postgres::ManagerConfig::default(),
        )
        .unwrap();
        // Four held at once: four connections.
        let (pool, held) = pool_holding(manager, 4).await;
        let sockets: Vec<_> = support::inet_sockets()
            .into_iter()
            .filter(|s| s.peer == Some(server.addr))
            .collect();
        assert_eq!(sockets.len(), 4, "{sockets:?}");
        for socket in &sockets {
            assert_eq!(support::kernel(&socket.fd), DB, "{socket:?}");
        }
        // Returned and taken again: recycled (deadpool-postgres' own check), no new socket.
        drop(held);
        let client = pool.get().await.unwrap();
        client.query_one("SELECT 1", &[]).await.unwrap();
        assert_eq!(pool.status().size, 4);
    });
}

/// Each entry of `watch` after a poll: its id (the kernel's `SO_COOKIE`) and its policy type.
fn watched(watch: &keepalive_runtime::watch::Watch) -> Vec<(u64, &'static str)> {
    let mut seen = Vec::new();
    watch.poll(|change| seen.push((change.id, change.policy_type)));
    seen.sort_unstable();
    seen
}

/// The `SO_COOKIE` of every socket this process has connected to `addr`, sorted.
fn cookies_of_connections_to(addr: SocketAddr) -> Vec<u64> {
    let mut cookies: Vec<u64> = support::inet_sockets()
        .iter()
        .filter(|s| s.peer == Some(addr))
        .map(|s| support::cookie(&s.fd))
        .collect();
    cookies.sort_unstable();
    cookies
}

#[test]
fn a_watched_tokio_postgres_connection_is_the_librarys_own_socket() {
    let Some(server) = start_postgres([127, 0, 0, 1].into(), free_port(), None) else {
        return;
    };
    let watch = keepalive_runtime::watch::Watch::new();
    runtime().block_on(async {
        let (client, connection) =
            keepalive_runtime::integrations::tokio_postgres::connect_watched(
                &watch,
                &pg_config(server.addr),
                Db::policy(),
                tokio_postgres::NoTls,
            )
            .await
            .unwrap();
        let task = tokio::spawn(connection);
        let row = client.query_one("SELECT 1 + 1", &[]).await.unwrap();
        assert_eq!(row.get::<_, i32>(0), 2);
        assert_eq!(kernel_of_connection_to(server.addr), DB);
        let entries = watched(&watch);
        let cookies = cookies_of_connections_to(server.addr);
        assert_eq!(
            entries.iter().map(|e| e.0).collect::<Vec<_>>(),
            cookies,
            "{entries:?}"
        );
        assert!(entries[0].1.ends_with("::Db"), "{entries:?}");
        // The session ends with its client; its stream leaves the watch with it.
        drop(client);
        task.await.unwrap().unwrap();
        assert!(watch.is_empty(), "{:?}", watched(&watch));
    });
}

#[test]
fn every_connection_of_a_watched_deadpool_pool_is_in_the_watch() {
    let Some(server) = start_postgres([127, 0, 0, 1].into(), free_port(), None) else {
        return;
    };
    let watch = keepalive_runtime::watch::Watch::new();
    runtime().block_on(async {
        let manager = keepalive_runtime::integrations::deadpool_postgres::manager_watched(
            &watch,
            pg_config(server.addr),
            Db::policy(),
            tokio_postgres::NoTls,
            deadpool_postgres::ManagerConfig::default(),
        )
        .unwrap();
        let (pool, held) = pool_holding(manager, 3).await;
        let cookies = cookies_of_connections_to(server.addr);
        assert_eq!(cookies.len(), 3);
        let entries = watched(&watch);
        assert_eq!(
            entries.iter().map(|e| e.0).collect::<Vec<_>>(),
            cookies,
            "{entries:?}"
        );
        // The pool dropped: each connection's task ends, and its stream leaves the watch.
        drop(held);
        drop(pool);
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while !watch.is_empty() && std::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert!(watch.is_empty(), "{:?}", watched(&watch));
        assert!(cookies_of_connections_to(server.addr).is_empty());
    });
}

#[test]
fn a_config_that_disagrees_with_the_policy_is_refused_before_any_connect() {
    use keepalive_runtime::integrations::tokio_postgres::{ConnectError, Setting};
    // Nothing listens there: a connect would fail otherwise.
    let config: tokio_postgres::Config =
        format!("host=127.0.0.1 port={} keepalives_idle=60", free_port())
            .parse()
            .unwrap();
    let refused = runtime()
        .block_on(keepalive_runtime::integrations::tokio_postgres::connect(
            &config,
            Db::policy(),
            tokio_postgres::NoTls,
        ))
        .err()
        .unwrap();
    let ConnectError::Disagrees(d) = &refused else {
        panic!("{refused:?}")
    };
    assert_eq!(d.setting, Setting::KeepalivesIdle);
    assert_eq!(
        refused.to_string(),
        "the tokio_postgres::Config sets `keepalives_idle` to 1m but the policy says 37s: drop \
         the setting from the Config (the policy sets the socket) or make the two agree"
    );
    let Err(refused) = keepalive_runtime::integrations::deadpool_postgres::manager(
        config,
        Db::policy(),
        tokio_postgres::NoTls,
        deadpool_postgres::ManagerConfig::default(),
    ) else {
        panic!("the manager took a Config that disagrees")
    };
    assert!(matches!(refused, ConnectError::Disagrees(_)), "{refused:?}");
}

/// The descriptor a library holds for its connection to `addr`, duplicated: the socket
/// stays open after the library closes its own, so its status can be read after the
/// failure.
fn dup_of_connection_to(addr: SocketAddr) -> std::net::TcpStream {
    let fd = support::connected_to(addr).fd;
    // SAFETY: the descriptor is open (found a moment ago) and only borrowed to duplicate it.
    let borrowed = unsafe { BorrowedFd::borrow_raw(fd) };
    let owned: OwnedFd = borrowed.try_clone_to_owned().unwrap();
    std::net::TcpStream::from(owned)
}

/// Why the connection of `socket` died, from `error` (the I/O error the library ended with)
/// and the status read now.
fn cause(error: &std::io::Error, socket: &std::net::TcpStream) -> Cause {
    let after = keepalive_runtime::status(socket).ok();
    Cause::of(error, after.as_ref())
}

/// The I/O error inside a tokio-postgres error.
fn pg_io_error(error: &tokio_postgres::Error) -> Option<&std::io::Error> {
    std::error::Error::source(error)?.downcast_ref::<std::io::Error>()
}

#[test]
fn a_postgres_query_sent_to_a_vanished_server_fails_at_the_user_timeout() {
    in_private_netns(
        module_path!(),
        "a_postgres_query_sent_to_a_vanished_server_fails_at_the_user_timeout",
        || {
            let peer = Peer::new();
            let Some(server) = start_postgres(Peer::FAR.into(), 5432, Some(&peer)) else {
                return;
            };
            let bound = Bounded::POLICY
                .detection_on(&keepalive_core::LINUX)
                .unwrap()
                .in_flight
                .unwrap();
            runtime().block_on(async {
                let (client, connection) =
                    keepalive_runtime::integrations::tokio_postgres::connect(
                        &pg_config(server.addr),
                        Bounded::policy(),
                        tokio_postgres::NoTls,
                    )
                    .await
                    .unwrap();
                let task = tokio::spawn(connection);
                client.simple_query("SELECT 1").await.unwrap();
                let socket = dup_of_connection_to(server.addr);
                peer.vanish();
                let start = Instant::now();
                let query = client.simple_query("SELECT 2").await;
                let elapsed = start.elapsed();
                let ended = task.await.unwrap().unwrap_err();
                let io = pg_io_error(&ended).unwrap_or_else(|| panic!("{ended:?}"));
                let cause = cause(io, &socket);
                println!(
                    "postgres, query after the cut, user_timeout 10 s: {} after {:.2} s (bound {:.2} s); connection: {io}; cause: {cause}",
                    query.as_ref().err().map(ToString::to_string).unwrap_or_default(),
                    elapsed.as_secs_f64(),
                    bound.as_secs_f64()
                );
                assert!(query.is_err());
                assert_eq!(io.raw_os_error(), Some(libc::ETIMEDOUT), "{io:?}");
                assert!(
                    matches!(cause, Cause::DataUnacknowledged { retransmits: Some(r) } if r > 0),
                    "{cause:?}"
                );
                assert!(elapsed >= bound.mul_f64(0.95), "{elapsed:?}");
                assert!(elapsed <= bound.mul_f64(1.1), "{elapsed:?} > bound + 10 %");
            });
        },
    );
}

#[test]
fn a_postgres_query_sent_to_a_vanished_server_waits_on_with_tokio_postgres_defaults() {
    in_private_netns(
        module_path!(),
        "a_postgres_query_sent_to_a_vanished_server_waits_on_with_tokio_postgres_defaults",
        || {
            let peer = Peer::new();
            let Some(server) = start_postgres(Peer::FAR.into(), 5432, Some(&peer)) else {
                return;
            };
            runtime().block_on(async {
                // tokio-postgres' own connect, its own defaults: keep-alive on, 2 h idle, no
                // user timeout.
                let (client, connection) = pg_config(server.addr)
                    .connect(tokio_postgres::NoTls)
                    .await
                    .unwrap();
                let task = tokio::spawn(connection);
                client.simple_query("SELECT 1").await.unwrap();
                let held = kernel_of_connection_to(server.addr);
                assert_eq!((held.keepalive, held.idle_s, held.user_timeout_ms), (true, 7200, 0));
                peer.vanish();
                let start = Instant::now();
                let waited = tokio::time::timeout(GUARD, client.simple_query("SELECT 2")).await;
                println!(
                    "postgres, query after the cut, tokio-postgres defaults: still waiting after {:.2} s (guard)",
                    start.elapsed().as_secs_f64()
                );
                assert!(waited.is_err(), "the query ended within the guard: {waited:?}");
                assert!(!task.is_finished(), "the connection ended within the guard");
                task.abort();
            });
        },
    );
}

/// Starts a Redis on `ip:port` (in the peer's namespace with `peer`), no persistence;
/// `None` when skipped.
fn start_redis(ip: std::net::IpAddr, port: u16, peer: Option<&Peer>) -> Option<Server> {
    if Command::new("redis-server")
        .arg("--version")
        .output()
        .is_err()
    {
        skipped("no redis-server (Debian package redis-server)");
        return None;
    }
    let started = Instant::now();
    let dir = TempDir::new("redis");
    let mut command = match peer {
        Some(peer) => peer.command("redis-server"),
        None => Command::new("redis-server"),
    };
    let child = command
        .args(["--port", &port.to_string(), "--bind", &ip.to_string()])
        .args(["--save", "", "--appendonly", "no", "--protected-mode", "no"])
        .args(["--dir", &dir.0.to_string_lossy()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start redis-server");
    let addr = SocketAddr::new(ip, port);
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(addr).is_err() {
        assert!(Instant::now() < deadline, "redis-server did not listen");
        std::thread::sleep(Duration::from_millis(10));
    }
    println!(
        "redis on {addr}: start took {:.2} s",
        started.elapsed().as_secs_f64()
    );
    Some(Server {
        child,
        addr,
        _dir: dir,
    })
}

fn redis_client<P: keepalive_runtime::socket::ConnectPolicy>(
    addr: SocketAddr,
    policy: keepalive_runtime::CheckedPolicy<P>,
) -> redis::Client {
    use redis::IntoConnectionInfo;
    let mapped = keepalive_runtime::integrations::redis::tcp_settings(policy).unwrap();
    // Every knob goes through on Linux; only the moment differs.
    assert_eq!(mapped.mapping().changes().count(), 0);
    assert!(mapped.mapping().applied_later());
    let info = format!("redis://{addr}")
        .into_connection_info()
        .unwrap()
        .set_tcp_settings(mapped.into_settings());
    redis::Client::open(info).unwrap()
}

#[test]
fn redis_connections_sync_and_multiplexed_carry_the_policy() {
    let Some(server) = start_redis([127, 0, 0, 1].into(), free_port(), None) else {
        return;
    };
    let client = redis_client(server.addr, Db::policy());
    let mut sync = client.get_connection().unwrap();
    redis::cmd("PING").exec(&mut sync).unwrap();
    assert_eq!(kernel_of_connection_to(server.addr), DB);
    drop(sync);
    runtime().block_on(async {
        let mut multiplexed = client.get_multiplexed_async_connection().await.unwrap();
        redis::cmd("PING")
            .exec_async(&mut multiplexed)
            .await
            .unwrap();
        // The sync connection is closed: this is the multiplexed one.
        let found = support::inet_sockets()
            .into_iter()
            .filter(|s| s.peer == Some(server.addr))
            .collect::<Vec<_>>();
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(support::kernel(&found[0].fd), DB);
    });
}

/// The I/O error inside a redis-rs error (held there in an `Arc<dyn Error>`).
fn redis_io_error(error: &redis::RedisError) -> Option<&std::io::Error> {
    let source = std::error::Error::source(error)?;
    type Shared = std::sync::Arc<dyn std::error::Error + Send + Sync>;
    match source.downcast_ref::<Shared>() {
        Some(shared) => (**shared).downcast_ref::<std::io::Error>(),
        None => source.downcast_ref::<std::io::Error>(),
    }
}

#[test]
fn a_redis_command_sent_to_a_vanished_server_fails_at_the_user_timeout() {
    in_private_netns(
        module_path!(),
        "a_redis_command_sent_to_a_vanished_server_fails_at_the_user_timeout",
        || {
            let peer = Peer::new();
            let Some(server) = start_redis(Peer::FAR.into(), 6379, Some(&peer)) else {
                return;
            };
            let bound = Bounded::POLICY
                .detection_on(&keepalive_core::LINUX)
                .unwrap()
                .in_flight
                .unwrap();
            runtime().block_on(async {
                let client = redis_client(server.addr, Bounded::policy());
                // No response timeout of redis-rs' own: the command waits on the connection.
                let config = redis::AsyncConnectionConfig::new().set_response_timeout(None);
                let mut conn = client
                    .get_multiplexed_async_connection_with_config(&config)
                    .await
                    .unwrap();
                redis::cmd("PING").exec_async(&mut conn).await.unwrap();
                let socket = dup_of_connection_to(server.addr);
                peer.vanish();
                let start = Instant::now();
                let error = redis::cmd("GET")
                    .arg("k")
                    .query_async::<Option<String>>(&mut conn)
                    .await
                    .unwrap_err();
                let elapsed = start.elapsed();
                let io = redis_io_error(&error).unwrap_or_else(|| panic!("{error:?}"));
                let cause = cause(io, &socket);
                println!(
                    "redis, GET after the cut, user_timeout 10 s: {error} after {:.2} s (bound {:.2} s); cause: {cause}",
                    elapsed.as_secs_f64(),
                    bound.as_secs_f64()
                );
                assert_eq!(io.raw_os_error(), Some(libc::ETIMEDOUT), "{io:?}");
                assert!(
                    matches!(cause, Cause::DataUnacknowledged { retransmits: Some(r) } if r > 0),
                    "{cause:?}"
                );
                assert!(elapsed >= bound.mul_f64(0.95), "{elapsed:?}");
                assert!(elapsed <= bound.mul_f64(1.1), "{elapsed:?} > bound + 10 %");
            });
        },
    );
}

#[test]
fn a_redis_connection_to_a_vanished_server_lives_on_with_redis_defaults() {
    in_private_netns(
        module_path!(),
        "a_redis_connection_to_a_vanished_server_lives_on_with_redis_defaults",
        || {
            let peer = Peer::new();
            let Some(server) = start_redis(Peer::FAR.into(), 6379, Some(&peer)) else {
                return;
            };
            runtime().block_on(async {
                // redis-rs' own defaults: no keep-alive, no user timeout, a 500 ms response
                // timeout per command.
                let client = redis::Client::open(format!("redis://{}", server.addr)).unwrap();
                let mut conn = client.get_multiplexed_async_connection().await.unwrap();
                redis::cmd("PING").exec_async(&mut conn).await.unwrap();
                let held = kernel_of_connection_to(server.addr);
                assert_eq!((held.keepalive, held.user_timeout_ms), (false, 0));
                let socket = dup_of_connection_to(server.addr);
                peer.vanish();
                let start = Instant::now();
                let first = redis::cmd("GET")
                    .arg("k")
                    .query_async::<Option<String>>(&mut conn)
                    .await
                    .unwrap_err();
                let first_after = start.elapsed();
                tokio::time::sleep(GUARD.saturating_sub(start.elapsed())).await;
                // At the guard: the kernel still holds the connection, and a command on it
                // fails by redis-rs' timeout, not because anything found the server gone.
                let status = keepalive_runtime::status(&socket).unwrap();
                let again = redis::cmd("GET")
                    .arg("k")
                    .query_async::<Option<String>>(&mut conn)
                    .await
                    .unwrap_err();
                println!(
                    "redis, GET after the cut, redis-rs defaults: {first} after {:.2} s; at {:.2} s (guard) the connection is {:?} and a GET fails with: {again}",
                    first_after.as_secs_f64(),
                    start.elapsed().as_secs_f64(),
                    status.state()
                );
                assert!(first.is_timeout(), "{first:?}");
                assert!(again.is_timeout(), "{again:?}");
                assert_eq!(
                    status.state(),
                    Some(keepalive_runtime::status::TcpState::Established)
                );
            });
        },
    );
}

#[test]
fn a_redis_multiplexed_connection_over_the_crates_own_stream_carries_the_policy() {
    use redis::IntoConnectionInfo;
    let Some(server) = start_redis([127, 0, 0, 1].into(), free_port(), None) else {
        return;
    };
    runtime().block_on(async {
        let info = format!("redis://{}", server.addr)
            .into_connection_info()
            .unwrap();
        let (mut conn, driver) = keepalive_runtime::integrations::redis::connect_multiplexed(
            &info,
            Db::policy(),
            redis::AsyncConnectionConfig::new(),
        )
        .await
        .unwrap();
        tokio::spawn(driver);
        redis::cmd("SET")
            .arg("k")
            .arg("v")
            .exec_async(&mut conn)
            .await
            .unwrap();
        let v: String = redis::cmd("GET")
            .arg("k")
            .query_async(&mut conn)
            .await
            .unwrap();
        assert_eq!(v, "v");
        assert_eq!(kernel_of_connection_to(server.addr), DB);
    });
}

#[test]
fn a_watched_redis_multiplexed_connection_is_in_the_watch_until_its_driver_ends() {
    use redis::IntoConnectionInfo;
    let Some(server) = start_redis([127, 0, 0, 1].into(), free_port(), None) else {
        return;
    };
    let watch = keepalive_runtime::watch::Watch::new();
    runtime().block_on(async {
        let info = format!("redis://{}", server.addr)
            .into_connection_info()
            .unwrap();
        let (mut conn, driver) =
            keepalive_runtime::integrations::redis::connect_multiplexed_watched(
                &watch,
                &info,
                Db::policy(),
                redis::AsyncConnectionConfig::new(),
            )
            .await
            .unwrap();
        let driver = tokio::spawn(driver);
        redis::cmd("PING").exec_async(&mut conn).await.unwrap();
        assert_eq!(kernel_of_connection_to(server.addr), DB);
        let entries = watched(&watch);
        assert_eq!(
            entries.iter().map(|e| e.0).collect::<Vec<_>>(),
            cookies_of_connections_to(server.addr),
            "{entries:?}"
        );
        assert!(entries[0].1.ends_with("::Db"), "{entries:?}");
        // The last handle dropped, the driver ends, and the stream leaves the watch.
        drop(conn);
        driver.await.unwrap();
        assert!(watch.is_empty(), "{:?}", watched(&watch));
    });
}
