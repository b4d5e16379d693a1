//! tonic (feature `tonic`): channels whose connections carry a policy type, through
//! `Endpoint::connect_with_connector` and the [`hyper_util`](super::hyper_util) connector.
//!
//! ```no_run
//! use keepalive_runtime::integrations::tonic::connector;
//! use keepalive_runtime::keepalive;
//! use tonic::transport::Endpoint;
//!
//! #[keepalive(timeout = "30s", interval = "5s", retries = 4, user_timeout = "50s")]
//! struct Backend;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let endpoint = Endpoint::from_static("http://127.0.0.1:50051");
//! let channel = endpoint.connect_with_connector(connector::<Backend>(&endpoint)?).await?;
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
//! A refused option fails the connect: `connect_with_connector` returns tonic's transport
//! error with the [`ConnectError`](super::hyper_util::ConnectError) as its source
//! (`ConnectError::find` digs out the typed error).

use core::fmt;

use ::hyper_util::client::legacy::connect::HttpConnector;
use ::tonic::transport::Endpoint;

use super::hyper_util::Connector;
use crate::ConnectPolicy;

/// A [`Connector`] for `endpoint.connect_with_connector`, set up as tonic sets up its own:
/// nodelay as the endpoint says, no restriction to `http://` URIs.
///
/// The endpoint's own keep-alive settings (`tcp_keepalive`, `tcp_keepalive_interval`,
/// `tcp_keepalive_retries`) would be ignored beside a connector of one's own, and two
/// policies for one connection cannot both hold: an endpoint that sets any of them is
/// refused.
pub fn connector<P: ConnectPolicy>(endpoint: &Endpoint) -> Result<Connector<P>, EndpointKeepAlive> {
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
    Ok(Connector::wrap(http))
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
