//! TCP keep-alive policy as a typed, compile-time-checked part of a connection type.
//!
//! ```
//! use keepalive_runtime::prelude::*;
//! use keepalive_runtime::{Listener, connect};
//!
//! #[keepalive(timeout = "2h", interval = "1s", retries = 5)]
//! struct Conn {
//!     stream: std::io::BufReader<std::net::TcpStream>,
//! }
//!
//! assert_eq!(Conn::POLICY.retries(), Some(5));
//!
//! /// The server's policy: a policy type, with no socket of its own.
//! #[keepalive(timeout = "5m", interval = "30s", retries = 4)]
//! struct Server;
//!
//! // Every socket this listener accepts carries the policy.
//! let listener = Listener::bind("127.0.0.1:0", Server::policy())?;
//! // A connect path sets the options as `Conn::APPLY` says (before connect unless the
//! // attribute says `apply = "after_connect"`).
//! let stream = connect(listener.local_addr()?, Conn::policy())?.stream;
//! let conn = Conn { stream: std::io::BufReader::new(stream) };
//! // What the kernel holds, option by option, read back with getsockopt.
//! assert!(conn.keepalive_report()?.all_match());
//! let (accepted, _peer) = listener.accept()?;
//! assert!(keepalive_runtime::status::read_back(&accepted, &Server::POLICY)?.all_match());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! A policy reaches a socket in one of three ways, each taking a [`CheckedPolicy`]: the
//! type's own ([`Conn::policy()`](KeepAlivePolicy::policy)) or one changed at run time
//! ([`Conn::policy_with`](KeepAlivePolicy::policy_with), from code, a configuration file or
//! the environment), which the type's rules hold.
//!
//! - [`connect()`] / [`connect_timeout`] and, with feature `tokio`, [`async_tokio`]: connect
//!   paths that set the options at the moment [`ApplyAt`] says, by name or address.
//! - [`Listener`] (and `async_tokio::Listener`): a listener whose accepted sockets carry
//!   the policy on every OS.
//! - [`apply()`]: onto a socket as it is now (std, socket2, and with feature `tokio` the
//!   tokio TCP types).
//!
//! Then [`integrations`] (features `hyper-util`, `axum`, `tonic`, `reqwest`,
//! `tokio-postgres`, `deadpool-postgres`, `redis`) carry a policy into those crates'
//! connections; [`status`](mod@status) says what the kernel holds and what
//! keep-alive is doing on a connection now, and why it died; [`config`] reads run-time
//! changes ([`PolicyOverride`]) from the environment or, with feature `serde`, a
//! configuration file; [`rules`] and [`platform`] are the checks and the per-OS facts
//! behind them; [`socket`] names the socket types a policy goes on.
#![cfg_attr(docsrs, feature(doc_cfg))]

mod apply;
pub mod config;
mod connect;
pub mod error;
#[cfg(any(
    feature = "hyper-util",
    feature = "axum",
    feature = "reqwest",
    feature = "tokio-postgres",
    feature = "redis"
))]
#[cfg_attr(
    docsrs,
    doc(cfg(any(
        feature = "hyper-util",
        feature = "axum",
        feature = "reqwest",
        feature = "tokio-postgres",
        feature = "redis"
    )))
)]
pub mod integrations;
#[cfg(feature = "inventory")]
#[cfg_attr(docsrs, doc(cfg(feature = "inventory")))]
pub mod inventory;
mod listen;
mod outcome;
mod readback;
pub mod socket;
pub mod status;
mod sys;
#[cfg(feature = "watch")]
#[cfg_attr(docsrs, doc(cfg(feature = "watch")))]
pub mod watch;
#[doc(hidden)] // Raw get/setsockopt for this workspace's tests and benches; not an API.
pub use sys::sockopt as __sockopt;

use keepalive_core::TARGET;
use keepalive_core::rules::Enforcement;

pub use apply::apply;
#[doc(hidden)]
pub use apply::apply_unchecked;
pub use connect::{Connected, connect, connect_timeout};
pub use error::Error;
pub use keepalive_core::{Bounds, Policy, PolicyOverride};
pub use keepalive_macros::keepalive;
pub use listen::Listener;
pub use outcome::Applied;
pub use status::status;

#[cfg(feature = "tokio")]
#[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
pub mod async_tokio {
    //! The async connect paths and listener, over tokio (feature `tokio`). Not named
    //! `tokio`, so that `use keepalive_runtime::*` leaves the `tokio` crate reachable.

    pub use crate::connect::async_tokio::{connect, connect_timeout};
    pub use crate::listen::async_tokio::Listener;
}

pub mod rules {
    //! The rules a policy is checked by, at compile time and at run time: what a type
    //! enforces ([`Enforcement`]), the violations ([`Violation`], [`BoundViolation`]) and
    //! the detection bound ([`Detection`], [`InFlight`]).

    pub use keepalive_core::rules::{Enforcement, build_violation, check};
    pub use keepalive_core::{BUILD_BOUNDS_VAR, SettingError, SettingErrorKind};

    pub mod middlebox {
        //! The boxes on a path that drop idle flows, with their published idle timeouts,
        //! for [`Bounds::through`](crate::Bounds::through): see the README's "The
        //! middleboxes on the path".
        pub use keepalive_core::middlebox::*;
    }

    /// The build-wide bounds this build holds every `#[keepalive]` type to: the setting
    /// [`BUILD_BOUNDS_VAR`] (`KEEPALIVE_BOUNDS`) as the runtime read it while it compiled,
    /// `None` where it was not set. See the README's "Build-wide bounds".
    pub const fn build_bounds() -> Option<crate::Bounds> {
        crate::__private::BUILD_BOUNDS
    }
    pub use keepalive_core::{BoundViolation, Detection, DetectionError, InFlight, Violation};
}

pub mod platform {
    //! What each OS offers: the knobs ([`Knob`]), the platform table ([`PLATFORMS`],
    //! [`Platform`], [`TARGET`]) with each option's name, unit and range, and the knobs an
    //! apply left out ([`LeftOut`]).

    pub use crate::outcome::{LeftOut, option_name};
    pub use keepalive_core::{
        ANDROID, APPLE, DRAGONFLY, FREEBSD, ILLUMOS, Knob, KnobValue, LINUX, NETBSD, OPENBSD,
        OptionSpec, PLATFORMS, Platform, Support, TARGET, Unit, WINDOWS,
    };
}

use socket::KeepAliveSocket;
use status::{Cause, Forecast, Report, StatusError};

/// When a connect path sets the options (`apply = "..."` in the attribute). Never while a
/// connect is in progress: Windows answers WSAEINVAL there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ApplyAt {
    /// On the unconnected socket, so the first segment already carries the policy. On
    /// Linux a `user_timeout` then bounds the handshake too: a peer that never answers the
    /// SYN fails the connect after the user timeout, whatever the connect timeout.
    #[default]
    BeforeConnect,
    /// On the established stream, once the connect has completed.
    AfterConnect,
}

/// A keep-alive policy as a type: what `#[keepalive(...)]` declares, on a connection struct
/// or on a unit struct of its own (a *policy type*, `#[keepalive(timeout = "30s")] struct
/// Api;`) that the connect paths, listeners and integrations take through
/// [`Api::policy()`](Self::policy).
///
/// Its items are reached through the trait, so name it where you read them: `use
/// keepalive_runtime::KeepAlivePolicy;`, or [`prelude`], which brings it with [`KeepAlive`]
/// and the attribute. (Importing [`KeepAlive`] alone does not make `Conn::POLICY` resolve:
/// Rust looks up associated items only in traits in scope.)
///
/// ```
/// use keepalive_runtime::prelude::*;
///
/// #[keepalive(timeout = "30s", interval = "5s", retries = 4)]
/// struct Api;
///
/// assert_eq!(Api::POLICY.retries(), Some(4));
/// assert_eq!(Api::policy().to_string(), r#"timeout = "30s", interval = "5s", retries = 4"#);
/// ```
///
/// [`Self::policy`] checks `POLICY` against [`Self::ENFORCEMENT`] and the compilation
/// target's limits while the crate that calls it compiles, so an impl written by hand is
/// held to the same rules as the attribute's: a `timeout` of 1500 ms on Linux fails the
/// build where it is applied, instead of being rounded at run time.
pub trait KeepAlivePolicy {
    /// The policy written in the attribute, checked while the crate compiled.
    const POLICY: Policy;
    /// When a connect path applies it (`apply = "..."`).
    const APPLY: ApplyAt;
    /// What the type enforces beyond the platform's limits: `max_detect`,
    /// `detect_idle_only`, `bounds` and `best_effort` as the attribute wrote them (whether
    /// knobs the OS cannot honour are left out and reported rather than failing is
    /// [`Enforcement::is_best_effort`]). Run-time changes go through [`Self::policy_with`],
    /// which holds them to it.
    const ENFORCEMENT: Enforcement = Enforcement::new();

    /// The type's own policy, [`Self::POLICY`], ready for a connect path, a listener,
    /// [`apply()`] or an integration. It is checked against [`Self::ENFORCEMENT`] and the
    /// target's limits during constant evaluation, while the crate that calls this
    /// compiles: no check is left for run time.
    #[inline]
    fn policy() -> CheckedPolicy<Self> {
        CheckedPolicy::from_checked(apply::checked_policy::<Self>())
    }

    /// The type's policy with `change` applied (from code, a configuration file or the
    /// environment), checked by every rule the attribute enforced for this type: the
    /// running target's limits, `max_detect` (idle and with data in flight), `bounds`. A
    /// change never weakens the type's bound; the error names the rule broken and says
    /// which values the change wrote and which the type's default kept. The result goes
    /// wherever [`Self::policy`] does.
    ///
    /// ```
    /// use keepalive_runtime::prelude::*;
    /// use keepalive_runtime::PolicyOverride;
    /// use std::time::Duration;
    ///
    /// #[keepalive(timeout = "30s", interval = "5s", retries = 4, user_timeout = "50s",
    ///             max_detect = "1m", best_effort = true)]
    /// struct Api;
    ///
    /// let shorter = PolicyOverride::new().with_timeout(Duration::from_secs(20)).with_user_timeout(Duration::from_secs(40));
    /// assert_eq!(Api::policy_with(&shorter)?.timeout(), Some(Duration::from_secs(20)));
    ///
    /// let longer = PolicyOverride::new().with_timeout(Duration::from_secs(7200));
    /// let refused = Api::policy_with(&longer).unwrap_err().to_string();
    /// assert!(refused.contains("exceeds `max_detect = \"1m\"`"), "{refused}");
    /// # Ok::<(), keepalive_runtime::Error>(())
    /// ```
    fn policy_with(change: &PolicyOverride) -> Result<CheckedPolicy<Self>, Error> {
        change
            .apply_enforced(Self::POLICY, TARGET, &Self::ENFORCEMENT)
            .map_err(Error::Override)
            .and_then(|policy| {
                apply::enforce_build(&policy, &Self::ENFORCEMENT)?;
                Ok(CheckedPolicy::from_checked(policy))
            })
    }
}

/// A policy checked by the rules of the policy type `P`: `P`'s own
/// ([`P::policy()`](KeepAlivePolicy::policy)) or one changed at run time
/// ([`P::policy_with`](KeepAlivePolicy::policy_with), [`CheckedPolicy::new`]). Every path
/// that puts a policy on a socket takes one, so a policy from a configuration file reaches
/// a listener, a connect path or an integration only through the type's `max_detect`,
/// `bounds` and the target's limits, and keeps the type's `apply` moment and best-effort
/// choice. `Copy`; reads as a [`Policy`] (`Deref`) and displays in the attribute's syntax.
///
/// ```
/// use keepalive_runtime::prelude::*;
/// use keepalive_runtime::{CheckedPolicy, Policy};
/// use std::time::Duration;
///
/// #[keepalive(timeout = "30s", interval = "5s", retries = 4, max_detect = "2m",
///             detect_idle_only = true)]
/// struct Api;
///
/// let from_config = Policy::new().with_timeout(Duration::from_secs(45)).with_interval(Duration::from_secs(5)).with_retries(3);
/// let checked = CheckedPolicy::<Api>::new(from_config)?;
/// assert_eq!(checked.to_string(), r#"timeout = "45s", interval = "5s", retries = 3"#);
///
/// let too_slow = Policy::new().with_timeout(Duration::from_secs(600));
/// assert!(CheckedPolicy::<Api>::new(too_slow).is_err());
/// # Ok::<(), keepalive_runtime::Error>(())
/// ```
pub struct CheckedPolicy<P: ?Sized> {
    policy: Policy,
    rules: core::marker::PhantomData<fn() -> P>,
}

impl<P: KeepAlivePolicy + ?Sized> CheckedPolicy<P> {
    /// `policy`, checked by `P`'s rules as [`KeepAlivePolicy::policy_with`] checks a change:
    /// the running target's limits, `max_detect`, `detect_idle_only`, `bounds`; with
    /// `best_effort = true` a knob the OS has no option for is allowed (and left out when
    /// applied). An error is [`Error::Invalid`] with every rule broken.
    pub fn new(policy: Policy) -> Result<Self, Error> {
        apply::enforce(&policy, &P::ENFORCEMENT)?;
        apply::enforce_build(&policy, &P::ENFORCEMENT)?;
        Ok(Self::from_checked(policy))
    }

    /// Whether a knob the OS cannot honour is left out (and reported) rather than failing:
    /// `P`'s `best_effort`.
    pub const fn is_best_effort(&self) -> bool {
        P::ENFORCEMENT.is_best_effort()
    }

    /// When a connect path applies it: `P`'s `apply`.
    pub const fn apply_at(&self) -> ApplyAt {
        P::APPLY
    }
}

impl<P: ?Sized> CheckedPolicy<P> {
    const fn from_checked(policy: Policy) -> Self {
        CheckedPolicy {
            policy,
            rules: core::marker::PhantomData,
        }
    }

    /// The policy.
    pub const fn as_policy(&self) -> &Policy {
        &self.policy
    }
}

// By hand: derives would ask `P` for the same traits.
impl<P: ?Sized> Clone for CheckedPolicy<P> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<P: ?Sized> Copy for CheckedPolicy<P> {}
impl<P: ?Sized> PartialEq for CheckedPolicy<P> {
    fn eq(&self, other: &Self) -> bool {
        self.policy == other.policy
    }
}
impl<P: ?Sized> Eq for CheckedPolicy<P> {}
impl<P: ?Sized> core::fmt::Debug for CheckedPolicy<P> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_tuple("CheckedPolicy")
            .field(&core::any::type_name::<P>())
            .field(&self.policy)
            .finish()
    }
}
impl<P: ?Sized> core::fmt::Display for CheckedPolicy<P> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        core::fmt::Display::fmt(&self.policy, f)
    }
}
impl<P: ?Sized> core::ops::Deref for CheckedPolicy<P> {
    type Target = Policy;
    fn deref(&self) -> &Policy {
        &self.policy
    }
}
impl<P: ?Sized> From<CheckedPolicy<P>> for Policy {
    fn from(checked: CheckedPolicy<P>) -> Policy {
        checked.policy
    }
}

/// A connection type whose keep-alive policy is part of its type: a struct with a socket
/// field and `#[keepalive(...)]`, which implements this trait and [`KeepAlivePolicy`].
/// Connect with [`connect()`] (`connect(addr, Conn::policy())`), or put the policy on a
/// socket made elsewhere with [`apply()`] (`apply(conn.socket()?, Conn::policy())`).
pub trait KeepAlive: KeepAlivePolicy {
    /// The socket the socket field holds or reaches: the field's type, or the socket inside
    /// a wrapper (`Box<TcpStream>` holds a `TcpStream`). For `#[keepalive(socket = path)]`,
    /// whose socket type the attribute cannot name, `dyn AnySocket`.
    type Socket: KeepAliveSocket + ?Sized;

    /// The socket, or [`Error::NoSocket`] when the field is `None` (a connection between
    /// reconnects).
    fn socket(&self) -> Result<&Self::Socket, Error>;

    /// What the kernel holds for the socket field, option by option (one getsockopt each),
    /// compared with the policy the socket was given: the values it holds when they pass
    /// the type's rules (its `ENFORCEMENT` and the target's limits, as
    /// [`policy_with`](KeepAlivePolicy::policy_with) checks them), so a connection made
    /// with a run-time change reports that change; otherwise
    /// [`Self::POLICY`](KeepAlivePolicy::POLICY), with the broken rule in
    /// [`Report::broken_rule`](status::Report::broken_rule). See [`status::read_back`].
    fn keepalive_report(&self) -> Result<Report, Error> {
        let sock = self.socket()?.sock_ref();
        readback::held_report(&sock, &Self::POLICY, TARGET, &Self::ENFORCEMENT)
    }

    /// What keep-alive is doing on the socket field's connection now, under the policy the
    /// socket holds (read back as [`keepalive_report`](Self::keepalive_report) reads it, so
    /// a run-time change is included; the type's values for what this OS cannot read): the
    /// OS's connection-info call plus one getsockopt per option, no allocation. See
    /// [`status()`] and [`Status::forecast`](status::Status::forecast).
    fn keepalive_status(&self) -> Result<Forecast, StatusError> {
        let socket = self.socket().map_err(StatusError::from_socket)?;
        let now = status(socket)?;
        // What the kernel holds, as the report reads it: a run-time `policy_with` change
        // included, the type's values for what this OS cannot read.
        let (_, held) =
            readback::held(&socket.sock_ref(), &Self::POLICY).map_err(StatusError::from_socket)?;
        Ok(now.forecast(&status::as_set_on(
            held,
            Self::ENFORCEMENT.is_best_effort(),
            TARGET,
        )))
    }

    /// Why the connection died, from the error of its failed read or write: the status is
    /// read now, right after the failure, and [`Cause::of`](status::Cause::of) puts the two together. Call it
    /// before the socket is closed or replaced; where no status can be read (the field is
    /// `None`, or the OS has no connection-info call) the error alone decides.
    ///
    /// ```
    /// use std::io::Read;
    /// use keepalive_runtime::prelude::*;
    /// use keepalive_runtime::status::Cause;
    ///
    /// #[keepalive(timeout = "30s", interval = "5s", retries = 4)]
    /// struct Conn {
    ///     stream: std::net::TcpStream,
    /// }
    ///
    /// let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    /// let mut conn = Conn { stream: keepalive_runtime::connect(listener.local_addr()?, Conn::policy())?.stream };
    /// let (peer, _) = listener.accept()?;
    /// // The peer closes with a reset (SO_LINGER 0).
    /// socket2::SockRef::from(&peer).set_linger(Some(std::time::Duration::ZERO))?;
    /// drop(peer);
    /// let error = conn.stream.read(&mut [0; 64]).unwrap_err();
    /// let cause = conn.keepalive_cause(&error);
    /// assert_eq!(cause, Cause::Reset);
    /// eprintln!("connection lost: {cause} ({error})");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn keepalive_cause(&self, error: &std::io::Error) -> Cause {
        let after = self.socket().ok().and_then(|socket| status(socket).ok());
        Cause::of(error, after.as_ref())
    }
}

/// The attribute and both traits, for `use keepalive_runtime::prelude::*;`.
pub mod prelude {
    pub use crate::{KeepAlive, KeepAlivePolicy, keepalive};
}

/// What generated code names. Not part of the public API.
#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

// README's examples are doc tests; they use the `serde` feature and the integrations.
#[cfg(all(
    doctest,
    feature = "serde",
    feature = "hyper-util",
    feature = "axum",
    feature = "tonic",
    feature = "reqwest",
    feature = "tokio-postgres",
    feature = "deadpool-postgres",
    feature = "redis",
    feature = "inventory",
    feature = "watch",
    feature = "metrics",
    feature = "tracing"
))]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;
