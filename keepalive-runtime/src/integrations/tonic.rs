//! tonic (feature `tonic`): channels whose connections carry a policy, through
//! `Endpoint::connect_with_connector` and the [`hyper_util`](super::hyper_util) connector;
//! and servers whose accepted connections carry one, through
//! `Server::serve_with_incoming` and [`incoming`].
//!
//! ```no_run
//! use keepalive_runtime::integrations::tonic::connector;
//! use keepalive_runtime::prelude::*;
//! use tonic::transport::Endpoint;
//!
//! #[keepalive(timeout = "30s", interval = "5s", retries = 4, user_timeout = "50s")]
//! struct Backend;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let endpoint = Endpoint::from_static("http://127.0.0.1:50051");
//! let channel = endpoint.connect_with_connector(connector(&endpoint, Backend::policy())?).await?;
//! # Ok(()) }
//! ```
//!
//! tonic builds its own `HttpConnector` only in `Endpoint::connect`; with a connector of
//! one's own it keeps the endpoint's connect timeout and HTTP/2 settings but not its TCP
//! ones. [`connector`] carries them over: `TCP_NODELAY` as the endpoint says (on unless
//! turned off), and any scheme the channel handles. A local address
//! (`Endpoint::local_address`) has no getter: set it on an `HttpConnector` and use
//! [`Connector::wrap`].
//!
//! With feature `watch`, the channel's connections and the server's register in a
//! [`Watch`](crate::watch::Watch): `connector(&endpoint, P::policy())?.watched(&watch)` (a
//! [`WatchedConnector`](super::hyper_util::WatchedConnector), whose connections meet what
//! `connect_with_connector` asks of them: hyper's `Read` and `Write`, `Send`, `Unpin`) and
//! [`Incoming::watched`].
//!
//! A refused option fails the connect: `connect_with_connector` returns tonic's transport
//! error with the [`ConnectError`](super::hyper_util::ConnectError) as its source
//! (`ConnectError::find` digs out the typed error).

use core::fmt;
use core::pin::Pin;
use core::task::{Context, Poll, ready};

use ::hyper_util::client::legacy::connect::HttpConnector;
use ::tonic::transport::Endpoint;
use tokio::net::TcpStream;

use super::hyper_util::Connector;
use crate::socket::{ConnectPolicy, ListenPolicy};
use crate::{CheckedPolicy, Error, async_tokio};

/// A [`Connector`] for `endpoint.connect_with_connector`, set up as tonic sets up its own:
/// nodelay as the endpoint says, no restriction to `http://` URIs.
///
/// The endpoint's own keep-alive settings (`tcp_keepalive`, `tcp_keepalive_interval`,
/// `tcp_keepalive_retries`) would be ignored beside a connector of one's own, and two
/// policies for one connection cannot both hold: an endpoint that sets any of them is
/// refused.
pub fn connector<P: ConnectPolicy>(
    endpoint: &Endpoint,
    policy: CheckedPolicy<P>,
) -> Result<Connector<P>, EndpointKeepAlive> {
    let set = [
        ("tcp_keepalive", endpoint.get_tcp_keepalive().is_some()),
        (
            "tcp_keepalive_interval",
            endpoint.get_tcp_keepalive_interval().is_some(),
        ),
        (
            "tcp_keepalive_retries",
            endpoint.get_tcp_keepalive_retries().is_some(),
        ),
    ];
    if let Some(&(setter, _)) = set.iter().find(|(_, is_set)| *is_set) {
        return Err(EndpointKeepAlive { setter });
    }
    let mut http = HttpConnector::new();
    http.enforce_http(false);
    http.set_nodelay(endpoint.get_tcp_nodelay());
    // The connect timeout stays with tonic: connect_with_connector applies the endpoint's.
    Ok(Connector::wrap(http, policy))
}

/// The connections `listener` accepts, as the stream `Server::serve_with_incoming` takes,
/// each with TCP_NODELAY on as tonic's own `Server::serve` sets it (`tcp_nodelay(true)` is
/// tonic's default; [`Incoming::with_nodelay`] changes it). With `serve_with_incoming`
/// tonic ignores its server's `tcp_nodelay` and `tcp_keepalive*` settings, so these are the
/// only ones the accepted sockets get.
///
/// An accepted socket the OS refuses the policy on is closed and yielded as the error, which
/// tonic logs (at trace level) and skips, as it does a failed accept.
///
/// ```no_run
/// use keepalive_runtime::async_tokio::Listener;
/// use keepalive_runtime::integrations::tonic::incoming;
/// use keepalive_runtime::prelude::*;
///
/// #[keepalive(timeout = "60s", interval = "10s", retries = 3)]
/// struct Clients;
///
/// # async fn run(router: tonic::transport::server::Router) -> Result<(), Box<dyn std::error::Error>> {
/// // `router`: `tonic::transport::Server::builder().add_service(...)`.
/// let listener = Listener::bind("0.0.0.0:50051", Clients::policy()).await?;
/// router.serve_with_incoming(incoming(listener)).await?;
/// # Ok(()) }
/// ```
pub fn incoming<P: ListenPolicy + ?Sized>(listener: async_tokio::Listener<P>) -> Incoming<P> {
    Incoming {
        listener,
        nodelay: true,
    }
}

/// The stream of accepted connections [`incoming`] makes: a
/// `futures_core::Stream<Item = Result<tokio::net::TcpStream, Error>>`, which never ends.
pub struct Incoming<P: ?Sized> {
    nodelay: bool,
    listener: async_tokio::Listener<P>,
}

impl<P: ListenPolicy + ?Sized> Incoming<P> {
    /// TCP_NODELAY on every accepted socket (`true` unless changed), as tonic's
    /// `Server::tcp_nodelay`.
    pub fn with_nodelay(self, nodelay: bool) -> Self {
        Incoming { nodelay, ..self }
    }

    /// The listener inside.
    pub fn get_ref(&self) -> &async_tokio::Listener<P> {
        &self.listener
    }
}

impl<P: ListenPolicy + ?Sized> fmt::Debug for Incoming<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Incoming")
            .field("listener", &self.listener)
            .field("nodelay", &self.nodelay)
            .finish()
    }
}

impl<P: ListenPolicy + ?Sized> futures_core::Stream for Incoming<P> {
    type Item = Result<TcpStream, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let accepted = ready!(self.listener.poll_accept(cx));
        Poll::Ready(Some(accepted.and_then(|(stream, _peer)| {
            stream
                .set_nodelay(self.nodelay)
                .map_err(Error::io("TCP_NODELAY"))?;
            Ok(stream)
        })))
    }
}

/// The endpoint given to [`connector`] sets a keep-alive option of its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointKeepAlive {
    setter: &'static str,
}

impl EndpointKeepAlive {
    /// The `Endpoint` setter that was used (`"tcp_keepalive"`, ...).
    pub fn setter(&self) -> &'static str {
        self.setter
    }
}

impl fmt::Display for EndpointKeepAlive {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the endpoint sets `{}`, which tonic ignores beside a connector of one's own; \
             the policy type is the connection's keep-alive policy: drop the `{}` call",
            self.setter, self.setter
        )
    }
}

impl std::error::Error for EndpointKeepAlive {}

/// An [`Incoming`] whose accepted connections are registered in a
/// [`Watch`](crate::watch::Watch) (feature `watch`), from [`Incoming::watched`]: a
/// `futures_core::Stream<Item = Result<Watched<tokio::net::TcpStream>, Error>>`.
#[cfg(feature = "watch")]
#[cfg_attr(docsrs, doc(cfg(feature = "watch")))]
pub struct WatchedIncoming<P: ?Sized> {
    watch: crate::watch::Watch,
    inner: Incoming<P>,
}

#[cfg(feature = "watch")]
impl<P: ListenPolicy + ?Sized> Incoming<P> {
    /// Registers every connection it accepts in `watch`, with the listener's policy and the
    /// policy type's name, until tonic drops it.
    ///
    /// ```no_run
    /// use keepalive_runtime::async_tokio::Listener;
    /// use keepalive_runtime::integrations::tonic::incoming;
    /// use keepalive_runtime::prelude::*;
    /// use keepalive_runtime::watch::Watch;
    ///
    /// #[keepalive(timeout = "60s", interval = "10s", retries = 3)]
    /// struct Clients;
    ///
    /// # async fn run(router: tonic::transport::server::Router) -> Result<(), Box<dyn std::error::Error>> {
    /// let listener = Listener::bind("0.0.0.0:50051", Clients::policy()).await?;
    /// router.serve_with_incoming(incoming(listener).watched(Watch::global())).await?;
    /// # Ok(()) }
    /// ```
    pub fn watched(self, watch: &crate::watch::Watch) -> WatchedIncoming<P> {
        WatchedIncoming {
            watch: watch.clone(),
            inner: self,
        }
    }
}

#[cfg(feature = "watch")]
impl<P: ListenPolicy + ?Sized> fmt::Debug for WatchedIncoming<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WatchedIncoming")
            .field("inner", &self.inner)
            .field("watch", &self.watch)
            .finish()
    }
}

#[cfg(feature = "watch")]
impl<P: ListenPolicy + ?Sized> futures_core::Stream for WatchedIncoming<P> {
    type Item = Result<crate::watch::Watched<TcpStream>, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let accepted = ready!(futures_core::Stream::poll_next(
            Pin::new(&mut self.inner),
            cx
        ));
        let policy = self.inner.listener.policy();
        Poll::Ready(accepted.map(|accepted| {
            accepted.and_then(|stream| {
                // Registering fails only where the socket is already unusable (its cookie
                // cannot be read): it is closed and yielded as the error tonic skips.
                self.watch
                    .watch_as(stream, policy, core::any::type_name::<P>())
                    .map_err(Error::io("SO_COOKIE"))
            })
        }))
    }
}

/// tonic's connect info of the connection a [`Watched`](crate::watch::Watched) holds
/// (`TcpConnectInfo` for a `TcpStream`), for `Server::serve_with_incoming`.
#[cfg(feature = "watch")]
impl<T: ::tonic::transport::server::Connected> ::tonic::transport::server::Connected
    for crate::watch::Watched<T>
{
    type ConnectInfo = T::ConnectInfo;

    fn connect_info(&self) -> Self::ConnectInfo {
        self.get_ref().connect_info()
    }
}
