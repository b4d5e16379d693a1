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
//! // Every socket this listener accepts carries `Server::POLICY`.
//! let listener = Listener::<Server>::bind("127.0.0.1:0")?;
//! // A connect path sets the options as `Conn::APPLY` says (before connect unless the
//! // attribute says `apply = "after_connect"`); then the kernel's values are read back.
//! let stream = connect::<Conn>(listener.local_addr()?)?.stream;
//! let conn = Conn { stream: std::io::BufReader::new(stream) };
//! assert!(conn.keepalive_report()?.all_match());
//! let (accepted, _peer) = listener.accept()?;
//! assert!(keepalive_runtime::read_back(&accepted, &Server::POLICY)?.all_match());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! - [`connect()`] / [`connect_timeout`] / [`connect_with`] and, with feature `tokio`,
//!   `async_tokio::connect`: connect paths that honour [`Apply`], by name or address.
//! - [`Listener`] (and `async_tokio::Listener`): a listener configured with a policy, whose
//!   accepted sockets carry it on every OS.
//! - [`KeepAlive::apply_keepalive`], [`apply_policy`], [`apply()`]: a policy onto a socket
//!   as it is now (std, socket2, and with feature `tokio` the tokio TCP types).
//! - [`read_back`]: a [`Report`] of what the kernel holds, option by option.
//! - [`PolicyOverride`], [`from_env`] and, with feature `serde`, `PolicyConfig`:
//!   run-time changes to a library's defaults, checked by the attribute's rules.
//! - [`status()`]: what keep-alive is doing on a connection now (one connection-info call);
//!   [`Status::forecast`] says what happens next under a policy, [`Cause::of`] why a
//!   connection died.
//! - [`Error`]: which option, which knob, the OS error and what was already set.

mod apply;
mod config;
mod connect;
mod error;
#[cfg(any(feature = "hyper-util", feature = "axum", feature = "reqwest"))]
pub mod integrations;
mod listen;
mod outcome;
mod readback;
mod socket;
mod status;
mod sys;
#[doc(hidden)] // Raw get/setsockopt for this workspace's tests and benches; not an API.
pub use sys::sockopt as __sockopt;

pub use apply::{apply, apply_best_effort, apply_policy, apply_unchecked};
#[cfg(feature = "serde")]
pub use config::PolicyConfig;
pub use config::from_env;
#[cfg(feature = "tokio")]
pub use connect::async_tokio;
pub use connect::{Attempt, Connected, connect, connect_timeout, connect_with};
pub use error::Error;
pub use keepalive_core::rules::Enforcement;
pub use keepalive_core::{Detection, InFlight};
pub use keepalive_core::{OptionSpec, Support, TARGET, Unit};
pub use listen::Listener;
pub use outcome::{Applied, BestEffort, LeftOut, option_name};
pub use readback::{Entry, Report, State, Value, read_back};

pub use keepalive_core::{
    BoundViolation, Bounds, DetectionError, DurationError, Knob, KnobValue, OverrideError,
    Platform, Policy, PolicyOverride, Violation, format_duration, parse_duration,
};
pub use keepalive_macros::keepalive;
pub use socket::{AnySocket, KeepAliveSocket, ListenerSocket, SocketField, StreamSocket};
pub use status::{Cause, Forecast, Outlook, STATUS_CALL, Status, StatusError, TcpState, status};

/// When the connect path sets the options. Never while a connect is in progress: Windows
/// answers WSAEINVAL there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Apply {
    /// On the unconnected socket, so the first segment already carries the policy.
    #[default]
    BeforeConnect,
    /// On the established stream, once the connect has completed.
    AfterConnect,
}

/// A keep-alive policy as a type: what `#[keepalive(...)]` declares, on a connection struct
/// or on a unit struct of its own (a *policy type*, `#[keepalive(timeout = "30s")] struct
/// Api;`) that integrations and [`apply_policy`] take as a type parameter.
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
/// ```
///
/// Every path that applies a policy type ([`apply_policy`], [`KeepAlive::apply_keepalive`],
/// [`connect()`], the integrations) checks `POLICY` against [`Self::ENFORCEMENT`] and the
/// compilation target's limits while the crate that names the type compiles, so an impl
/// written by hand is held to the same rules as the attribute's: a `timeout` of 1500 ms on
/// Linux fails the build where it is applied, instead of being rounded at run time.
pub trait KeepAlivePolicy {
    /// The policy written in the attribute, checked while the crate compiled.
    const POLICY: Policy;
    /// When a connect path applies it (`apply = "..."`).
    const APPLY: Apply;
    /// Whether knobs the OS cannot honour are left out (and reported) rather than failing
    /// (`best_effort = true`).
    const BEST_EFFORT: bool = false;
    /// What the type enforces beyond the platform's limits: `max_detect`,
    /// `detect_idle_only`, `bounds` and `best_effort` as the attribute wrote them. Run-time
    /// changes go through [`Self::policy_with`], which holds them to it.
    const ENFORCEMENT: Enforcement = Enforcement::new().with_best_effort(Self::BEST_EFFORT);

    /// The type's policy with `change` applied (from code, a configuration file or the
    /// environment), checked by every rule the attribute enforced for this type: the
    /// running target's limits, `max_detect` (idle and with data in flight), `bounds`. A
    /// change never weakens the type's bound; the error names the rule broken and says
    /// which values the change wrote and which the type's default kept.
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
    fn policy_with(change: &PolicyOverride) -> Result<Policy, Error> {
        change
            .apply_enforced(Self::POLICY, TARGET, &Self::ENFORCEMENT)
            .map_err(Error::Override)
    }
}

/// A connection type whose keep-alive policy is part of its type: a struct with a socket
/// field and `#[keepalive(...)]`, which implements this trait and [`KeepAlivePolicy`].
pub trait KeepAlive: KeepAlivePolicy {
    /// The socket the socket field holds or reaches: the field's type, or the socket inside
    /// a wrapper (`Box<TcpStream>` holds a `TcpStream`). For `#[keepalive(socket = path)]`,
    /// whose socket type the attribute cannot name, `dyn AnySocket`.
    type Socket: KeepAliveSocket + ?Sized;

    /// The socket, or [`Error::NoSocket`] when the field is `None` (a connection between
    /// reconnects).
    fn socket(&self) -> Result<&Self::Socket, Error>;

    /// Applies [`Self::POLICY`](KeepAlivePolicy::POLICY) to the socket field as it is now
    /// (an established stream, a listener, or a socket not yet connected), whatever
    /// [`Self::APPLY`](KeepAlivePolicy::APPLY) says: `APPLY` chooses the moment only on the
    /// crate's connect paths. On an established stream the options take effect from the
    /// next idle period; the handshake went out without them.
    ///
    /// The attribute checked the policy against the target's limits while the crate
    /// compiled, so this goes straight to the system calls; a value the kernel still
    /// refuses is [`Error::Set`]. With `best_effort = true` a knob the OS cannot honour is
    /// left out: the returned [`BestEffort`] lists what was set and each knob left out and
    /// why (for any other type nothing is left out).
    fn apply_keepalive(&self) -> Result<BestEffort, Error> {
        apply_policy::<Self>(self.socket()?)
    }

    /// Reads back what the kernel holds for the socket field and compares it with
    /// [`Self::POLICY`](KeepAlivePolicy::POLICY). See [`read_back`].
    fn keepalive_report(&self) -> Result<Report, Error> {
        let sock = self.socket()?.sock_ref();
        readback::held_report(&sock, &Self::POLICY, TARGET, &Self::ENFORCEMENT)
    }

    /// What keep-alive is doing on the socket field's connection now, next to
    /// [`Self::POLICY`](KeepAlivePolicy::POLICY) as this OS sets it (with
    /// `best_effort = true`, less the knobs it has no option for): one connection-info
    /// call, no allocation. See [`status()`] and [`Status::forecast`].
    fn keepalive_status(&self) -> Result<Forecast, StatusError> {
        let socket = self.socket().map_err(StatusError::from_socket)?;
        let now = status(socket)?;
        // What the kernel holds, as the report reads it: a run-time `policy_with` change
        // included, the type's values for what this OS cannot read.
        let (_, held) =
            readback::held(&socket.sock_ref(), &Self::POLICY).map_err(StatusError::from_socket)?;
        Ok(now.forecast(&status::as_set_on(held, Self::BEST_EFFORT, TARGET)))
    }

    /// Why the connection died, from the error of its failed read or write: the status is
    /// read now, right after the failure, and [`Cause::of`] puts the two together. Call it
    /// before the socket is closed or replaced; where no status can be read (the field is
    /// `None`, or the OS has no connection-info call) the error alone decides.
    ///
    /// ```
    /// use std::io::Read;
    /// use keepalive_runtime::Cause;
    /// use keepalive_runtime::prelude::*;
    ///
    /// #[keepalive(timeout = "30s", interval = "5s", retries = 4)]
    /// struct Conn {
    ///     stream: std::net::TcpStream,
    /// }
    ///
    /// let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    /// let mut conn = Conn { stream: keepalive_runtime::connect::<Conn>(listener.local_addr()?)?.stream };
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

/// A policy a connect path can use: a policy type, or a connection type whose socket is a
/// stream. A connection type whose socket is a listener is not one, so handing it to
/// [`connect()`] is a compile error.
#[diagnostic::on_unimplemented(
    message = "a connect path needs a connection type whose socket is a stream, or a policy type; `{Self}` is neither",
    note = "accept on a listener with `keepalive_runtime::Listener::<C>`"
)]
pub trait ConnectPolicy: KeepAlivePolicy {}

impl<C: KeepAlive + ?Sized> ConnectPolicy for C where C::Socket: StreamSocket {}

/// A policy an accept path can use: a policy type, or a connection type whose socket is a
/// listener. A connection type whose socket is a stream is not one, so handing it to
/// [`Listener`] is a compile error.
#[diagnostic::on_unimplemented(
    message = "an accept path needs a connection type whose socket is a listener, or a policy type; `{Self}` is neither",
    note = "connect with `keepalive_runtime::connect::<C>`"
)]
pub trait ListenPolicy: KeepAlivePolicy {}

impl<C: KeepAlive + ?Sized> ListenPolicy for C where C::Socket: ListenerSocket {}

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
    feature = "reqwest"
))]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;
