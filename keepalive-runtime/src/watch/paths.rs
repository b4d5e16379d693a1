//! The crate's own connect paths and listeners, registering what they make: each is the
//! path of the same name with its stream handed back as a [`Watched`], in the watch from
//! the first moment the application holds it.

use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

use super::{Watch, Watched, type_name};
use crate::error::Error;
use crate::socket::{ConnectPolicy, ListenPolicy};
use crate::{CheckedPolicy, Connected, Listener};

impl Watch {
    /// [`connect()`](crate::connect()), with the stream registered in this watch under
    /// `policy` (its type's name is the one changes report). Registering reads the socket's
    /// identity (`SO_COOKIE` on Linux), which fails only on a socket already unusable:
    /// then the stream is closed and the error is [`Error::Io`] during `SO_COOKIE`.
    ///
    /// ```
    /// use keepalive_runtime::prelude::*;
    /// use keepalive_runtime::watch::{Phase, Watch};
    ///
    /// #[keepalive(timeout = "30s", interval = "5s", retries = 3)]
    /// struct Api;
    ///
    /// let watch = Watch::new();
    /// let listener = keepalive_runtime::Listener::bind("127.0.0.1:0", Api::policy())?;
    /// let client = watch.connect(listener.local_addr()?, Api::policy())?.stream;
    /// let (accepted, _) = watch.accept(&listener)?;
    /// assert_eq!(watch.len(), 2);
    ///
    /// let counts = watch.poll(|change| assert!(change.policy_type.ends_with("Api")));
    /// # #[cfg(target_os = "linux")]
    /// assert_eq!(counts.get(Phase::Idle), 2);
    /// drop((client, accepted));
    /// assert!(watch.is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn connect<C: ConnectPolicy + ?Sized>(
        &self,
        addrs: impl ToSocketAddrs,
        policy: CheckedPolicy<C>,
    ) -> Result<Connected<Watched<TcpStream>>, Error> {
        self.register_connected(crate::connect(addrs, policy)?, policy)
    }

    /// [`connect_timeout`](crate::connect_timeout()), with the stream registered in this
    /// watch.
    pub fn connect_timeout<C: ConnectPolicy + ?Sized>(
        &self,
        addrs: impl ToSocketAddrs,
        policy: CheckedPolicy<C>,
        timeout: Duration,
    ) -> Result<Connected<Watched<TcpStream>>, Error> {
        self.register_connected(crate::connect_timeout(addrs, policy, timeout)?, policy)
    }

    /// [`Listener::accept`], with the accepted stream registered in this watch under the
    /// listener's policy.
    pub fn accept<P: ListenPolicy + ?Sized>(
        &self,
        listener: &Listener<P>,
    ) -> Result<(Watched<TcpStream>, SocketAddr), Error> {
        let (stream, addr) = listener.accept()?;
        let watched = self
            .watch_as(stream, listener.policy(), type_name::<P>())
            .map_err(Error::io("SO_COOKIE"))?;
        Ok((watched, addr))
    }

    /// `done`'s stream registered under what it holds: `policy` less the knobs
    /// `best_effort` left out. Every connect path's watched form goes through here.
    pub(crate) fn register_connected<S: crate::socket::KeepAliveSocket, C: ?Sized>(
        &self,
        done: Connected<S>,
        policy: CheckedPolicy<C>,
    ) -> Result<Connected<Watched<S>>, Error> {
        let Connected { stream, applied } = done;
        // The policy less the knobs `best_effort` left out: what the socket holds.
        let held = applied.effective(policy.as_policy());
        let stream = self
            .watch_as(stream, held, type_name::<C>())
            .map_err(Error::io("SO_COOKIE"))?;
        Ok(Connected { stream, applied })
    }
}

/// The same for tokio (feature `tokio`).
#[cfg(feature = "tokio")]
mod async_paths {
    use std::net::SocketAddr;
    use std::time::Duration;

    use tokio::net::{TcpStream, ToSocketAddrs};

    use super::super::{Watch, Watched, type_name};
    use crate::error::Error;
    use crate::socket::{ConnectPolicy, ListenPolicy};
    use crate::{CheckedPolicy, Connected};

    impl Watch {
        /// [`async_tokio::connect`](crate::async_tokio::connect), with the stream
        /// registered in this watch.
        ///
        /// ```
        /// use keepalive_runtime::prelude::*;
        /// use keepalive_runtime::watch::Watch;
        ///
        /// #[keepalive(timeout = "30s")]
        /// struct Api;
        ///
        /// # #[tokio::main(flavor = "current_thread")]
        /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
        /// let watch = Watch::new();
        /// let listener = keepalive_runtime::async_tokio::Listener::bind("127.0.0.1:0", Api::policy()).await?;
        /// let client = watch.connect_async(listener.local_addr()?, Api::policy()).await?.stream;
        /// let (accepted, _) = watch.accept_async(&listener).await?;
        /// assert_eq!(watch.len(), 2);
        /// drop((client, accepted));
        /// assert!(watch.is_empty());
        /// # Ok(()) }
        /// ```
        pub async fn connect_async<C: ConnectPolicy + ?Sized>(
            &self,
            addrs: impl ToSocketAddrs,
            policy: CheckedPolicy<C>,
        ) -> Result<Connected<Watched<TcpStream>>, Error> {
            let done = crate::async_tokio::connect(addrs, policy).await?;
            self.register_connected(done, policy)
        }

        /// [`async_tokio::connect_timeout`](crate::async_tokio::connect_timeout), with the
        /// stream registered in this watch.
        pub async fn connect_timeout_async<C: ConnectPolicy + ?Sized>(
            &self,
            addrs: impl ToSocketAddrs,
            policy: CheckedPolicy<C>,
            timeout: Duration,
        ) -> Result<Connected<Watched<TcpStream>>, Error> {
            let done = crate::async_tokio::connect_timeout(addrs, policy, timeout).await?;
            self.register_connected(done, policy)
        }

        /// [`async_tokio::Listener::accept`](crate::async_tokio::Listener::accept), with
        /// the accepted stream registered in this watch under the listener's policy.
        pub async fn accept_async<P: ListenPolicy + ?Sized>(
            &self,
            listener: &crate::async_tokio::Listener<P>,
        ) -> Result<(Watched<TcpStream>, SocketAddr), Error> {
            let (stream, addr) = listener.accept().await?;
            let watched = self
                .watch_as(stream, listener.policy(), type_name::<P>())
                .map_err(Error::io("SO_COOKIE"))?;
            Ok((watched, addr))
        }
    }
}
