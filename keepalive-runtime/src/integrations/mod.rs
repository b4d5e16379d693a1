//! The libraries that create sockets for an application, made to carry a policy: a policy
//! type's own (`P::policy()`) or one changed at run time (`P::policy_with(&change)`). Each
//! sits behind a feature named after the crate.
//!
//! - [`hyper_util`] (feature `hyper-util`): a connector that wraps hyper-util's
//!   `HttpConnector`, or any connector whose connections expose their `TcpStream`.
//! - [`axum`] (feature `axum`): a listener for `axum::serve`.
//! - [`tonic`] (feature `tonic`): the same connector for `Endpoint::connect_with_connector`,
//!   and accepted connections for `Server::serve_with_incoming`.
//! - [`reqwest`] (feature `reqwest`): a policy mapped onto reqwest's `ClientBuilder`.
//!
//! The modules are not named like the crates at the top of this crate, so that
//! `use keepalive_runtime::*` leaves the crates themselves reachable.

#[cfg(feature = "axum")]
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
pub mod axum;
#[cfg(feature = "hyper-util")]
#[cfg_attr(docsrs, doc(cfg(feature = "hyper-util")))]
pub mod hyper_util;
#[cfg(feature = "reqwest")]
#[cfg_attr(docsrs, doc(cfg(feature = "reqwest")))]
pub mod reqwest;
#[cfg(feature = "tonic")]
#[cfg_attr(docsrs, doc(cfg(feature = "tonic")))]
pub mod tonic;
