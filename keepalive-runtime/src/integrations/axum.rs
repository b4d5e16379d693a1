//! axum (feature `axum`): a listener for `axum::serve` whose accepted sockets carry a
//! policy type.
//!
//! ```no_run
//! use axum::{Router, routing::get};
//! use keepalive_runtime::integrations::axum::Listener;
//! use keepalive_runtime::keepalive;
//!
//! #[keepalive(timeout = "60s", interval = "10s", retries = 3, user_timeout = "90s")]
//! struct Clients;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let app = Router::new().route("/", get(|| async { "hello" }));
//! let listener = Listener::<Clients>::bind("127.0.0.1:3000".parse()?).await?;
//! axum::serve(listener, app).await?;
//! # Ok(()) }
//! ```
//!
//! The policy is set on the listening socket when it is bound: Linux, Windows and the BSDs
//! copy it to every accepted socket, so accepting costs no extra system call there. Apple
//! systems do not copy the idle time (TCP_KEEPALIVE), so there it is set again on each
//! accepted socket; should the OS refuse it, that connection is closed before axum sees
//! it, and the error goes to the handler given to [`Listener::on_refused`].

use core::fmt;
use core::marker::PhantomData;
use std::io;
use std::net::SocketAddr;

use socket2::SockRef;
use tokio::net::{TcpListener, TcpStream};

use crate::{Error, KeepAlivePolicy, apply_policy, sys};

/// A TCP listener configured with the policy type `P`, for `axum::serve`.
pub struct Listener<P> {
    inner: TcpListener,
    on_refused: Option<Box<dyn FnMut(Error, SocketAddr) + Send>>,
    policy: PhantomData<fn() -> P>,
}

impl<P: KeepAlivePolicy> Listener<P> {
    /// Binds to `addr` and applies `P` to the listening socket.
    pub async fn bind(addr: SocketAddr) -> Result<Self, Error> {
        let listener = TcpListener::bind(addr).await.map_err(Error::io("bind"))?;
        Self::from_tokio(listener)
    }

    /// Applies `P` to a listener bound elsewhere (with options of its own, say).
    pub fn from_tokio(listener: TcpListener) -> Result<Self, Error> {
        apply_policy::<P>(&listener)?;
        Ok(Listener {
            inner: listener,
            on_refused: None,
            policy: PhantomData,
        })
    }

    /// Called with the error and the peer's address when the OS refuses to set on an
    /// accepted socket what it did not inherit (only on Apple systems, where the idle time
    /// is set again). That connection is closed; without a handler nothing else happens.
    pub fn on_refused(mut self, handler: impl FnMut(Error, SocketAddr) + Send + 'static) -> Self {
        self.on_refused = Some(Box::new(handler));
        self
    }

    /// The local address the listener is bound to.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.local_addr()
    }

    /// The listening socket.
    pub fn get_ref(&self) -> &TcpListener {
        &self.inner
    }
}

impl<P> fmt::Debug for Listener<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Listener")
            .field("policy", &core::any::type_name::<P>())
            .field("inner", &self.inner)
            .field("on_refused", &self.on_refused.is_some())
            .finish()
    }
}

impl<P: KeepAlivePolicy + 'static> ::axum::serve::Listener for Listener<P> {
    type Io = TcpStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            // axum's own accept loop for tokio's listener: it retries and backs off on
            // accept errors as axum::serve does without this wrapper.
            let (stream, peer) = ::axum::serve::Listener::accept(&mut self.inner).await;
            match sys::after_accept(&SockRef::from(&stream), &P::POLICY) {
                Ok(()) => return (stream, peer),
                Err(err) => {
                    drop(stream);
                    if let Some(handler) = &mut self.on_refused {
                        handler(err, peer);
                    }
                }
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.inner.local_addr()
    }
}
