//! tokio-postgres (feature `tokio-postgres`): a `tokio_postgres::Config` connected through a
//! policy.
//!
//! tokio-postgres sets keep-alive from its own `Config` (`keepalives`, `keepalives_idle`,
//! `keepalives_interval`, `keepalives_retries`, `tcp_user_timeout`), with no
//! `max_detect`, no check against the OS's limits and, on Windows, no retry count. Here the
//! stream comes from this crate's [`async_tokio::connect`](crate::async_tokio::connect)
//! instead, one host and port of the `Config` after the other in the order written, and
//! the session is started on it with `Config::connect_raw`, which sets no socket option
//! of its own. A `Config` whose own keep-alive settings say something else than the
//! policy is refused ([`ConnectError::Disagrees`]) rather than silently overruled, so
//! there is one source of truth.
//!
//! ```no_run
//! use keepalive_runtime::integrations::tokio_postgres::connect;
//! use keepalive_runtime::prelude::*;
//! use tokio_postgres::NoTls;
//!
//! #[keepalive(timeout = "30s", interval = "5s", retries = 4, user_timeout = "50s",
//!             max_detect = "1m")]
//! struct Db;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let config: tokio_postgres::Config = "host=db.internal user=app dbname=app".parse()?;
//! let (client, connection) = connect(&config, Db::policy(), NoTls).await?;
//! tokio::spawn(connection);
//! let row = client.query_one("SELECT 1", &[]).await?;
//! # drop(row); Ok(()) }
//! ```
//!
//! With feature `watch`, `connect_watched` does the same with the connection's stream
//! registered in a `watch::Watch` for as long as the session lasts.
//!
//! **TLS**: pass any `MakeTlsConnect<tokio::net::TcpStream>` instead of `NoTls`, as for
//! `Config::connect`: `postgres_native_tls::MakeTlsConnector` or
//! `tokio_postgres_rustls::MakeRustlsConnect`. The TLS session runs over the stream that
//! carries the policy; the host name of each attempt is the one handed to the TLS
//! connector.
//!
//! **What the `Config` getters cannot tell.** `get_keepalives()` and
//! `get_keepalives_idle()` return tokio-postgres' defaults (`true`, 2 h) whether or not they
//! were written, so a `Config` that writes exactly those defaults is taken as leaving them
//! unwritten; every other written value is compared with the policy. A
//! `tcp_user_timeout` read from a connection string is in seconds in tokio-postgres, where
//! libpq reads milliseconds: `tcp_user_timeout=30000` there is 8h 20m, and is refused
//! unless the policy says the same.
//!
//! **Refused as well** ([`ConnectError::Unsupported`]): a Unix-socket host (no TCP, so no
//! keep-alive), `load_balance_hosts=random` (the hosts are tried in order) and a
//! `target_session_attrs` other than `any` (tokio-postgres checks those in its own connect
//! path, which `connect_raw` does not run).

use core::fmt;
use core::time::Duration;
use std::net::IpAddr;

use ::tokio::io::{AsyncRead, AsyncWrite};
use ::tokio::net::TcpStream;
use ::tokio_postgres::config::{Host, LoadBalanceHosts, TargetSessionAttrs};
use ::tokio_postgres::tls::MakeTlsConnect;
use ::tokio_postgres::{Client, Config, Connection};
use keepalive_core::{Policy, format_duration};

use crate::socket::ConnectPolicy;
use crate::{CheckedPolicy, Connected};

/// tokio-postgres' defaults (`Config::new`, read in its source, 0.7.18).
const DEFAULT_IDLE: Duration = Duration::from_secs(2 * 60 * 60);
const DEFAULT_PORT: u16 = 5432;

/// Connects `config` through `policy`: each host of the `Config` in order (its
/// `hostaddr`, when given, instead of resolving the name), with its port, through this
/// crate's connect path (under the `Config`'s `connect_timeout`, if any); then
/// `Config::connect_raw` with `tls` on the first stream that connects. Spawn the returned
/// connection, as with `Config::connect`.
///
/// Refused before any connect: a `Config` whose keep-alive settings disagree with the
/// policy ([`check`]), and what [`ConnectError::Unsupported`] lists. A `hostaddr`
/// without a `host` is tried as its own host (its address is then the TLS host name).
pub async fn connect<P, T>(
    config: &Config,
    policy: CheckedPolicy<P>,
    tls: T,
) -> Result<(Client, Connection<TcpStream, T::Stream>), ConnectError>
where
    P: ConnectPolicy + ?Sized,
    T: MakeTlsConnect<TcpStream>,
{
    connect_with(config, policy, tls, |done| Ok(done.stream)).await
}

/// [`connect`], with the connection's stream registered in `watch` under `policy` until
/// the returned `Connection` is dropped (when the session ends, or the task it is spawned
/// on does): each poll of the watch then sees this connection's phase, and its death.
///
/// ```no_run
/// use keepalive_runtime::integrations::tokio_postgres::connect_watched;
/// use keepalive_runtime::prelude::*;
/// use keepalive_runtime::watch::Watch;
/// use tokio_postgres::NoTls;
///
/// #[keepalive(timeout = "30s", interval = "5s", retries = 4, user_timeout = "50s")]
/// struct Db;
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let watch = Watch::global();
/// let config: tokio_postgres::Config = "host=db.internal user=app dbname=app".parse()?;
/// let (client, connection) = connect_watched(watch, &config, Db::policy(), NoTls).await?;
/// tokio::spawn(connection);
/// assert_eq!(watch.len(), 1);
/// # drop(client); Ok(()) }
/// ```
#[cfg(feature = "watch")]
#[cfg_attr(docsrs, doc(cfg(feature = "watch")))]
pub async fn connect_watched<P, T>(
    watch: &crate::watch::Watch,
    config: &Config,
    policy: CheckedPolicy<P>,
    tls: T,
) -> Result<
    (
        Client,
        Connection<crate::watch::Watched<TcpStream>, T::Stream>,
    ),
    ConnectError,
>
where
    P: ConnectPolicy + ?Sized,
    T: MakeTlsConnect<crate::watch::Watched<TcpStream>>,
{
    connect_with(config, policy, tls, |done| {
        Ok(watch.register_connected(done, policy)?.stream)
    })
    .await
}

/// [`connect`] with `wrap` turning each connected stream into the one the session runs on.
async fn connect_with<P, S, T>(
    config: &Config,
    policy: CheckedPolicy<P>,
    mut tls: T,
    wrap: impl Fn(Connected<TcpStream>) -> Result<S, crate::Error>,
) -> Result<(Client, Connection<S, T::Stream>), ConnectError>
where
    P: ConnectPolicy + ?Sized,
    S: AsyncRead + AsyncWrite + Unpin,
    T: MakeTlsConnect<S>,
{
    let targets = validate(config, policy)?;
    let mut attempts = Vec::new();
    for target in targets {
        match connect_one(config, policy, &mut tls, &target, &wrap).await {
            Ok(connected) => return Ok(connected),
            Err(error) => attempts.push(HostAttempt {
                host: target.host,
                port: target.port,
                error,
            }),
        }
    }
    Err(ConnectError::Attempts(attempts))
}

async fn connect_one<P, S, T>(
    config: &Config,
    policy: CheckedPolicy<P>,
    tls: &mut T,
    target: &Target,
    wrap: impl Fn(Connected<TcpStream>) -> Result<S, crate::Error>,
) -> Result<(Client, Connection<S, T::Stream>), AttemptError>
where
    P: ConnectPolicy + ?Sized,
    S: AsyncRead + AsyncWrite + Unpin,
    T: MakeTlsConnect<S>,
{
    let stream = match (target.addr, config.get_connect_timeout()) {
        (Some(ip), None) => crate::async_tokio::connect((ip, target.port), policy).await,
        (Some(ip), Some(&t)) => {
            crate::async_tokio::connect_timeout((ip, target.port), policy, t).await
        }
        (None, None) => crate::async_tokio::connect((&*target.host, target.port), policy).await,
        (None, Some(&t)) => {
            crate::async_tokio::connect_timeout((&*target.host, target.port), policy, t).await
        }
    }
    .map_err(AttemptError::Connect)?;
    let stream = wrap(stream).map_err(AttemptError::Connect)?;
    let tls = tls
        .make_tls_connect(&target.host)
        .map_err(|e| AttemptError::Tls(e.into()))?;
    config
        .connect_raw(stream, tls)
        .await
        .map_err(AttemptError::Postgres)
}

/// What [`connect`] refuses before any connect, and otherwise the hosts to try.
pub(super) fn validate<P: ?Sized>(
    config: &Config,
    policy: CheckedPolicy<P>,
) -> Result<Vec<Target>, ConnectError> {
    check(config, policy)?;
    targets(config)
}

/// One host and port to try.
pub(super) struct Target {
    host: String,
    addr: Option<IpAddr>,
    port: u16,
}

fn targets(config: &Config) -> Result<Vec<Target>, ConnectError> {
    if config.get_load_balance_hosts() != LoadBalanceHosts::Disable {
        return Err(ConnectError::Unsupported(Unsupported::RandomHostOrder));
    }
    if config.get_target_session_attrs() != TargetSessionAttrs::Any {
        return Err(ConnectError::Unsupported(Unsupported::TargetSessionAttrs));
    }
    let (hosts, addrs, ports) = (
        config.get_hosts(),
        config.get_hostaddrs(),
        config.get_ports(),
    );
    if hosts.is_empty() {
        // tokio-postgres takes `hostaddr` alone too: each address is then its own host.
        if addrs.is_empty() {
            return Err(ConnectError::Unsupported(Unsupported::NoHost));
        }
        if ports.len() > 1 && ports.len() != addrs.len() {
            return Err(ConnectError::Unsupported(Unsupported::Counts));
        }
        let port = |i: usize| match ports {
            [] => DEFAULT_PORT,
            [one] => *one,
            many => many[i],
        };
        return Ok(addrs
            .iter()
            .enumerate()
            .map(|(i, &addr)| Target {
                host: addr.to_string(),
                addr: Some(addr),
                port: port(i),
            })
            .collect());
    }
    if !addrs.is_empty() && addrs.len() != hosts.len() {
        return Err(ConnectError::Unsupported(Unsupported::Counts));
    }
    if ports.len() > 1 && ports.len() != hosts.len() {
        return Err(ConnectError::Unsupported(Unsupported::Counts));
    }
    let mut targets = Vec::with_capacity(hosts.len());
    for (i, host) in hosts.iter().enumerate() {
        let host = match host {
            Host::Tcp(name) => name.clone(),
            #[cfg(unix)]
            Host::Unix(path) => {
                return Err(ConnectError::Unsupported(Unsupported::UnixSocket(
                    path.display().to_string(),
                )));
            }
        };
        let port = match ports {
            [] => DEFAULT_PORT,
            [one] => *one,
            many => many[i],
        };
        targets.push(Target {
            host,
            addr: addrs.get(i).copied(),
            port,
        });
    }
    Ok(targets)
}

/// Whether the `Config`'s own keep-alive settings agree with `policy`: every setting the
/// `Config` writes (that differs from tokio-postgres' default; see the module's docs for
/// what its getters cannot tell) must say what the policy says, knob by knob, and a
/// `keepalives(false)` agrees only with a policy that leaves keep-alive off. The first
/// setting that disagrees is the error.
pub fn check<P: ?Sized>(config: &Config, policy: CheckedPolicy<P>) -> Result<(), ConnectError> {
    disagreement(config, policy.as_policy()).map_or(Ok(()), |d| Err(ConnectError::Disagrees(d)))
}

fn disagreement(config: &Config, policy: &Policy) -> Option<Disagreement> {
    let time = |d: Option<Duration>| {
        d.map_or("left to the OS".to_owned(), |d| {
            format_duration(d).to_string()
        })
    };
    let count = |n: Option<u32>| n.map_or("left to the OS".to_owned(), |n| n.to_string());
    if !config.get_keepalives() {
        if policy.is_enabled() {
            return Some(Disagreement {
                setting: Setting::Keepalives,
                config: "false".into(),
                policy: "keep-alive on".into(),
            });
        }
        // Keep-alive off: tokio-postgres ignores its timings then, and so does this check.
    } else {
        let idle = config.get_keepalives_idle();
        if idle != DEFAULT_IDLE && Some(idle) != policy.timeout() {
            return Some(Disagreement {
                setting: Setting::KeepalivesIdle,
                config: format_duration(idle).to_string(),
                policy: time(policy.timeout()),
            });
        }
        if let Some(interval) = config.get_keepalives_interval()
            && Some(interval) != policy.interval()
        {
            return Some(Disagreement {
                setting: Setting::KeepalivesInterval,
                config: format_duration(interval).to_string(),
                policy: time(policy.interval()),
            });
        }
        if let Some(retries) = config.get_keepalives_retries()
            && Some(retries) != policy.retries()
        {
            return Some(Disagreement {
                setting: Setting::KeepalivesRetries,
                config: retries.to_string(),
                policy: count(policy.retries()),
            });
        }
    }
    // tokio-postgres takes 0 as "the OS's default", as an unwritten one.
    if let Some(&user_timeout) = config.get_tcp_user_timeout()
        && !user_timeout.is_zero()
        && Some(user_timeout) != policy.user_timeout()
    {
        return Some(Disagreement {
            setting: Setting::TcpUserTimeout,
            config: format_duration(user_timeout).to_string(),
            policy: time(policy.user_timeout()),
        });
    }
    None
}

/// A keep-alive setting of `tokio_postgres::Config`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Setting {
    /// `keepalives` (`Config::keepalives`).
    Keepalives,
    /// `keepalives_idle`, the policy's `timeout`.
    KeepalivesIdle,
    /// `keepalives_interval`, the policy's `interval`.
    KeepalivesInterval,
    /// `keepalives_retries`, the policy's `retries`.
    KeepalivesRetries,
    /// `tcp_user_timeout`, the policy's `user_timeout`.
    TcpUserTimeout,
}

impl Setting {
    /// The setting's name, as in a connection string.
    pub const fn name(self) -> &'static str {
        match self {
            Setting::Keepalives => "keepalives",
            Setting::KeepalivesIdle => "keepalives_idle",
            Setting::KeepalivesInterval => "keepalives_interval",
            Setting::KeepalivesRetries => "keepalives_retries",
            Setting::TcpUserTimeout => "tcp_user_timeout",
        }
    }
}

/// A `Config` setting that says something else than the policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disagreement {
    /// The setting.
    pub setting: Setting,
    /// What the `Config` holds, written as the policy would write it (`30s`, `4`).
    pub config: String,
    /// What the policy says for the same knob.
    pub policy: String,
}

impl fmt::Display for Disagreement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the tokio_postgres::Config sets `{}` to {} but the policy says {}: drop the \
             setting from the Config (the policy sets the socket) or make the two agree",
            self.setting.name(),
            self.config,
            self.policy
        )
    }
}

/// Why [`connect`] did not connect.
#[derive(Debug)]
#[non_exhaustive]
pub enum ConnectError {
    /// The `Config`'s own keep-alive settings disagree with the policy; nothing was tried.
    Disagrees(Disagreement),
    /// The `Config` asks for what this path does not do; nothing was tried.
    Unsupported(Unsupported),
    /// Every host was tried and failed: one entry per host, in order.
    Attempts(Vec<HostAttempt>),
}

/// What [`connect`] refuses in a `Config`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Unsupported {
    /// A Unix-socket host (its directory): no TCP, so no keep-alive to carry.
    UnixSocket(String),
    /// `load_balance_hosts=random`: the hosts are tried in the order written.
    RandomHostOrder,
    /// `target_session_attrs` other than `any`: checked only by tokio-postgres' own connect.
    TargetSessionAttrs,
    /// No host.
    NoHost,
    /// The numbers of hosts, `hostaddr`s and ports do not match.
    Counts,
}

/// One host [`connect`] tried, and why it failed.
#[derive(Debug)]
pub struct HostAttempt {
    /// The host as the `Config` names it.
    pub host: String,
    /// The port tried.
    pub port: u16,
    /// Why it failed.
    pub error: AttemptError,
}

/// Why one host failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum AttemptError {
    /// The TCP connect, or setting the policy: this crate's [`Error`](crate::Error).
    Connect(crate::Error),
    /// The TLS connector refused the host name.
    Tls(Box<dyn std::error::Error + Send + Sync>),
    /// The session (TLS handshake, authentication, startup).
    Postgres(::tokio_postgres::Error),
}

impl fmt::Display for Unsupported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unsupported::UnixSocket(dir) => write!(
                f,
                "host {dir} is a Unix socket, which has no TCP keep-alive to carry a policy"
            ),
            Unsupported::RandomHostOrder => f.write_str(
                "load_balance_hosts=random: this connect path tries the hosts in order",
            ),
            Unsupported::TargetSessionAttrs => f.write_str(
                "target_session_attrs other than `any`: only tokio-postgres' own connect checks it",
            ),
            Unsupported::NoHost => f.write_str("the Config names no host"),
            Unsupported::Counts => f.write_str(
                "the numbers of hosts, hostaddrs and ports do not match (one port for all, or one per host)",
            ),
        }
    }
}

impl fmt::Display for AttemptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AttemptError::Connect(e) => write!(f, "{e}"),
            AttemptError::Tls(e) => write!(f, "TLS: {e}"),
            AttemptError::Postgres(e) => write!(f, "{e}"),
        }
    }
}

impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConnectError::Disagrees(d) => write!(f, "{d}"),
            ConnectError::Unsupported(u) => write!(f, "{u}"),
            ConnectError::Attempts(attempts) => {
                f.write_str("no host connected")?;
                for a in attempts {
                    match &a.error {
                        // A host written as the address it was tried at is said once.
                        AttemptError::Connect(crate::Error::Connect { attempts: tried })
                            if matches!(tried.as_slice(), [one] if a.host.parse() == Ok(one.addr.ip())
                                && one.addr.port() == a.port) =>
                        {
                            write!(f, "; {}", tried[0])?;
                        }
                        error => write!(f, "; {}:{}: {error}", a.host, a.port)?,
                    }
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for ConnectError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ConnectError::Attempts(attempts) => match &attempts.last()?.error {
                AttemptError::Connect(e) => Some(e),
                AttemptError::Tls(e) => Some(&**e),
                AttemptError::Postgres(e) => Some(e),
            },
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ApplyAt, KeepAlivePolicy};

    struct Db;
    impl KeepAlivePolicy for Db {
        const POLICY: Policy = Policy::new()
            .with_timeout(Duration::from_secs(30))
            .with_interval(Duration::from_secs(5))
            .with_retries(4)
            .with_user_timeout(Duration::from_secs(50));
        const APPLY: ApplyAt = ApplyAt::BeforeConnect;
    }
    impl ConnectPolicy for Db {}

    fn checked(s: &str) -> Result<(), ConnectError> {
        check(&s.parse::<Config>().unwrap(), Db::policy())
    }

    /// A refused connect to `addr`, as the connect path reports it for host `host`.
    fn refused_at(host: &str, addr: std::net::SocketAddr) -> HostAttempt {
        HostAttempt {
            host: host.into(),
            port: addr.port(),
            error: AttemptError::Connect(crate::Error::Connect {
                attempts: vec![crate::error::Attempt {
                    addr,
                    error: crate::Error::Io {
                        during: "connect",
                        source: std::io::Error::from(std::io::ErrorKind::ConnectionRefused),
                    },
                }],
            }),
        }
    }

    #[test]
    fn a_host_written_as_its_address_is_named_once() {
        let addr = std::net::SocketAddr::from(([127, 0, 0, 1], 1));
        let by_address = ConnectError::Attempts(vec![refused_at("127.0.0.1", addr)]);
        assert_eq!(
            by_address.to_string(),
            "no host connected; 127.0.0.1:1: connect failed: connection refused"
        );
        // A name keeps the address it resolved to beside it.
        let by_name = ConnectError::Attempts(vec![refused_at("db.internal", addr)]);
        assert_eq!(
            by_name.to_string(),
            "no host connected; db.internal:1: connect failed: 127.0.0.1:1: connection refused"
        );
    }

    fn refused(s: &str) -> Disagreement {
        match checked(s) {
            Err(ConnectError::Disagrees(d)) => d,
            other => panic!("{s}: {other:?}"),
        }
    }

    #[test]
    fn a_config_without_keepalive_settings_or_with_the_policys_agrees() {
        checked("host=h").unwrap();
        checked("host=h keepalives_idle=30 keepalives_interval=5 keepalives_retries=4 tcp_user_timeout=50")
            .unwrap();
        // 0 is tokio-postgres' "the OS's default".
        checked("host=h tcp_user_timeout=0").unwrap();
    }

    #[test]
    fn each_setting_that_disagrees_is_named() {
        let d = refused("host=h keepalives=0");
        assert_eq!(d.setting, Setting::Keepalives);
        let d = refused("host=h keepalives_idle=45");
        assert_eq!(
            (d.setting, &*d.config, &*d.policy),
            (Setting::KeepalivesIdle, "45s", "30s")
        );
        assert_eq!(
            refused("host=h keepalives_interval=1").setting,
            Setting::KeepalivesInterval
        );
        assert_eq!(
            refused("host=h keepalives_retries=9").setting,
            Setting::KeepalivesRetries
        );
        // Seconds in tokio-postgres' connection strings: 50000 s, not 50 s.
        let d = refused("host=h tcp_user_timeout=50000");
        assert_eq!(
            (d.setting, &*d.config),
            (Setting::TcpUserTimeout, "13h 53m 20s")
        );
        assert!(
            d.to_string()
                .contains("`tcp_user_timeout` to 13h 53m 20s but the policy says 50s"),
            "{d}"
        );
    }

    #[test]
    fn what_connect_raw_cannot_honour_is_refused() {
        let unsupported = |s: &str| match targets(&s.parse().unwrap()) {
            Err(ConnectError::Unsupported(u)) => u,
            other => panic!("{s}: {:?}", other.map(|t| t.len())),
        };
        // A Unix socket directory: tokio-postgres reads a host starting with `/` as one on
        // Unix only.
        #[cfg(unix)]
        assert_eq!(
            unsupported("host=/run/postgresql"),
            Unsupported::UnixSocket("/run/postgresql".into())
        );
        assert_eq!(
            unsupported("host=a,b load_balance_hosts=random"),
            Unsupported::RandomHostOrder
        );
        assert_eq!(
            unsupported("host=a target_session_attrs=read-write"),
            Unsupported::TargetSessionAttrs
        );
        assert_eq!(unsupported("user=x"), Unsupported::NoHost);
        assert_eq!(unsupported("host=a,b,c port=1,2"), Unsupported::Counts);
        let t = targets(
            &"host=a,b port=7,8 hostaddr=10.0.0.1,10.0.0.2"
                .parse()
                .unwrap(),
        )
        .unwrap();
        assert_eq!(
            t.iter()
                .map(|t| (&*t.host, t.addr.unwrap().to_string(), t.port))
                .collect::<Vec<_>>(),
            [
                ("a", "10.0.0.1".to_owned(), 7),
                ("b", "10.0.0.2".to_owned(), 8)
            ]
        );
        assert_eq!(targets(&"host=a,b".parse().unwrap()).unwrap()[1].port, 5432);
        let alone = targets(&"hostaddr=10.0.0.3 port=9".parse().unwrap()).unwrap();
        assert_eq!((&*alone[0].host, alone[0].port), ("10.0.0.3", 9));
    }
}
