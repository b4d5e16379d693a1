//! Listeners that cannot lie: the policy is set when the listener is made, and a socket
//! accepted from it carries the policy on every OS or the accept fails.

use std::io;
use std::marker::PhantomData;
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};

use keepalive_core::{Policy, Role};
use socket2::{Domain, Protocol, SockRef, Socket, Type};

use crate::apply::apply_reported;
use crate::error::Error;
use crate::outcome::Applied;
use crate::socket::ListenPolicy;
use crate::socket::SocketField;
use crate::{CheckedPolicy, sys};

/// What every listener of this crate holds: the policy the listener's sockets carry (what
/// was applied, less what the OS left out) and the report of applying it.
#[derive(Debug, Clone, Copy)]
struct Configured {
    policy: Policy,
    report: Applied,
}

impl Configured {
    fn onto<P: ListenPolicy + ?Sized>(
        sock: &SockRef<'_>,
        policy: CheckedPolicy<P>,
    ) -> Result<Self, Error> {
        // Checked by P's rules: at compile time (P::policy()) or by P::policy_with.
        let report = apply_reported(sock, &policy, Role::Listener, policy.is_best_effort())?;
        Ok(Configured {
            policy: report.effective(&policy),
            report,
        })
    }

    /// The outcome of an `accept`, the socket carrying the policy. An accepted socket
    /// inherits the listener's options, except where the OS does not copy one or the
    /// listener must not carry it (the target's `ApplyPlan::accepted`: Apple the idle time
    /// and TCP_RXT_CONNDROPTIME, NetBSD every timing, FreeBSD the user timeout), which is
    /// set here; if that fails the socket is dropped, closing the connection.
    fn accepted<S>(&self, done: io::Result<(S, SocketAddr)>) -> Result<(S, SocketAddr), Error>
    where
        for<'s> SockRef<'s>: From<&'s S>,
    {
        let (stream, peer) = done.map_err(Error::io("accept"))?;
        sys::after_accept(&SockRef::from(&stream), &self.policy)?;
        Ok((stream, peer))
    }
}

/// The listener bound to the first of `addrs` that `bind_one` accepts, else the error of
/// the last address tried (or, with no address at all, an error saying so).
fn bind_first<L>(
    addrs: impl Iterator<Item = SocketAddr>,
    mut bind_one: impl FnMut(SocketAddr) -> Result<L, Error>,
) -> Result<L, Error> {
    let mut last = Error::Io {
        during: "resolve",
        source: io::Error::new(io::ErrorKind::NotFound, "the name resolved to no address"),
    };
    for addr in addrs {
        match bind_one(addr) {
            Ok(listener) => return Ok(listener),
            Err(e) => last = e,
        }
    }
    Err(last)
}

/// A TCP listener configured with the policy `P`, which only this crate builds: what the
/// listening socket may safely carry is set on it ([`bind`](Self::bind),
/// [`from_std`](Self::from_std)), accepted sockets inherit it, and
/// [`accept`](Self::accept) sets the rest, failing if it cannot. So every socket it hands
/// out carries the policy. The rest is, per the target's plan (PLATFORMS.md, "Applying
/// options"): on Apple the idle time and TCP_RXT_CONNDROPTIME (XNU copies neither, and
/// before xnu-10002 an idle time on a listening socket arms a timer that destroys it); on
/// NetBSD every timing (accepted sockets start from the global defaults, and a timing on a
/// listening socket arms the same destroying timer); on FreeBSD the user timeout.
///
/// `P` is a policy type or a connection type whose socket is a listener; a type whose
/// socket is a stream does not compile here. `async_tokio::Listener` (feature `tokio`) is
/// the same for tokio.
///
/// ```
/// use keepalive_runtime::prelude::*;
/// use keepalive_runtime::{Listener, PolicyOverride};
/// use std::time::Duration;
///
/// #[keepalive(timeout = "30s", interval = "5s", retries = 4)]
/// struct Api;
///
/// let listener = Listener::bind("127.0.0.1:0", Api::policy())?;
/// let client = std::net::TcpStream::connect(listener.local_addr()?)?;
/// let (accepted, _peer) = listener.accept()?;
/// let report = keepalive_runtime::status::read_back(&accepted, &listener.policy())?;
/// assert!(report.all_match(), "{report}");
///
/// // What keep-alive is doing on an accepted connection, under the policy it carries
/// // (a server polls this, once a second say, beside its reads):
/// let now = keepalive_runtime::status(&accepted)?.forecast(&listener.policy());
/// assert!(now.to_string().starts_with("idle "), "{now}");
///
/// // A policy changed at run time (from configuration, say), held to Api's rules.
/// let change = PolicyOverride::new().with_timeout(Duration::from_secs(10));
/// let listener = Listener::bind("127.0.0.1:0", Api::policy_with(&change)?)?;
/// assert_eq!(listener.policy().timeout(), Some(Duration::from_secs(10)));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Listener<P: ?Sized> {
    inner: TcpListener,
    configured: Configured,
    policy: PhantomData<fn() -> P>,
}

// By hand: a derive would ask the policy type for Debug too.
impl<P: ?Sized> std::fmt::Debug for Listener<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Listener")
            .field("inner", &self.inner)
            .field("policy", &self.configured.policy)
            .finish()
    }
}

impl<P: ?Sized> Listener<P> {
    /// Binds a listener to the first of `addrs` that accepts it, with the policy set
    /// before it listens (and SO_REUSEADDR on Unix, as `std::net::TcpListener::bind`
    /// sets it). The error is that of the last address tried.
    pub fn bind(addrs: impl ToSocketAddrs, policy: CheckedPolicy<P>) -> Result<Self, Error>
    where
        P: ListenPolicy,
    {
        let addrs = addrs.to_socket_addrs().map_err(Error::io("resolve"))?;
        bind_first(addrs, |addr| Self::bind_one(addr, policy))
    }

    fn bind_one(addr: SocketAddr, policy: CheckedPolicy<P>) -> Result<Self, Error>
    where
        P: ListenPolicy,
    {
        let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))
            .map_err(Error::io("socket"))?;
        #[cfg(unix)]
        socket
            .set_reuse_address(true)
            .map_err(Error::io("SO_REUSEADDR"))?;
        let configured = Configured::onto(&SockRef::from(&socket), policy)?;
        socket.bind(&addr.into()).map_err(Error::io("bind"))?;
        socket.listen(128).map_err(Error::io("listen"))?;
        Ok(Listener {
            inner: socket.into(),
            configured,
            policy: PhantomData,
        })
    }

    /// Sets the policy on a listener made elsewhere. Connections the kernel completed
    /// before this call sit in the accept queue with the options they were made with:
    /// configure a listener before it receives connections.
    pub fn from_std(listener: TcpListener, policy: CheckedPolicy<P>) -> Result<Self, Error>
    where
        P: ListenPolicy,
    {
        let configured = Configured::onto(&SockRef::from(&listener), policy)?;
        Ok(Listener {
            inner: listener,
            configured,
            policy: PhantomData,
        })
    }

    /// Accepts a connection whose socket carries the policy. On Linux, Windows, DragonFly
    /// and illumos the accepted socket inherits the listener's options and this is one
    /// `accept`; on Apple, NetBSD and FreeBSD (user timeout only) the options the listener
    /// does not pass on are set, and if that fails the accepted connection is closed and
    /// the error returned.
    pub fn accept(&self) -> Result<(TcpStream, SocketAddr), Error> {
        self.configured.accepted(self.inner.accept())
    }

    /// The connections accepted one after another, as [`accept`](Self::accept) makes them.
    pub fn incoming(&self) -> impl Iterator<Item = Result<TcpStream, Error>> + '_ {
        core::iter::repeat_with(|| self.accept().map(|(stream, _)| stream))
    }
}

impl<P: ListenPolicy + ?Sized> Listener<P> {
    /// What every accepted socket holds (set on the listener, or on the accepted socket by
    /// [`accept`](Self::accept) where the plan says so), and each knob left out and why
    /// (only a `best_effort = true` policy type leaves any out).
    pub fn applied(&self) -> &Applied {
        &self.configured.report
    }

    /// The policy the accepted sockets carry: the one given to
    /// [`bind`](Self::bind) or [`from_std`](Self::from_std), less the knobs left out.
    pub fn policy(&self) -> Policy {
        self.configured.policy
    }

    /// The local address the listener is bound to.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.local_addr()
    }

    /// The listening socket, to read from (setting options on it here bypasses the policy).
    pub fn as_std(&self) -> &TcpListener {
        &self.inner
    }

    /// The listening socket, configured; accepting on it directly skips what
    /// [`accept`](Self::accept) sets on Apple, NetBSD and FreeBSD.
    pub fn into_std(self) -> TcpListener {
        self.inner
    }
}

/// A connection type can hold its listener: `#[keepalive(socket)] listener: Listener<Self>`.
impl<P: ?Sized> SocketField for Listener<P> {
    type Socket = TcpListener;
    #[inline]
    fn socket(&self) -> Result<&TcpListener, Error> {
        Ok(&self.inner)
    }
}

/// The tokio listener (feature `tokio`).
#[cfg(feature = "tokio")]
pub(crate) mod async_tokio {
    use std::io;
    use std::marker::PhantomData;
    use std::net::SocketAddr;
    use std::task::{Context, Poll};

    use ::tokio::net::{TcpListener, TcpSocket, TcpStream, ToSocketAddrs, lookup_host};
    use keepalive_core::Policy;
    use socket2::SockRef;

    use super::Configured;
    use crate::CheckedPolicy;
    use crate::error::Error;
    use crate::outcome::Applied;
    use crate::socket::ListenPolicy;
    use crate::socket::SocketField;

    /// [`Listener`](crate::Listener) for tokio: the policy set when it is made, and every
    /// accepted socket carrying it, from `accept().await` or from [`poll_accept`]
    /// (for accept loops that poll, such as a server framework's listener trait).
    ///
    /// [`poll_accept`]: Self::poll_accept
    pub struct Listener<P: ?Sized> {
        inner: TcpListener,
        configured: Configured,
        policy: PhantomData<fn() -> P>,
    }

    impl<P: ?Sized> std::fmt::Debug for Listener<P> {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("Listener")
                .field("inner", &self.inner)
                .field("policy", &self.configured.policy)
                .finish()
        }
    }

    impl<P: ListenPolicy + ?Sized> Listener<P> {
        /// Binds to the first of `addrs` that accepts it, with the policy set before it
        /// listens (SO_REUSEADDR on Unix, as tokio's own `bind` sets it).
        pub async fn bind(
            addrs: impl ToSocketAddrs,
            policy: CheckedPolicy<P>,
        ) -> Result<Self, Error> {
            let addrs = lookup_host(addrs).await.map_err(Error::io("resolve"))?;
            super::bind_first(addrs, |addr| Self::bind_one(addr, policy))
        }

        fn bind_one(addr: SocketAddr, policy: CheckedPolicy<P>) -> Result<Self, Error> {
            let socket = match addr {
                SocketAddr::V4(_) => TcpSocket::new_v4(),
                SocketAddr::V6(_) => TcpSocket::new_v6(),
            }
            .map_err(Error::io("socket"))?;
            #[cfg(unix)]
            socket
                .set_reuseaddr(true)
                .map_err(Error::io("SO_REUSEADDR"))?;
            let configured = Configured::onto(&SockRef::from(&socket), policy)?;
            socket.bind(addr).map_err(Error::io("bind"))?;
            let inner = socket.listen(1024).map_err(Error::io("listen"))?;
            Ok(Listener {
                inner,
                configured,
                policy: PhantomData,
            })
        }

        /// Sets the policy on a tokio listener made elsewhere (see
        /// [`Listener::from_std`](crate::Listener::from_std) on connections already queued).
        pub fn from_tokio(listener: TcpListener, policy: CheckedPolicy<P>) -> Result<Self, Error> {
            let configured = Configured::onto(&SockRef::from(&listener), policy)?;
            Ok(Listener {
                inner: listener,
                configured,
                policy: PhantomData,
            })
        }

        /// Accepts a connection whose socket carries the policy; see
        /// [`Listener::accept`](crate::Listener::accept).
        pub async fn accept(&self) -> Result<(TcpStream, SocketAddr), Error> {
            self.configured.accepted(self.inner.accept().await)
        }

        /// [`accept`](Self::accept) for code that polls.
        pub fn poll_accept(
            &self,
            cx: &mut Context<'_>,
        ) -> Poll<Result<(TcpStream, SocketAddr), Error>> {
            self.inner
                .poll_accept(cx)
                .map(|done| self.configured.accepted(done))
        }
    }

    impl<P: ListenPolicy + ?Sized> Listener<P> {
        /// What was set on the listener, and each knob left out and why.
        pub fn applied(&self) -> &Applied {
            &self.configured.report
        }

        /// The policy the accepted sockets carry: the one given, less the knobs left out.
        pub fn policy(&self) -> Policy {
            self.configured.policy
        }

        /// The local address the listener is bound to.
        pub fn local_addr(&self) -> io::Result<SocketAddr> {
            self.inner.local_addr()
        }

        /// The listening socket, to read from.
        pub fn as_tokio(&self) -> &TcpListener {
            &self.inner
        }

        /// The listening socket, configured; accepting on it directly skips the re-set
        /// that [`accept`](Self::accept) does on Apple.
        pub fn into_tokio(self) -> TcpListener {
            self.inner
        }
    }

    impl<P: ?Sized> SocketField for Listener<P> {
        type Socket = TcpListener;
        #[inline]
        fn socket(&self) -> Result<&TcpListener, Error> {
            Ok(&self.inner)
        }
    }
}
