//! The libraries that create sockets for an application, made to carry a policy type. Each
//! sits behind a feature named after the crate.
//!
//! - [`hyper_util`] (feature `hyper-util`): a connector that wraps hyper-util's
//!   `HttpConnector`, or any connector whose connections expose their `TcpStream`.
//! - [`axum`] (feature `axum`): a listener for `axum::serve`.
//! - [`tonic`] (feature `tonic`): the same connector for `Endpoint::connect_with_connector`.
//! - [`reqwest`] (feature `reqwest`): a policy type mapped onto reqwest's `ClientBuilder`.
//!
//! The modules are not named like the crates at the top of this crate, so that
//! `use keepalive_runtime::*` leaves the crates themselves reachable.

#[cfg(feature = "axum")]
pub mod axum;
#[cfg(feature = "hyper-util")]
pub mod hyper_util;
#[cfg(feature = "reqwest")]
pub mod reqwest;
#[cfg(feature = "tonic")]
pub mod tonic;
