//! hyper-util (feature `hyper-util`): a connector that applies a policy to every new
//! connection, and fails that connection's connect when the OS refuses an option.
//!
//! [`Connector<P>`] wraps hyper-util's `HttpConnector` (or any connector whose connections
//! expose their TCP stream, see [`TcpConnection`]) the way hyper-timeout's and
//! hyper-rustls' connectors do: it is a `tower_service::Service<Uri>`, passes `poll_ready`
//! through, and applies the policy to the stream the inner connector returns, before hyper writes
//! a byte on it. Everything the inner connector does stays: happy eyeballs, connect
//! timeout, nodelay, local address, `HttpInfo`.
//!
//! ```no_run
//! use hyper_util::client::legacy::Client;
//! use hyper_util::rt::TokioExecutor;
//! use keepalive_runtime::integrations::hyper_util::Connector;
//! use keepalive_runtime::prelude::*;
//!
//! #[keepalive(timeout = "30s", interval = "5s", retries = 4, user_timeout = "50s")]
//! struct Api;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
//! let mut http = hyper_util::client::legacy::connect::HttpConnector::new();
//! http.set_nodelay(true);
//! let client: Client<_, String> =
//!     Client::builder(TokioExecutor::new()).build(Connector::wrap(http, Api::policy()));
//! let response = client.get("http://127.0.0.1:8080/".parse()?).await?;
//! # Ok(()) }
//! ```
//!
//! A policy changed at run time goes the same way: `Connector::wrap(http,
//! Api::policy_with(&change)?)`. Any inner connector whose connections expose their stream
//! fits, one with a resolver of its own included:
//!
//! ```
//! use hyper_util::client::legacy::connect::HttpConnector;
//! use hyper_util::client::legacy::connect::dns::GaiResolver;
//! use keepalive_runtime::integrations::hyper_util::Connector;
//! use keepalive_runtime::prelude::*;
//!
//! #[keepalive(timeout = "30s")]
//! struct Api;
//!
//! let http = HttpConnector::new_with_resolver(GaiResolver::new());
//! let connector: Connector<Api, HttpConnector<GaiResolver>> = Connector::wrap(http, Api::policy());
//! # drop(connector);
//! ```
//!
//! With TLS the keep-alive connector goes inside the TLS one, next to the TCP connector:
//! hyper-rustls' `HttpsConnectorBuilder::wrap_connector(Connector::wrap(http, P::policy()))`,
//! for one, takes it as it takes an `HttpConnector` (one with `enforce_http(false)`, so
//! that it connects for `https://` URIs too).
//!
//! hyper-util's own `set_keepalive*` setters are best left unset on the wrapped connector:
//! they take `None` as "keep-alive off", and a failure there is only logged. Here the
//! policy is applied after them, so it is what the kernel ends up holding.
//!
//! A wrapper sees a connection only once the inner connector has established it, so the
//! policy is applied then, whatever its type's `apply` says. A connection is never handed to hyper
//! without the policy: a refusal fails that connect with [`ConnectError::KeepAlive`],
//! which hyper-util's client and tonic's channel carry as the source of their own error
//! ([`ConnectError::find`] digs it out).
//!
//! With feature `watch`, [`Connector::watched`] also registers each connection in a
//! [`Watch`](crate::watch::Watch) as it hands it to hyper: a pooled client's connections are
//! watched for as long as its pool holds them, with the connector's policy type.
//!
//! The policy is applied as [`apply`] applies it: with `best_effort = true` a knob the OS
//! lacks is left out, and the connection goes on without it; the connector has no way to
//! hand the [`Applied`](crate::Applied) back with the connection, so call [`apply`] on a
//! socket of your own once at start-up to log what this OS leaves out.

use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, ready};
use std::error::Error as StdError;

use ::hyper_util::client::legacy::connect::HttpConnector;
use ::hyper_util::rt::TokioIo;
use http::Uri;
use tower_service::Service;

use crate::socket::{ConnectPolicy, KeepAliveSocket};
use crate::{CheckedPolicy, Error, apply};

/// A connection whose TCP stream a policy can be applied to: what a connector wrapped by
/// [`Connector`] must return. Implemented for hyper-util's `TokioIo<TcpStream>` (what
/// `HttpConnector` returns) and for tokio's `TcpStream`; implement it for a connection type
/// of your own that owns a stream.
pub trait TcpConnection {
    /// The stream's type.
    type Socket: KeepAliveSocket;
    /// The stream the policy goes onto.
    fn tcp_stream(&self) -> &Self::Socket;
}

impl TcpConnection for tokio::net::TcpStream {
    type Socket = tokio::net::TcpStream;
    fn tcp_stream(&self) -> &Self::Socket {
        self
    }
}

impl TcpConnection for TokioIo<tokio::net::TcpStream> {
    type Socket = tokio::net::TcpStream;
    fn tcp_stream(&self) -> &Self::Socket {
        self.inner()
    }
}

/// A connector that applies a policy of the policy type `P` (`P::policy()`, or a run-time
/// one from `P::policy_with`) to each connection `C` makes.
pub struct Connector<P, C = HttpConnector> {
    inner: C,
    policy: CheckedPolicy<P>,
}

impl<P> Connector<P> {
    /// hyper-util's `HttpConnector::new()` (only `http://` URIs, nodelay off), wrapped.
    /// [`Connector::wrap`] takes one configured by hand.
    pub fn new(policy: CheckedPolicy<P>) -> Self
    where
        // On the function, not the impl, so that a wrong type gets ConnectPolicy's message.
        P: ConnectPolicy,
    {
        Self::wrap(HttpConnector::new(), policy)
    }
}

impl<P: ConnectPolicy> Default for Connector<P> {
    /// `Connector::new(P::policy())`.
    fn default() -> Self {
        Self::new(P::policy())
    }
}

impl<P, C> Connector<P, C> {
    /// Wraps `inner`, keeping everything it does.
    pub fn wrap(inner: C, policy: CheckedPolicy<P>) -> Self
    where
        P: ConnectPolicy,
    {
        Connector { inner, policy }
    }

    /// The policy each connection gets.
    pub fn policy(&self) -> CheckedPolicy<P> {
        self.policy
    }

    /// The wrapped connector.
    pub fn get_ref(&self) -> &C {
        &self.inner
    }

    /// The wrapped connector, to change its settings.
    pub fn get_mut(&mut self) -> &mut C {
        &mut self.inner
    }

    /// The wrapped connector, unwrapped.
    pub fn into_inner(self) -> C {
        self.inner
    }
}

impl<P, C: Clone> Clone for Connector<P, C> {
    fn clone(&self) -> Self {
        Connector {
            inner: self.inner.clone(),
            policy: self.policy,
        }
    }
}

impl<P, C: fmt::Debug> fmt::Debug for Connector<P, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connector")
            .field("policy", &self.policy)
            .field("inner", &self.inner)
            .finish()
    }
}

impl<P, C> Service<Uri> for Connector<P, C>
where
    P: ConnectPolicy,
    C: Service<Uri>,
    C::Response: TcpConnection,
    C::Error: Into<Box<dyn StdError + Send + Sync>>,
{
    type Response = C::Response;
    type Error = ConnectError;
    type Future = Connecting<P, C::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner
            .poll_ready(cx)
            .map_err(|e| ConnectError::Connect(e.into()))
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        Connecting {
            inner: self.inner.call(uri),
            policy: self.policy,
        }
    }
}

pin_project_lite::pin_project! {
    /// The future of [`Connector`]'s `call`: the inner connect, then the policy.
    pub struct Connecting<P, F> {
        #[pin]
        inner: F,
        policy: CheckedPolicy<P>,
    }
}

impl<P, F> fmt::Debug for Connecting<P, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connecting")
            .field("policy", &core::any::type_name::<P>())
            .finish_non_exhaustive()
    }
}

impl<P, F, T, E> Future for Connecting<P, F>
where
    P: ConnectPolicy,
    F: Future<Output = Result<T, E>>,
    T: TcpConnection,
    E: Into<Box<dyn StdError + Send + Sync>>,
{
    type Output = Result<T, ConnectError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let connection =
            ready!(this.inner.poll(cx)).map_err(|e| ConnectError::Connect(e.into()))?;
        // On failure the connection is dropped (closed) here: hyper never gets a
        // connection without the policy.
        apply(connection.tcp_stream(), *this.policy).map_err(ConnectError::KeepAlive)?;
        Poll::Ready(Ok(connection))
    }
}

/// Why a [`Connector`] connect failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum ConnectError {
    /// The wrapped connector failed (DNS, refused, timed out...); its error.
    Connect(Box<dyn StdError + Send + Sync>),
    /// The connection was established but the OS refused the policy; the connection was
    /// closed.
    KeepAlive(Error),
}

impl ConnectError {
    /// The keep-alive error somewhere in `err`'s chain of sources: hyper-util's client
    /// error and tonic's transport error carry a [`ConnectError`] as a source.
    ///
    /// ```no_run
    /// # use keepalive_runtime::integrations::hyper_util::ConnectError;
    /// # fn show(err: &hyper_util::client::legacy::Error) {
    /// if let Some(refused) = ConnectError::find(err) {
    ///     eprintln!("{:?} refused: {refused}", refused.option());
    /// }
    /// # }
    /// ```
    pub fn find<'a>(err: &'a (dyn StdError + 'static)) -> Option<&'a Error> {
        let mut next = Some(err);
        while let Some(e) = next {
            if let Some(ConnectError::KeepAlive(found)) = e.downcast_ref::<ConnectError>() {
                return Some(found);
            }
            if let Some(found) = e.downcast_ref::<Error>() {
                return Some(found);
            }
            next = e.source();
        }
        None
    }
}

impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConnectError::Connect(_) => f.write_str("connect failed"),
            ConnectError::KeepAlive(_) => {
                f.write_str("keep-alive policy refused; the connection was closed")
            }
        }
    }
}

impl StdError for ConnectError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            ConnectError::Connect(e) => Some(&**e),
            ConnectError::KeepAlive(e) => Some(e),
        }
    }
}

/// A [`Connector`] that also registers every connection it makes in a
/// [`Watch`](crate::watch::Watch) (feature `watch`), from [`Connector::watched`].
#[cfg(feature = "watch")]
#[cfg_attr(docsrs, doc(cfg(feature = "watch")))]
pub struct WatchedConnector<P, C = HttpConnector> {
    inner: Connector<P, C>,
    watch: crate::watch::Watch,
}

#[cfg(feature = "watch")]
impl<P: ConnectPolicy, C> Connector<P, C> {
    /// Registers every connection it makes in `watch`, with the connector's policy and the
    /// policy type's name, until the client drops it: a pooled client's connections are in
    /// the watch for as long as they are in the pool, and no longer. Its connections are
    /// [`Watched`](crate::watch::Watched), which hyper-util's client (and tonic's channel,
    /// and a TLS connector wrapped around it) takes as it takes the inner connector's.
    ///
    /// ```
    /// use hyper_util::client::legacy::Client;
    /// use hyper_util::rt::TokioExecutor;
    /// use keepalive_runtime::integrations::hyper_util::Connector;
    /// use keepalive_runtime::prelude::*;
    /// use keepalive_runtime::watch::Watch;
    ///
    /// #[keepalive(timeout = "30s", interval = "5s", retries = 4, user_timeout = "50s")]
    /// struct Api;
    ///
    /// # async fn run() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    /// let watch = Watch::global();
    /// let client: Client<_, String> = Client::builder(TokioExecutor::new())
    ///     .build(Connector::new(Api::policy()).watched(watch));
    /// let response = client.get("http://127.0.0.1:8080/".parse()?).await?;
    /// // The pooled connection, under Api's policy, until the pool closes it.
    /// let counts = watch.poll(|change| println!("{change}"));
    /// # Ok(()) }
    /// ```
    pub fn watched(self, watch: &crate::watch::Watch) -> WatchedConnector<P, C> {
        WatchedConnector {
            inner: self,
            watch: watch.clone(),
        }
    }
}

#[cfg(feature = "watch")]
impl<P, C> WatchedConnector<P, C> {
    /// The connector inside.
    pub fn get_ref(&self) -> &Connector<P, C> {
        &self.inner
    }

    /// The connector inside, to change its settings.
    pub fn get_mut(&mut self) -> &mut Connector<P, C> {
        &mut self.inner
    }

    /// The connector inside; connections it makes from now on are not watched.
    pub fn into_inner(self) -> Connector<P, C> {
        self.inner
    }

    /// The watch its connections are registered in.
    pub fn watch(&self) -> &crate::watch::Watch {
        &self.watch
    }
}

#[cfg(feature = "watch")]
impl<P, C: Clone> Clone for WatchedConnector<P, C> {
    fn clone(&self) -> Self {
        WatchedConnector {
            inner: self.inner.clone(),
            watch: self.watch.clone(),
        }
    }
}

#[cfg(feature = "watch")]
impl<P, C: fmt::Debug> fmt::Debug for WatchedConnector<P, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WatchedConnector")
            .field("inner", &self.inner)
            .field("watch", &self.watch)
            .finish()
    }
}

#[cfg(feature = "watch")]
impl<P, C> Service<Uri> for WatchedConnector<P, C>
where
    P: ConnectPolicy,
    C: Service<Uri>,
    C::Response: TcpConnection,
    C::Error: Into<Box<dyn StdError + Send + Sync>>,
{
    type Response = crate::watch::Watched<C::Response>;
    type Error = ConnectError;
    type Future = WatchedConnecting<P, C::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        WatchedConnecting {
            policy: self.inner.policy,
            inner: self.inner.call(uri),
            watch: self.watch.clone(),
        }
    }
}

#[cfg(feature = "watch")]
pin_project_lite::pin_project! {
    /// The future of [`WatchedConnector`]'s `call`: [`Connecting`], then the registration.
    #[cfg_attr(docsrs, doc(cfg(feature = "watch")))]
    pub struct WatchedConnecting<P, F> {
        #[pin]
        inner: Connecting<P, F>,
        policy: CheckedPolicy<P>,
        watch: crate::watch::Watch,
    }
}

#[cfg(feature = "watch")]
impl<P, F> fmt::Debug for WatchedConnecting<P, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WatchedConnecting")
            .field("policy", &core::any::type_name::<P>())
            .finish_non_exhaustive()
    }
}

#[cfg(feature = "watch")]
impl<P, F, T, E> Future for WatchedConnecting<P, F>
where
    P: ConnectPolicy,
    F: Future<Output = Result<T, E>>,
    T: TcpConnection,
    E: Into<Box<dyn StdError + Send + Sync>>,
{
    type Output = Result<crate::watch::Watched<T>, ConnectError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let connection = ready!(this.inner.poll(cx))?;
        // Registering fails only where the socket is already unusable (its cookie cannot
        // be read): the connection is closed here, as one whose connect failed.
        let watched = this
            .watch
            .watch_holding(
                connection,
                T::tcp_stream,
                *this.policy.as_policy(),
                core::any::type_name::<P>(),
            )
            .map_err(|e| ConnectError::Connect(e.into()))?;
        Poll::Ready(Ok(watched))
    }
}

/// What hyper-util's client needs of a connection, passed through to the connection a
/// [`Watched`](crate::watch::Watched) holds.
#[cfg(feature = "watch")]
mod watched_io {
    use core::pin::Pin;
    use core::task::{Context, Poll};
    use std::io;

    use ::hyper_util::client::legacy::connect::{Connected, Connection};
    use hyper::rt::{Read, ReadBufCursor, Write};

    use crate::watch::Watched;

    impl<T: Read + Unpin> Read for Watched<T> {
        fn poll_read(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: ReadBufCursor<'_>,
        ) -> Poll<io::Result<()>> {
            Pin::new(Pin::into_inner(self).get_mut()).poll_read(cx, buf)
        }
    }

    impl<T: Write + Unpin> Write for Watched<T> {
        fn poll_write(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            Pin::new(Pin::into_inner(self).get_mut()).poll_write(cx, buf)
        }
        fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Pin::new(Pin::into_inner(self).get_mut()).poll_flush(cx)
        }
        fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Pin::new(Pin::into_inner(self).get_mut()).poll_shutdown(cx)
        }
        fn is_write_vectored(&self) -> bool {
            self.get_ref().is_write_vectored()
        }
        fn poll_write_vectored(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            bufs: &[io::IoSlice<'_>],
        ) -> Poll<io::Result<usize>> {
            Pin::new(Pin::into_inner(self).get_mut()).poll_write_vectored(cx, bufs)
        }
    }

    impl<T: Connection> Connection for Watched<T> {
        fn connected(&self) -> Connected {
            self.get_ref().connected()
        }
    }
}
