//! axum (feature `axum`): a listener for `axum::serve` whose accepted sockets carry a
//! policy.
//!
//! ```no_run
//! use axum::{Router, routing::get};
//! use keepalive_runtime::integrations::axum::Listener;
//! use keepalive_runtime::prelude::*;
//!
//! #[keepalive(timeout = "60s", interval = "10s", retries = 3, user_timeout = "90s")]
//! struct Clients;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let app = Router::new().route("/", get(|| async { "hello" }));
//! // Or `Clients::policy_with(&keepalive_runtime::config::from_env("APP_KEEPALIVE_")?)?`.
//! let listener = Listener::bind("127.0.0.1:3000", Clients::policy()).await?;
//! axum::serve(listener, app).await?;
//! # Ok(()) }
//! ```
//!
//! It is the crate's [`async_tokio::Listener`] behind axum's `Listener` trait: the policy is
//! set on the listening socket when it is bound, Linux, Windows and the BSDs copy it to
//! every accepted socket (accepting costs no extra system call there), and on Apple systems
//! what they do not copy is set again on each accepted socket. axum's trait has no room for
//! an error, so a connection whose socket the OS refuses that is closed before axum sees
//! it, and the error goes to the handler given to [`Listener::on_refused`]. Errors of
//! `accept` itself are handled as `axum::serve` handles them on tokio's listener (a
//! connection that failed before it was accepted is skipped; anything else, EMFILE say, is
//! waited out for a second) and each goes to [`Listener::on_accept_error`]'s handler, or,
//! without one, is written to standard error as axum logs it.

use core::fmt;
use core::time::Duration;
use std::io;
use std::net::SocketAddr;

use tokio::net::{TcpStream, ToSocketAddrs};

use crate::socket::ListenPolicy;
use crate::{Applied, CheckedPolicy, Error, async_tokio};

/// What [`Listener::on_accept_error`] calls.
type AcceptErrorHandler = Box<dyn FnMut(&io::Error) + Send>;

/// A TCP listener configured with a policy of the policy type `P`, for `axum::serve`.
pub struct Listener<P: ?Sized> {
    inner: async_tokio::Listener<P>,
    on_refused: Option<Box<dyn FnMut(Error) + Send>>,
    on_accept_error: Option<AcceptErrorHandler>,
}

// The bounds sit on each constructor, not on the impl, so that a wrong type gets
// ListenPolicy's message.
impl<P: ?Sized> Listener<P> {
    /// Binds to the first of `addrs` that accepts it, with `policy` set before it listens.
    pub async fn bind(addrs: impl ToSocketAddrs, policy: CheckedPolicy<P>) -> Result<Self, Error>
    where
        P: ListenPolicy,
    {
        async_tokio::Listener::bind(addrs, policy)
            .await
            .map(Self::from)
    }

    /// Sets `policy` on a tokio listener bound elsewhere.
    pub fn from_tokio(
        listener: tokio::net::TcpListener,
        policy: CheckedPolicy<P>,
    ) -> Result<Self, Error>
    where
        P: ListenPolicy,
    {
        async_tokio::Listener::from_tokio(listener, policy).map(Self::from)
    }
}

impl<P: ListenPolicy + ?Sized> Listener<P> {
    /// Called with the error when the OS refuses to set on an accepted socket what it did
    /// not inherit (only on Apple systems). That connection is closed either way; without
    /// a handler nothing else happens.
    pub fn on_refused(mut self, handler: impl FnMut(Error) + Send + 'static) -> Self {
        self.on_refused = Some(Box::new(handler));
        self
    }

    /// Called with each error of `accept` itself (EMFILE when the process is out of file
    /// descriptors, ENFILE, ENOBUFS...), before the listener waits a second and accepts
    /// again; instead of the default, which writes the error to standard error.
    ///
    /// ```
    /// use keepalive_runtime::integrations::axum::Listener;
    /// use keepalive_runtime::prelude::*;
    ///
    /// #[keepalive(timeout = "60s")]
    /// struct Clients;
    ///
    /// # async fn run() -> Result<(), keepalive_runtime::Error> {
    /// let listener = Listener::bind("127.0.0.1:0", Clients::policy())
    ///     .await?
    ///     .on_accept_error(|e| eprintln!("accept failed: {e}")); // or a log or metrics call
    /// # drop(listener);
    /// # Ok(()) }
    /// ```
    pub fn on_accept_error(mut self, handler: impl FnMut(&io::Error) + Send + 'static) -> Self {
        self.on_accept_error = Some(Box::new(handler));
        self
    }

    /// The local address the listener is bound to.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.local_addr()
    }

    /// What was set on the listener, and each knob left out and why.
    pub fn applied(&self) -> &Applied {
        self.inner.applied()
    }

    /// The crate's listener inside.
    pub fn get_ref(&self) -> &async_tokio::Listener<P> {
        &self.inner
    }
}

impl<P: ?Sized> From<async_tokio::Listener<P>> for Listener<P> {
    fn from(inner: async_tokio::Listener<P>) -> Self {
        Listener {
            inner,
            on_refused: None,
            on_accept_error: None,
        }
    }
}

impl<P: ListenPolicy + ?Sized> fmt::Debug for Listener<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Listener")
            .field("policy", &self.inner.policy())
            .field("listener", self.inner.as_tokio())
            .field("on_refused", &self.on_refused.is_some())
            .field("on_accept_error", &self.on_accept_error.is_some())
            .finish()
    }
}

impl<P: ListenPolicy + ?Sized + 'static> ::axum::serve::Listener for Listener<P> {
    type Io = TcpStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            match self.inner.accept().await {
                Ok(accepted) => return accepted,
                Err(Error::Io { source, .. }) => {
                    // As axum::serve does on tokio's listener: a connection that failed
                    // before it was accepted is skipped; anything else (EMFILE, say) is
                    // reported and waited out rather than spun on.
                    if !is_connection_error(&source) {
                        match &mut self.on_accept_error {
                            Some(handler) => handler(&source),
                            None => eprintln!("accept failed: {source}; accepting again in 1s"),
                        }
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
                // The accepted socket refused the policy and was closed.
                Err(refused) => {
                    if let Some(handler) = &mut self.on_refused {
                        handler(refused);
                    }
                }
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.inner.local_addr()
    }
}

/// An axum listener whose accepted connections are registered in a
/// [`Watch`](crate::watch::Watch) (feature `watch`), from [`Listener::watched`].
#[cfg(feature = "watch")]
#[cfg_attr(docsrs, doc(cfg(feature = "watch")))]
pub struct WatchedListener<P: ?Sized> {
    inner: Listener<P>,
    watch: crate::watch::Watch,
}

#[cfg(feature = "watch")]
impl<P: ListenPolicy + ?Sized> Listener<P> {
    /// Registers every connection it accepts in `watch`, with the listener's policy and
    /// the policy type's name, until axum drops it.
    pub fn watched(self, watch: &crate::watch::Watch) -> WatchedListener<P> {
        WatchedListener {
            inner: self,
            watch: watch.clone(),
        }
    }
}

#[cfg(feature = "watch")]
impl<P: ListenPolicy + ?Sized> fmt::Debug for WatchedListener<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WatchedListener")
            .field("inner", &self.inner)
            .field("watch", &self.watch)
            .finish()
    }
}

#[cfg(feature = "watch")]
impl<P: ListenPolicy + ?Sized + 'static> ::axum::serve::Listener for WatchedListener<P> {
    type Io = crate::watch::Watched<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let policy = self.inner.inner.policy();
        loop {
            let (io, addr) = ::axum::serve::Listener::accept(&mut self.inner).await;
            // Registering fails only where the socket is already unusable (its cookie
            // cannot be read): it is closed, as a connection that failed before accept is.
            if let Ok(watched) = self.watch.watch_as(io, policy, core::any::type_name::<P>()) {
                return (watched, addr);
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.inner.local_addr()
    }
}

fn is_connection_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}
