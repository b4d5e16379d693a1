//! The libraries that create sockets for an application, made to carry a policy: a policy
//! type's own (`P::policy()`) or one changed at run time (`P::policy_with(&change)`). Each
//! sits behind a feature named after the crate.
//!
//! - [`hyper_util`] (feature `hyper-util`): a connector that wraps hyper-util's
//!   `HttpConnector`, or any connector whose connections expose their `TcpStream`.
//! - [`axum`] (feature `axum`): a listener for `axum::serve`.
//! - [`tonic`] (feature `tonic`): the same connector for `Endpoint::connect_with_connector`,
//!   and accepted connections for `Server::serve_with_incoming`.
//! - [`redis`] (feature `redis`): a policy mapped onto redis-rs' `TcpSettings`, with a
//!   report of what socket2 does differently.
//! - [`reqwest`] (feature `reqwest`): a policy mapped onto reqwest's `ClientBuilder`.
//! - [`deadpool_postgres`] (feature `deadpool-postgres`): a deadpool-postgres pool whose
//!   connections are made by the `tokio_postgres` connect path.
//! - [`tokio_postgres`] (feature `tokio-postgres`): a `tokio_postgres::Config` connected
//!   through a policy, its own keep-alive settings checked against it.
//!
//! The modules are not named like the crates at the top of this crate, so that
//! `use keepalive_runtime::*` leaves the crates themselves reachable.

#[cfg(feature = "axum")]
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
pub mod axum;
#[cfg(feature = "deadpool-postgres")]
#[cfg_attr(docsrs, doc(cfg(feature = "deadpool-postgres")))]
pub mod deadpool_postgres;
#[cfg(feature = "hyper-util")]
#[cfg_attr(docsrs, doc(cfg(feature = "hyper-util")))]
pub mod hyper_util;
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub mod redis;
#[cfg(feature = "reqwest")]
#[cfg_attr(docsrs, doc(cfg(feature = "reqwest")))]
pub mod reqwest;
#[cfg(feature = "tokio-postgres")]
#[cfg_attr(docsrs, doc(cfg(feature = "tokio-postgres")))]
pub mod tokio_postgres;
#[cfg(feature = "tonic")]
#[cfg_attr(docsrs, doc(cfg(feature = "tonic")))]
pub mod tonic;
