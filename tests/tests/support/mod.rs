//! What the kernel holds, read with raw `getsockopt` (keepalive-runtime's hidden
//! `__sockopt`, the bare system call, not the code under test), loopback helpers, and
//! re-running one test alone in a process of its own.
#![allow(dead_code, unreachable_pub)]

#[cfg(target_os = "linux")]
pub mod netns;

use std::net::{SocketAddr, TcpListener, TcpStream};
#[cfg(unix)]
use std::os::fd::AsRawFd;
use std::process::Command;

#[cfg(unix)]
pub use keepalive_runtime::__sockopt as sockopt;

/// The five keep-alive options as the kernel holds them.
#[cfg(target_os = "linux")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kernel {
    pub keepalive: bool,
    pub idle_s: i32,
    pub intvl_s: i32,
    pub cnt: i32,
    pub user_timeout_ms: i32,
}

/// An integer option as the kernel holds it.
#[cfg(unix)]
pub fn getsockopt_int(
    fd: &impl AsRawFd,
    level: libc::c_int,
    name: libc::c_int,
) -> std::io::Result<i32> {
    sockopt::get::<libc::c_int>(fd, level, name).map(|(value, _)| value)
}

/// The socket's kernel identity (`SO_COOKIE`), the id a watch reports it by.
#[cfg(target_os = "linux")]
pub fn cookie(fd: &impl AsRawFd) -> u64 {
    sockopt::get::<u64>(fd, libc::SOL_SOCKET, libc::SO_COOKIE)
        .expect("SO_COOKIE")
        .0
}

#[cfg(target_os = "linux")]
pub fn kernel(fd: &impl AsRawFd) -> Kernel {
    let tcp = |name| getsockopt_int(fd, libc::IPPROTO_TCP, name).expect("getsockopt");
    Kernel {
        keepalive: getsockopt_int(fd, libc::SOL_SOCKET, libc::SO_KEEPALIVE).expect("SO_KEEPALIVE")
            != 0,
        idle_s: tcp(libc::TCP_KEEPIDLE),
        intvl_s: tcp(libc::TCP_KEEPINTVL),
        cnt: tcp(libc::TCP_KEEPCNT),
        user_timeout_ms: tcp(libc::TCP_USER_TIMEOUT),
    }
}

/// What a fresh socket holds: the OS defaults the policies below must differ from.
#[cfg(target_os = "linux")]
pub fn defaults() -> Kernel {
    let s = TcpStream::connect(listener().local_addr().unwrap());
    kernel(&s.unwrap())
}

/// The defaults with keep-alive on.
#[cfg(target_os = "linux")]
pub fn defaults_on() -> Kernel {
    Kernel {
        keepalive: true,
        ..defaults()
    }
}

pub fn listener() -> TcpListener {
    TcpListener::bind("127.0.0.1:0").expect("bind loopback")
}

/// A connected loopback pair: (client, server side). The listener is closed.
pub fn pair() -> (TcpStream, TcpStream) {
    let l = listener();
    let c = TcpStream::connect(l.local_addr().unwrap()).unwrap();
    let (s, _) = l.accept().unwrap();
    (c, s)
}

/// Connects with `connect` to a fresh loopback listener and accepts: the connection and
/// the accepted side, to keep open while the connection is examined.
pub fn connect_accepted<C, E>(
    connect: impl FnOnce(SocketAddr) -> Result<C, E>,
) -> Result<(C, TcpStream), E> {
    let l = listener();
    let conn = connect(l.local_addr().unwrap())?;
    let (server, _) = l.accept().unwrap();
    Ok((conn, server))
}

/// What the kernel holds for keepalive-defaults-lib's `ApiConn` once an override (from
/// TOML, a builder or the environment) sets `timeout = "30s"` and `user_timeout = "60s"`:
/// the type's own interval (10 s) and retries (3) with those two.
#[cfg(target_os = "linux")]
pub fn api_conn_kernel_with_30s_timeout_60s_user_timeout() -> Kernel {
    Kernel {
        keepalive: true,
        idle_s: 30,
        intvl_s: 10,
        cnt: 3,
        user_timeout_ms: 60_000,
    }
}

pub fn addr(l: &TcpListener) -> SocketAddr {
    l.local_addr().unwrap()
}

/// Set in a child that re-runs one test alone ([`alone`], [`netns::in_private_netns`]),
/// which then runs the test's body instead of starting another child.
pub const CHILD: &str = "KEEPALIVE_TESTS_CHILD";

/// Whether this process is such a child.
pub fn in_child() -> bool {
    std::env::var_os(CHILD).is_some()
}

/// The name libtest gives the test `name` of the module `module` (its `module_path!()`):
/// the path without the crate's own name, as `--exact` wants it.
pub fn test_name(module: &str, name: &str) -> String {
    match module.split_once("::") {
        Some((_crate, path)) => format!("{path}::{name}"),
        None => name.to_owned(),
    }
}

/// Re-runs the test `name` of `module` alone in a child process, started as `wrapper`
/// (e.g. `unshare -n`) followed by this binary, with `env` added to its environment;
/// prints the child's output indented and fails unless the test ran there and passed.
pub fn rerun_alone(wrapper: &[&str], module: &str, name: &str, env: &[(&str, &str)]) {
    let exe = std::env::current_exe().expect("test binary path");
    let mut command = match wrapper.split_first() {
        Some((program, args)) => {
            let mut c = Command::new(program);
            c.args(args).arg(exe);
            c
        }
        None => Command::new(exe),
    };
    let out = command
        .args([
            "--exact",
            &test_name(module, name),
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, "1")
        .envs(env.iter().copied())
        .output()
        .expect("re-run the test in a child process");
    let stdout = String::from_utf8_lossy(&out.stdout);
    // Indented, so the child's own summary line is not read as this run's.
    for line in stdout
        .lines()
        .chain(String::from_utf8_lossy(&out.stderr).lines())
    {
        println!("    child | {line}");
    }
    assert!(out.status.success(), "the test failed in its child process");
    assert!(
        stdout.contains("1 passed"),
        "the test did not run in its child process"
    );
}

/// Runs `body` in a process of its own, with `env` added to its environment: the test
/// `name` of `module` re-runs itself, alone, in a child. For a test that reads the whole
/// process (its environment, its open descriptors), which the other tests of this binary
/// would otherwise change beside it.
pub fn alone(module: &str, name: &str, env: &[(&str, &str)], body: fn()) {
    if in_child() {
        body();
    } else {
        rerun_alone(&[], module, name, env);
    }
}

/// A TCP socket this process holds, found under `/proc/self/fd`: how a test reaches the
/// sockets a library created for itself.
#[cfg(target_os = "linux")]
#[derive(Debug, Clone, Copy)]
pub struct Found {
    pub fd: std::os::fd::RawFd,
    pub local: SocketAddr,
    pub peer: Option<SocketAddr>,
}

/// Every IPv4/IPv6 socket of this process with its addresses (getsockname/getpeername).
#[cfg(target_os = "linux")]
pub fn inet_sockets() -> Vec<Found> {
    use std::os::fd::BorrowedFd;
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc/self/fd").expect("/proc/self/fd") {
        let Ok(entry) = entry else { continue };
        let Ok(target) = std::fs::read_link(entry.path()) else {
            continue;
        };
        if !target.to_string_lossy().starts_with("socket:") {
            continue;
        }
        let Ok(fd) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        // SAFETY: the descriptor is open (listed a moment ago) and only borrowed for the
        // two calls below; a library closing it meanwhile makes them fail with EBADF.
        let borrowed = unsafe { BorrowedFd::borrow_raw(fd) };
        let sock = socket2::SockRef::from(&borrowed);
        let Some(local) = sock.local_addr().ok().and_then(|a| a.as_socket()) else {
            continue;
        };
        let peer = sock.peer_addr().ok().and_then(|a| a.as_socket());
        found.push(Found { fd, local, peer });
    }
    found
}

/// The one socket of this process connected to `peer`: a client connection a library
/// made. Panics unless there is exactly one.
#[cfg(target_os = "linux")]
pub fn connected_to(peer: SocketAddr) -> Found {
    let found: Vec<Found> = inet_sockets()
        .into_iter()
        .filter(|s| s.peer == Some(peer))
        .collect();
    assert_eq!(found.len(), 1, "sockets connected to {peer}: {found:?}");
    found[0]
}

/// The sockets a listener on `local` accepted: connected, with `local` as their address.
#[cfg(target_os = "linux")]
pub fn accepted_on(local: SocketAddr) -> Vec<Found> {
    inet_sockets()
        .into_iter()
        .filter(|s| s.local == local && s.peer.is_some())
        .collect()
}

/// Makes the kernel refuse `setsockopt(IPPROTO_TCP, option)` with `errno` on the calling
/// thread (and threads it starts) from now on: a seccomp filter, installed for this thread
/// only, so the rest of the test binary is untouched. Every other system call, and every
/// other option, goes through.
#[cfg(target_os = "linux")]
pub fn refuse_tcp_option_on_this_thread(option: libc::c_int, errno: libc::c_int) {
    use seccompiler::{
        BpfProgram, SeccompAction, SeccompCmpArgLen, SeccompCmpOp, SeccompCondition, SeccompFilter,
        SeccompRule,
    };
    let arg = |index, value: libc::c_int| {
        SeccompCondition::new(
            index,
            SeccompCmpArgLen::Dword,
            SeccompCmpOp::Eq,
            value as u64,
        )
        .unwrap()
    };
    // setsockopt(fd, level, optname, ...): arguments 1 and 2.
    let rule = SeccompRule::new(vec![arg(1, libc::IPPROTO_TCP), arg(2, option)]).unwrap();
    let filter = SeccompFilter::new(
        [(libc::SYS_setsockopt, vec![rule])].into(),
        SeccompAction::Allow,
        SeccompAction::Errno(errno as u32),
        std::env::consts::ARCH.try_into().unwrap(),
    )
    .unwrap();
    let program: BpfProgram = filter.try_into().unwrap();
    seccompiler::apply_filter(&program).expect("install the seccomp filter");
}

/// Runs `body` on a thread of its own, with a current-thread tokio runtime, after making
/// the kernel refuse `setsockopt(IPPROTO_TCP, option)` with `errno` there.
#[cfg(target_os = "linux")]
pub fn with_tcp_option_refused<T: Send + 'static>(
    option: libc::c_int,
    errno: libc::c_int,
    body: impl FnOnce() -> T + Send + 'static,
) -> T {
    std::thread::spawn(move || {
        refuse_tcp_option_on_this_thread(option, errno);
        body()
    })
    .join()
    .expect("the refused-option thread panicked")
}

/// A policy type with no rules of its own beyond the target's limits: a bare `Policy`, built
/// at run time, reaches a socket through it (`CheckedPolicy::<AnyPolicy>::new`), checked
/// as any policy type's change is.
#[keepalive_runtime::keepalive]
pub struct AnyPolicy;

/// [`AnyPolicy`], applied after the handshake by the connect paths.
#[keepalive_runtime::keepalive(apply = "after_connect")]
pub struct AnyPolicyAfterConnect;

/// [`AnyPolicy`] with `best_effort = true`: what the OS cannot honour is left out.
#[keepalive_runtime::keepalive(best_effort = true)]
pub struct AnyBestEffort;

/// `policy` onto `socket`, strict: checked for this target, then applied.
pub fn apply<S: keepalive_runtime::socket::KeepAliveSocket + ?Sized>(
    socket: &S,
    policy: &keepalive_runtime::Policy,
) -> Result<keepalive_runtime::Applied, keepalive_runtime::Error> {
    let checked = keepalive_runtime::CheckedPolicy::<AnyPolicy>::new(*policy)?;
    keepalive_runtime::apply(socket, checked)
}

/// `policy` onto `socket`, leaving out what the OS cannot honour.
pub fn apply_best_effort<S: keepalive_runtime::socket::KeepAliveSocket + ?Sized>(
    socket: &S,
    policy: &keepalive_runtime::Policy,
) -> Result<keepalive_runtime::Applied, keepalive_runtime::Error> {
    let checked = keepalive_runtime::CheckedPolicy::<AnyBestEffort>::new(*policy)?;
    keepalive_runtime::apply(socket, checked)
}

/// A connection type's own policy onto its socket field.
pub fn apply_own<C: keepalive_runtime::KeepAlive + ?Sized>(
    conn: &C,
) -> Result<keepalive_runtime::Applied, keepalive_runtime::Error> {
    keepalive_runtime::apply(conn.socket()?, C::policy())
}

/// A bare `policy` through a connect path, before or after the handshake.
pub fn connect_with(
    addr: SocketAddr,
    policy: &keepalive_runtime::Policy,
    when: keepalive_runtime::ApplyAt,
) -> Result<TcpStream, keepalive_runtime::Error> {
    use keepalive_runtime::{ApplyAt, CheckedPolicy, connect};
    Ok(match when {
        ApplyAt::BeforeConnect => connect(addr, CheckedPolicy::<AnyPolicy>::new(*policy)?)?,
        ApplyAt::AfterConnect => {
            connect(addr, CheckedPolicy::<AnyPolicyAfterConnect>::new(*policy)?)?
        }
    }
    .stream)
}
