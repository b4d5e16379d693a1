//! deadpool-postgres (feature `deadpool-postgres`): a pool whose every connection carries a
//! policy.
//!
//! deadpool-postgres makes its connections through a `Connect` hook
//! (`Manager::from_connect`); [`manager`] hands it one that connects through
//! [`tokio_postgres::connect`](super::tokio_postgres::connect), so each connection the pool
//! opens, now or after a recycle found one closed, gets the policy before its first byte.
//! Recycling, the statement cache and `Pool` are deadpool-postgres' own.
//!
//! ```no_run
//! use deadpool_postgres::{ManagerConfig, Pool};
//! use keepalive_runtime::integrations::deadpool_postgres::manager;
//! use keepalive_runtime::prelude::*;
//! use tokio_postgres::NoTls;
//!
//! #[keepalive(timeout = "30s", interval = "5s", retries = 4, user_timeout = "50s",
//!             max_detect = "1m")]
//! struct Db;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let config: tokio_postgres::Config = "host=db.internal user=app dbname=app".parse()?;
//! let manager = manager(config, Db::policy(), NoTls, ManagerConfig::default())?;
//! let pool = Pool::builder(manager).max_size(16).build()?;
//! let client = pool.get().await?;
//! client.query_one("SELECT 1", &[]).await?;
//! # Ok(()) }
//! ```
//!
//! With feature `watch`, `manager_watched` makes the same pool with every connection it
//! holds registered in a `watch::Watch`.
//!
//! **Errors.** The hook must answer a `tokio_postgres::Error`, which has no public
//! constructor for an error of another crate: a failed connect reaches the pool
//! (`PoolError::Backend`) as a `tokio_postgres::Error` whose source is an `io::Error` of
//! kind `Other` carrying the [`ConnectError`]; [`connect_error`] finds it. A `Config`
//! that disagrees with the policy is refused by [`manager`] itself, before any pool.

use core::pin::Pin;
use core::task::{Context, Poll};
use std::io;

use ::deadpool_postgres::{Connect, Manager, ManagerConfig};
use ::tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use ::tokio::net::TcpStream;
use ::tokio_postgres::tls::{MakeTlsConnect, TlsConnect};
use ::tokio_postgres::{Client, Config, Connection, NoTls};

use super::tokio_postgres::{ConnectError, connect, validate};
use crate::CheckedPolicy;
use crate::socket::ConnectPolicy;

/// A deadpool-postgres `Manager` whose connections are made by
/// [`tokio_postgres::connect`](super::tokio_postgres::connect) with `policy` and `tls`.
/// Refused, before any pool exists, as that `connect` refuses a `Config`.
pub fn manager<P, T>(
    pg_config: Config,
    policy: CheckedPolicy<P>,
    tls: T,
    config: ManagerConfig,
) -> Result<Manager, ConnectError>
where
    P: ConnectPolicy + ?Sized + 'static,
    T: MakeTlsConnect<TcpStream> + Clone + Send + Sync + 'static,
    T::Stream: Send + Sync,
    T::TlsConnect: Send + Sync,
    <T::TlsConnect as TlsConnect<TcpStream>>::Future: Send,
{
    validate(&pg_config, policy)?;
    Ok(Manager::from_connect(
        pg_config,
        PolicyConnect { policy, tls },
        config,
    ))
}

/// The [`ConnectError`] inside a `tokio_postgres::Error` the pool returned for a failed
/// connect, if that is what it is.
pub fn connect_error(error: &::tokio_postgres::Error) -> Option<&ConnectError> {
    std::error::Error::source(error)?
        .downcast_ref::<io::Error>()?
        .get_ref()?
        .downcast_ref::<ConnectError>()
}

/// What deadpool-postgres' hook answers.
type Connected = Result<(Client, ::tokio::task::JoinHandle<()>), ::tokio_postgres::Error>;

/// deadpool-postgres' connect hook, through the policy.
struct PolicyConnect<P: ?Sized, T> {
    policy: CheckedPolicy<P>,
    tls: T,
}

impl<P, T> Connect for PolicyConnect<P, T>
where
    P: ConnectPolicy + ?Sized + 'static,
    T: MakeTlsConnect<TcpStream> + Clone + Send + Sync + 'static,
    T::Stream: Send + Sync,
    T::TlsConnect: Send + Sync,
    <T::TlsConnect as TlsConnect<TcpStream>>::Future: Send,
{
    fn connect(&self, pg_config: &Config) -> Pin<Box<dyn Future<Output = Connected> + Send + '_>> {
        let (policy, tls, pg_config) = (self.policy, self.tls.clone(), pg_config.clone());
        Box::pin(async move { spawned(connect(&pg_config, policy, tls).await).await })
    }
}

/// A deadpool-postgres `Manager` as [`manager`] makes it, whose connections are made by
/// [`tokio_postgres::connect_watched`](super::tokio_postgres::connect_watched): each is
/// in `watch` while the pool holds it, and leaves it when the pool drops it (recycled
/// as closed, or the pool dropped).
///
/// ```no_run
/// use deadpool_postgres::{ManagerConfig, Pool};
/// use keepalive_runtime::integrations::deadpool_postgres::manager_watched;
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
/// let manager = manager_watched(watch, config, Db::policy(), NoTls, ManagerConfig::default())?;
/// let pool = Pool::builder(manager).max_size(16).build()?;
/// let client = pool.get().await?;
/// assert_eq!(watch.len(), 1);
/// # drop(client); Ok(()) }
/// ```
#[cfg(feature = "watch")]
#[cfg_attr(docsrs, doc(cfg(feature = "watch")))]
pub fn manager_watched<P, T>(
    watch: &crate::watch::Watch,
    pg_config: Config,
    policy: CheckedPolicy<P>,
    tls: T,
    config: ManagerConfig,
) -> Result<Manager, ConnectError>
where
    P: ConnectPolicy + ?Sized + 'static,
    T: MakeTlsConnect<Watched> + Clone + Send + Sync + 'static,
    T::Stream: Send + Sync,
    T::TlsConnect: Send + Sync,
    <T::TlsConnect as TlsConnect<Watched>>::Future: Send,
{
    validate(&pg_config, policy)?;
    let watch = watch.clone();
    Ok(Manager::from_connect(
        pg_config,
        WatchedConnect { watch, policy, tls },
        config,
    ))
}

/// The stream of a watched pool's connections.
#[cfg(feature = "watch")]
type Watched = crate::watch::Watched<TcpStream>;

/// deadpool-postgres' connect hook, through the policy, each connection in a watch.
#[cfg(feature = "watch")]
struct WatchedConnect<P: ?Sized, T> {
    watch: crate::watch::Watch,
    policy: CheckedPolicy<P>,
    tls: T,
}

#[cfg(feature = "watch")]
impl<P, T> Connect for WatchedConnect<P, T>
where
    P: ConnectPolicy + ?Sized + 'static,
    T: MakeTlsConnect<Watched> + Clone + Send + Sync + 'static,
    T::Stream: Send + Sync,
    T::TlsConnect: Send + Sync,
    <T::TlsConnect as TlsConnect<Watched>>::Future: Send,
{
    fn connect(&self, pg_config: &Config) -> Pin<Box<dyn Future<Output = Connected> + Send + '_>> {
        let (policy, tls, pg_config) = (self.policy, self.tls.clone(), pg_config.clone());
        Box::pin(async move {
            let connected =
                super::tokio_postgres::connect_watched(&self.watch, &pg_config, policy, tls).await;
            spawned(connected).await
        })
    }
}

/// What the hook answers for `connected`: the connection spawned on a task of its own, as
/// deadpool-postgres' own hook does (its end shows on the client, `is_closed`, which
/// recycling checks), or the error as a `tokio_postgres::Error`.
async fn spawned<S, T>(connected: Result<(Client, Connection<S, T>), ConnectError>) -> Connected
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    T: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    match connected {
        Ok((client, connection)) => {
            let task = ::tokio::spawn(async move {
                let _ = connection.await;
            });
            Ok((client, task))
        }
        Err(error) => Err(as_postgres_error(error).await),
    }
}

/// `error` as a `tokio_postgres::Error`: a session started on a stream whose first write
/// fails with an `io::Error` carrying `error`, which tokio-postgres wraps as its I/O error.
async fn as_postgres_error(error: ConnectError) -> ::tokio_postgres::Error {
    let mut config = Config::new();
    // No TLS request and a user named, so that the startup message is the first I/O.
    config
        .ssl_mode(::tokio_postgres::config::SslMode::Disable)
        .user("-");
    let stream = Failing(Some(io::Error::other(error)));
    match config.connect_raw(stream, NoTls).await {
        Err(error) => error,
        Ok(_) => unreachable!("a stream that fails every call cannot start a session"),
    }
}

/// A stream whose every call fails: first with the error it holds.
struct Failing(Option<io::Error>);

impl Failing {
    fn fail<T>(&mut self) -> Poll<io::Result<T>> {
        Poll::Ready(Err(self
            .0
            .take()
            .unwrap_or_else(|| io::Error::from(io::ErrorKind::NotConnected))))
    }
}

impl AsyncRead for Failing {
    fn poll_read(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        _: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.get_mut().fail()
    }
}

impl AsyncWrite for Failing {
    fn poll_write(self: Pin<&mut Self>, _: &mut Context<'_>, _: &[u8]) -> Poll<io::Result<usize>> {
        self.get_mut().fail()
    }
    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().fail()
    }
    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().fail()
    }
}

#[cfg(test)]
mod tests {
    use super::super::tokio_postgres::Unsupported;
    use super::*;

    #[test]
    fn a_connect_error_survives_the_trip_through_tokio_postgres_error() {
        let runtime = ::tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let error = runtime.block_on(as_postgres_error(ConnectError::Unsupported(
            Unsupported::NoHost,
        )));
        assert!(
            matches!(
                connect_error(&error),
                Some(ConnectError::Unsupported(Unsupported::NoHost))
            ),
            "{error:?}"
        );
    }
}
