//! redis-rs (feature `redis`): a policy mapped onto redis-rs' `TcpSettings`, for its sync
//! and async clients alike.
//!
//! redis-rs makes its sockets itself and sets keep-alive from `TcpSettings` (a socket2
//! `TcpKeepalive` and, on Linux, Android and Fuchsia, a user timeout) on each connection
//! once it has connected. [`tcp_settings`] builds those settings from a policy and says in
//! a [`Mapping`] what redis-rs and socket2 will do differently from this crate's own paths:
//!
//! - **After the handshake**: redis-rs sets the options on the connected stream, so a
//!   policy type applied `before_connect` ([`ApplyAt::BeforeConnect`]) does not bound the
//!   handshake with its user timeout here ([`Mapping::applied_later`]).
//! - **SO_KEEPALIVE first**: socket2's `set_tcp_keepalive` turns SO_KEEPALIVE on, then
//!   sets the timings; this crate sets them in its plan's order (`keepalive-core`
//!   `plan.rs`). Linux takes either order.
//! - **Truncation**: socket2 sends whole seconds (milliseconds on Windows), dropping the
//!   rest; a checked policy holds whole units of the target's option already (the
//!   platform table's unit), so nothing is lost.
//! - **Knobs missing per OS**: socket2 has no interval and no retry count on OpenBSD, and
//!   redis-rs has a user-timeout setter on Linux, Android and Fuchsia only: such a knob is
//!   refused ([`Unexpressible::NoSetter`]), or left out under `best_effort = true`
//!   ([`Change::LeftOut`]). On Windows socket2 sends idle time and interval in one call
//!   (SIO_KEEPALIVE_VALS), an unset one as 0 ms: an unset one is sent as the OS's
//!   documented default instead ([`Change::SentOsDefault`]).
//! - **An unset user timeout** is written as 0 by redis-rs (`set_tcp_user_timeout(None)`),
//!   the OS's default on a new socket.
//!
//! The settings go on a `redis::ConnectionInfo` (`set_tcp_settings`), which both
//! `redis::Client::open` and the async connections take:
//!
//! ```no_run
//! use keepalive_runtime::integrations::redis::tcp_settings;
//! use keepalive_runtime::prelude::*;
//! use redis::IntoConnectionInfo;
//!
//! #[keepalive(timeout = "30s", interval = "5s", retries = 4, user_timeout = "50s")]
//! struct Cache;
//!
//! # fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let mapped = tcp_settings(Cache::policy())?;
//! for change in mapped.mapping().changes() {
//!     println!("{change}"); // nothing on Linux: every knob goes through
//! }
//! let info = "redis://cache.internal:6379".into_connection_info()?
//!     .set_tcp_settings(mapped.into_settings());
//! let client = redis::Client::open(info)?;
//! let mut connection = client.get_connection()?;
//! redis::cmd("PING").exec(&mut connection)?;
//! # Ok(()) }
//! ```
//!
//! redis-rs also takes a stream made elsewhere for an async multiplexed connection
//! (`aio::MultiplexedConnection::new_with_config`). With features `redis` and `tokio`
//! (which turns on redis-rs' `tokio-comp`), [`connect_multiplexed`] takes that path: the
//! stream comes from [`async_tokio::connect`](crate::async_tokio::connect), so the policy
//! is set at the type's moment by this crate's own plan, with nothing through socket2 and
//! nothing to report. The price: a connection made so is not one redis-rs can reconnect by
//! itself (`ConnectionManager` and the cluster clients connect with `TcpSettings`).

use core::fmt;
#[cfg(windows)]
use core::time::Duration;

use ::redis::io::tcp::TcpSettings;
use keepalive_core::{Knob, KnobValue, Policy, format_duration};

use crate::socket::ConnectPolicy;
use crate::{ApplyAt, CheckedPolicy};

/// An async multiplexed connection to `info`'s address over a stream from this crate's
/// connect path, which sets `policy` as its type says (before the handshake unless
/// `apply = "after_connect"`); then redis-rs' handshake (`info`'s user, password, database,
/// protocol) with `config`. Spawn the returned future: it drives the connection.
///
/// ```no_run
/// use keepalive_runtime::integrations::redis::connect_multiplexed;
/// use keepalive_runtime::prelude::*;
/// use redis::IntoConnectionInfo;
///
/// #[keepalive(timeout = "30s", interval = "5s", retries = 4, user_timeout = "50s")]
/// struct Cache;
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let info = "redis://cache.internal:6379".into_connection_info()?;
/// let config = redis::AsyncConnectionConfig::new();
/// let (mut connection, driver) = connect_multiplexed(&info, Cache::policy(), config).await?;
/// tokio::spawn(driver);
/// redis::cmd("PING").exec_async(&mut connection).await?;
/// # Ok(()) }
/// ```
///
/// Refused: a `rediss://` (TLS) or Unix-socket address ([`ConnectError::Unsupported`]).
#[cfg(feature = "tokio")]
#[cfg_attr(docsrs, doc(cfg(all(feature = "redis", feature = "tokio"))))]
pub async fn connect_multiplexed<P: ConnectPolicy + ?Sized>(
    info: &::redis::ConnectionInfo,
    policy: CheckedPolicy<P>,
    config: ::redis::AsyncConnectionConfig,
) -> Result<
    (
        ::redis::aio::MultiplexedConnection,
        impl Future<Output = ()> + Send + 'static,
    ),
    ConnectError,
> {
    let stream = tcp_stream(info, policy).await?.stream;
    ::redis::aio::MultiplexedConnection::new_with_config(info.redis_settings(), stream, config)
        .await
        .map_err(ConnectError::Redis)
}

/// [`connect_multiplexed`], with the connection's stream registered in `watch` under
/// `policy` until the returned driver ends (the connection is dropped, or its peer went
/// away) or is dropped: each poll of the watch then sees this connection's phase, and
/// its death.
///
/// ```no_run
/// use keepalive_runtime::integrations::redis::connect_multiplexed_watched;
/// use keepalive_runtime::prelude::*;
/// use keepalive_runtime::watch::Watch;
/// use redis::IntoConnectionInfo;
///
/// #[keepalive(timeout = "30s", interval = "5s", retries = 4, user_timeout = "50s")]
/// struct Cache;
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let watch = Watch::global();
/// let info = "redis://cache.internal:6379".into_connection_info()?;
/// let config = redis::AsyncConnectionConfig::new();
/// let (mut connection, driver) =
///     connect_multiplexed_watched(watch, &info, Cache::policy(), config).await?;
/// tokio::spawn(driver);
/// assert_eq!(watch.len(), 1);
/// redis::cmd("PING").exec_async(&mut connection).await?;
/// # Ok(()) }
/// ```
#[cfg(all(feature = "tokio", feature = "watch"))]
#[cfg_attr(
    docsrs,
    doc(cfg(all(feature = "redis", feature = "tokio", feature = "watch")))
)]
pub async fn connect_multiplexed_watched<P: ConnectPolicy + ?Sized>(
    watch: &crate::watch::Watch,
    info: &::redis::ConnectionInfo,
    policy: CheckedPolicy<P>,
    config: ::redis::AsyncConnectionConfig,
) -> Result<
    (
        ::redis::aio::MultiplexedConnection,
        impl Future<Output = ()> + Send + 'static,
    ),
    ConnectError,
> {
    let done = tcp_stream(info, policy).await?;
    let stream = watch
        .register_connected(done, policy)
        .map_err(ConnectError::Connect)?
        .stream;
    ::redis::aio::MultiplexedConnection::new_with_config(info.redis_settings(), stream, config)
        .await
        .map_err(ConnectError::Redis)
}

/// The TCP stream to `info`'s address, through this crate's connect path with `policy`,
/// and what was applied to it.
#[cfg(feature = "tokio")]
async fn tcp_stream<P: ConnectPolicy + ?Sized>(
    info: &::redis::ConnectionInfo,
    policy: CheckedPolicy<P>,
) -> Result<crate::Connected<::tokio::net::TcpStream>, ConnectError> {
    let ::redis::ConnectionAddr::Tcp(host, port) = info.addr() else {
        return Err(ConnectError::Unsupported(info.addr().to_string()));
    };
    crate::async_tokio::connect((host.as_str(), *port), policy)
        .await
        .map_err(ConnectError::Connect)
}

/// Why [`connect_multiplexed`] did not connect.
#[cfg(feature = "tokio")]
#[cfg_attr(docsrs, doc(cfg(all(feature = "redis", feature = "tokio"))))]
#[derive(Debug)]
#[non_exhaustive]
pub enum ConnectError {
    /// Not a plain TCP address (`rediss://` or a Unix socket): the address.
    Unsupported(String),
    /// The TCP connect, or setting the policy.
    Connect(crate::Error),
    /// redis-rs' handshake.
    Redis(::redis::RedisError),
}

#[cfg(feature = "tokio")]
impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConnectError::Unsupported(addr) => write!(
                f,
                "{addr}: only a plain TCP address goes through this crate's connect path"
            ),
            ConnectError::Connect(e) => write!(f, "{e}"),
            ConnectError::Redis(e) => write!(f, "{e}"),
        }
    }
}

#[cfg(feature = "tokio")]
impl std::error::Error for ConnectError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ConnectError::Unsupported(_) => None,
            ConnectError::Connect(e) => Some(e),
            ConnectError::Redis(e) => Some(e),
        }
    }
}

/// Windows' documented defaults, sent where socket2 would send an unset one as 0 ms.
#[cfg(windows)]
const WINDOWS_IDLE: Duration = Duration::from_secs(2 * 60 * 60);
#[cfg(windows)]
const WINDOWS_INTERVAL: Duration = Duration::from_secs(1);

/// `policy` as redis-rs' `TcpSettings` (its other settings at redis-rs' defaults), with
/// what differs from this crate's paths in the [`Mapping`]. Refused, with
/// [`Unexpressible`], a knob neither redis-rs nor socket2 can set on this target, unless
/// the policy type is `best_effort = true`.
pub fn tcp_settings<P: ConnectPolicy + ?Sized>(
    policy: CheckedPolicy<P>,
) -> Result<Mapped, Unexpressible> {
    let (settings, mapping) = map(
        policy.as_policy(),
        policy.is_best_effort(),
        policy.apply_at(),
    )?;
    Ok(Mapped { settings, mapping })
}

/// redis-rs' `TcpSettings` carrying a policy, and how they differ from it.
#[derive(Debug, Clone)]
pub struct Mapped {
    settings: TcpSettings,
    mapping: Mapping,
}

impl Mapped {
    /// What redis-rs and socket2 do differently from this crate's own paths.
    pub fn mapping(&self) -> &Mapping {
        &self.mapping
    }

    /// The settings, for `ConnectionInfo::set_tcp_settings` (or a cluster builder's
    /// `tcp_settings`). Calling `set_keepalive` or `set_user_timeout` on them afterwards
    /// changes the policy unnoticed.
    pub fn into_settings(self) -> TcpSettings {
        self.settings
    }
}

fn map(
    policy: &Policy,
    // Read only where a knob has no setter.
    #[cfg_attr(
        any(target_os = "android", target_os = "fuchsia", target_os = "linux"),
        allow(unused_variables)
    )]
    best_effort: bool,
    apply: ApplyAt,
) -> Result<(TcpSettings, Mapping), Unexpressible> {
    // Changed only where a knob is missing or Windows sends the timings together.
    #[cfg_attr(
        any(target_os = "android", target_os = "fuchsia", target_os = "linux"),
        allow(unused_mut)
    )]
    let mut mapping = Mapping {
        changes: [None; 4],
        applied_later: apply == ApplyAt::BeforeConnect,
    };
    let settings = TcpSettings::default();
    #[cfg(any(target_os = "android", target_os = "fuchsia", target_os = "linux"))]
    let settings = match policy.user_timeout() {
        Some(t) => settings.set_user_timeout(t),
        None => settings,
    };
    #[cfg(not(any(target_os = "android", target_os = "fuchsia", target_os = "linux")))]
    if policy.user_timeout().is_some() {
        left_out(Knob::UserTimeout, best_effort, &mut mapping)?;
    }
    if !policy.is_enabled() {
        // No `TcpKeepalive`: redis-rs leaves SO_KEEPALIVE as a new socket has it, off.
        return Ok((settings, mapping));
    }
    let mut keepalive = socket2::TcpKeepalive::new();
    #[cfg(windows)]
    let (timeout, interval) = {
        let mut sent = |knob, value: Option<Duration>, default| {
            value.or_else(|| {
                mapping.push(knob, Change::SentOsDefault(KnobValue::Time(default)));
                Some(default)
            })
        };
        (
            sent(Knob::Timeout, policy.timeout(), WINDOWS_IDLE),
            sent(Knob::Interval, policy.interval(), WINDOWS_INTERVAL),
        )
    };
    #[cfg(not(windows))]
    let (timeout, interval) = (policy.timeout(), policy.interval());
    if let Some(t) = timeout {
        keepalive = keepalive.with_time(t);
    }
    if let Some(i) = interval {
        #[cfg(not(target_os = "openbsd"))]
        {
            keepalive = keepalive.with_interval(i);
        }
        #[cfg(target_os = "openbsd")]
        {
            let _ = i;
            left_out(Knob::Interval, best_effort, &mut mapping)?;
        }
    }
    if let Some(r) = policy.retries() {
        #[cfg(not(target_os = "openbsd"))]
        {
            keepalive = keepalive.with_retries(r);
        }
        #[cfg(target_os = "openbsd")]
        {
            let _ = r;
            left_out(Knob::Retries, best_effort, &mut mapping)?;
        }
    }
    Ok((settings.set_keepalive(keepalive), mapping))
}

/// A knob with no setter on this target: left out under `best_effort`, else refused.
#[cfg_attr(
    any(target_os = "android", target_os = "fuchsia", target_os = "linux"),
    allow(dead_code)
)]
fn left_out(knob: Knob, best_effort: bool, mapping: &mut Mapping) -> Result<(), Unexpressible> {
    if best_effort {
        mapping.push(knob, Change::LeftOut);
        Ok(())
    } else {
        Err(Unexpressible::NoSetter(knob))
    }
}

/// What [`tcp_settings`] and redis-rs do differently from this crate's own paths: one
/// [`Change`] per knob at most, and the moment the options are set. `Copy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mapping {
    changes: [Option<(Knob, Change)>; 4],
    applied_later: bool,
}

impl Mapping {
    fn push(&mut self, knob: Knob, change: Change) {
        self.changes[knob as usize] = Some((knob, change));
    }

    /// The knobs set differently from the policy as written, in [`Knob::ALL`] order.
    pub fn changes(&self) -> impl Iterator<Item = KnobChange> + '_ {
        self.changes
            .iter()
            .flatten()
            .map(|&(knob, change)| KnobChange { knob, change })
    }

    /// What happened to `knob`, if anything differs from the policy as written.
    pub fn change(&self, knob: Knob) -> Option<Change> {
        self.changes[knob as usize].map(|(_, change)| change)
    }

    /// Whether redis-rs sets the options later than the policy type says: the type
    /// applies before the handshake ([`ApplyAt::BeforeConnect`]) and redis-rs once
    /// connected, so the handshake is not bounded by the policy's user timeout.
    pub const fn applied_later(&self) -> bool {
        self.applied_later
    }
}

/// One knob of a [`Mapping`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KnobChange {
    /// The knob.
    pub knob: Knob,
    /// What was done to it.
    pub change: Change,
}

/// How a knob's setting differs from the policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// The policy leaves the knob to the OS, but the OS takes it only together with
    /// another one (Windows SIO_KEEPALIVE_VALS), and socket2 would send it as 0: the OS's
    /// documented default was sent.
    SentOsDefault(KnobValue),
    /// redis-rs or socket2 cannot set the knob on this target; left out (`best_effort =
    /// true`).
    LeftOut,
}

impl fmt::Display for KnobChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.knob)?;
        match self.change {
            Change::SentOsDefault(KnobValue::Time(d)) => write!(
                f,
                "the OS's documented default of {} sent, since the OS sets it together with the other timing",
                format_duration(d)
            ),
            Change::SentOsDefault(KnobValue::Count(n)) => {
                write!(f, "the OS's documented default of {n} sent")
            }
            Change::LeftOut => f.write_str("redis-rs cannot set it on this OS; left out"),
        }
    }
}

/// A policy redis-rs cannot carry.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Unexpressible {
    /// Neither redis-rs nor socket2 has a setter for this knob on this target.
    NoSetter(Knob),
}

impl fmt::Display for Unexpressible {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unexpressible::NoSetter(knob) => write!(
                f,
                "redis-rs cannot set `{knob}` on this OS; drop it from the policy or add \
                 `best_effort = true`"
            ),
        }
    }
}

impl std::error::Error for Unexpressible {}

#[cfg(test)]
mod tests {
    use super::*;
    use core::time::Duration;

    const fn secs(n: u64) -> Duration {
        Duration::from_secs(n)
    }

    #[test]
    fn every_knob_reaches_the_settings_where_redis_and_socket2_have_it() {
        let policy = Policy::new()
            .with_timeout(secs(30))
            .with_interval(secs(5))
            .with_retries(4);
        // redis-rs sets a user timeout on Linux, Android and Fuchsia only.
        #[cfg(any(target_os = "android", target_os = "fuchsia", target_os = "linux"))]
        let policy = policy.with_user_timeout(secs(50));
        let (settings, mapping) = map(&policy, false, ApplyAt::AfterConnect).unwrap();
        assert!(!mapping.applied_later());
        if cfg!(target_os = "linux") {
            assert_eq!(mapping.changes().count(), 0);
            assert!(settings.keepalive().is_some());
            #[cfg(target_os = "linux")]
            assert_eq!(settings.user_timeout(), Some(secs(50)));
        }
        let (_, mapping) = map(&policy, false, ApplyAt::BeforeConnect).unwrap();
        assert!(mapping.applied_later());
    }

    #[test]
    fn keepalive_off_sets_no_keepalive() {
        let (settings, _) = map(&Policy::disabled(), false, ApplyAt::BeforeConnect).unwrap();
        assert!(settings.keepalive().is_none());
    }

    #[test]
    fn a_user_timeout_is_refused_where_redis_has_no_setter() {
        let policy = Policy::new()
            .with_timeout(secs(30))
            .with_user_timeout(secs(50));
        let strict = map(&policy, false, ApplyAt::AfterConnect);
        let best_effort = map(&policy, true, ApplyAt::AfterConnect).unwrap().1;
        if cfg!(any(
            target_os = "android",
            target_os = "fuchsia",
            target_os = "linux"
        )) {
            assert!(strict.is_ok());
            assert_eq!(best_effort.change(Knob::UserTimeout), None);
        } else {
            assert_eq!(
                strict.unwrap_err(),
                Unexpressible::NoSetter(Knob::UserTimeout)
            );
            assert_eq!(best_effort.change(Knob::UserTimeout), Some(Change::LeftOut));
        }
    }
}
